package io.sluice.kinds.classification;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;

/** The configuration keys of classification pipelines: name, type, default and documentation. */
public final class ClassificationKeys {
  private ClassificationKeys() {}

  public static final String FEATURES = "pipeline.features";
  private static final String FEATURES_DOC =
      "How model features come from the event: comma-separated name=path, where path is a field"
          + " (amount) or an array element (features[0]); ranges map many at once"
          + " (V1..V28=features[0..27]); * maps every model feature not mapped otherwise to the"
          + " field of the same name. A categorical input of the descriptor (one-hot) maps to a"
          + " text field: protocol_type=proto. Model features are matched by name, in any order.";

  /** The keys, as {@link ClassificationKind#configKeys()} gives them. */
  public static final ConfigDef DEFINITION =
      new ConfigDef()
          .define(
              FEATURES,
              Type.STRING,
              "Amount=amount,V1..V28=features[0..27]",
              new ConfigDef.NonEmptyString(),
              Importance.HIGH,
              FEATURES_DOC);
}
