package io.sluice.kinds.classification;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.ValidString;

/**
 * The configuration keys of classification pipelines (the feature mapping and the anomaly stage's
 * rules): name, type, default and documentation.
 */
public final class ClassificationKeys {
  private ClassificationKeys() {}

  public static final String FEATURES = "pipeline.features";
  private static final String FEATURES_DOC =
      "How model features come from the event: comma-separated name=path, where path is a field"
          + " (amount) or an array element (features[0]); ranges map many at once"
          + " (V1..V28=features[0..27]); * maps every model feature not mapped otherwise to the"
          + " field of the same name. A categorical input of the descriptor (one-hot) maps to a"
          + " text field: protocol_type=proto. Model features are matched by name, in any order.";

  public static final String ALERT_COOLDOWN_MS = "pipeline.alert.cooldown.ms";
  private static final String ALERT_COOLDOWN_MS_DOC =
      "After an alert for a key, further alerts of the same kind for that key are held back for"
          + " this long (event time) and counted; the count goes out as one summary alert when the"
          + " period ends. 0 (the default): no cooldown, an alert per firing.";

  public static final String ALERT_TOP_FEATURES = "pipeline.alert.top.features";
  private static final String ALERT_TOP_FEATURES_DOC =
      "Linear models (descriptor with a linear block): how many of the features that pushed the"
          + " score up most each event alert names. 0: none.";

  public static final String ALERT_KEY_METRICS = "pipeline.alert.key.metrics";
  private static final String ALERT_KEY_METRICS_DOC =
      "Per-key behaviour rule: what to track per record key, comma-separated: score (the model"
          + " score, judged upwards on its log-odds), rate (time between the key's events, judged"
          + " downwards on its log) and model input features (judged both ways on"
          + " sign(x)*ln(1+|x|)). Empty: no per-key rule.";

  public static final String ALERT_KEY_Z_THRESHOLD = "pipeline.alert.key.z.threshold";
  private static final String ALERT_KEY_Z_THRESHOLD_DOC =
      "Per-key rule: alert when an event lies this many standard deviations outside its key's"
          + " exponentially weighted mean (standard deviation at least 0.1 on the judging scale).";

  public static final String ALERT_KEY_WARMUP_EVENTS = "pipeline.alert.key.warmup.events";
  private static final String ALERT_KEY_WARMUP_EVENTS_DOC =
      "Per-key rule: values of a metric a key must have seen before it is judged on it.";

  public static final String ALERT_KEY_HALFLIFE_EVENTS = "pipeline.alert.key.halflife.events";
  private static final String ALERT_KEY_HALFLIFE_EVENTS_DOC =
      "Per-key rule: after how many later events of the key a value's weight in its mean and"
          + " variance halves.";

  public static final String ALERT_KEY_MAX_KEYS = "pipeline.alert.key.max.keys";
  private static final String ALERT_KEY_MAX_KEYS_DOC =
      "Most keys whose state (statistics, cooldowns) each partition keeps; past it the least"
          + " recently seen key is dropped, also from the changelog.";

  public static final String ALERT_KEY_IDLE_MS = "pipeline.alert.key.idle.ms";
  private static final String ALERT_KEY_IDLE_MS_DOC =
      "A key's state is dropped when the key has had no event for this long (event time).";

  public static final String ALERT_KEY_SEVERITY = "pipeline.alert.key.severity";
  private static final String ALERT_KEY_SEVERITY_DOC = "Severity of per-key behaviour alerts.";

  public static final String ALERT_DRIFT_METRICS = "pipeline.alert.drift.metrics";
  private static final String ALERT_DRIFT_METRICS_DOC =
      "Drift rule: whose distribution per window to compare with the model descriptor's"
          + " training-time reference, comma-separated: score and/or model input features that"
          + " have a reference. Empty: no drift rule.";

  public static final String ALERT_DRIFT_WINDOW_MS = "pipeline.alert.drift.window.ms";
  private static final String ALERT_DRIFT_WINDOW_MS_DOC =
      "Drift rule: length of the tumbling event-time windows judged, per partition. A window is"
          + " judged when an event of a later window arrives.";

  public static final String ALERT_DRIFT_MIN_EVENTS = "pipeline.alert.drift.min.events";
  private static final String ALERT_DRIFT_MIN_EVENTS_DOC =
      "Drift rule: events a window must hold to be judged (fewer: too noisy, skipped).";

  public static final String ALERT_DRIFT_PSI_THRESHOLD = "pipeline.alert.drift.psi.threshold";
  private static final String ALERT_DRIFT_PSI_THRESHOLD_DOC =
      "Drift rule: alert when a window's population stability index against the reference is"
          + " above this (0.1: moderate shift, 0.25: significant).";

  public static final String ALERT_DRIFT_SEVERITY = "pipeline.alert.drift.severity";
  private static final String ALERT_DRIFT_SEVERITY_DOC = "Severity of drift alerts.";

  public static final String ALERT_HEALTH_WINDOW_MS = "pipeline.alert.health.window.ms";
  private static final String ALERT_HEALTH_WINDOW_MS_DOC =
      "Model-health rule: length of the tumbling wall-clock windows over which the dead-letter"
          + " and model error rates are judged, per partition.";

  public static final String ALERT_HEALTH_MIN_EVENTS = "pipeline.alert.health.min.events";
  private static final String ALERT_HEALTH_MIN_EVENTS_DOC =
      "Model-health rule: records a window must hold to be judged.";

  public static final String ALERT_HEALTH_DEAD_LETTER_RATE =
      "pipeline.alert.health.dead.letter.rate";
  private static final String ALERT_HEALTH_DEAD_LETTER_RATE_DOC =
      "Model-health rule: alert when more than this share of a window's records went to the"
          + " dead-letter topic (any stage). 1: never.";

  public static final String ALERT_HEALTH_MODEL_ERROR_RATE =
      "pipeline.alert.health.model.error.rate";
  private static final String ALERT_HEALTH_MODEL_ERROR_RATE_DOC =
      "Model-health rule: alert when the model failed on more than this share of the records it"
          + " was called on in a window. 1: never.";

  public static final String ALERT_HEALTH_SEVERITY = "pipeline.alert.health.severity";
  private static final String ALERT_HEALTH_SEVERITY_DOC = "Severity of model-health alerts.";

  /** The keys, as {@link ClassificationKind#configKeys()} gives them. */
  public static final ConfigDef DEFINITION =
      new ConfigDef()
          .define(
              FEATURES,
              Type.STRING,
              "Amount=amount,V1..V28=features[0..27]",
              new ConfigDef.NonEmptyString(),
              Importance.HIGH,
              FEATURES_DOC)
          .define(
              ALERT_COOLDOWN_MS,
              Type.LONG,
              0L,
              Range.atLeast(0),
              Importance.MEDIUM,
              ALERT_COOLDOWN_MS_DOC)
          .define(
              ALERT_TOP_FEATURES,
              Type.INT,
              3,
              Range.between(0, 100),
              Importance.LOW,
              ALERT_TOP_FEATURES_DOC)
          .define(ALERT_KEY_METRICS, Type.STRING, "", Importance.MEDIUM, ALERT_KEY_METRICS_DOC)
          .define(
              ALERT_KEY_Z_THRESHOLD,
              Type.DOUBLE,
              4.0,
              Range.atLeast(0.1),
              Importance.MEDIUM,
              ALERT_KEY_Z_THRESHOLD_DOC)
          .define(
              ALERT_KEY_WARMUP_EVENTS,
              Type.INT,
              10,
              Range.atLeast(1),
              Importance.MEDIUM,
              ALERT_KEY_WARMUP_EVENTS_DOC)
          .define(
              ALERT_KEY_HALFLIFE_EVENTS,
              Type.DOUBLE,
              20.0,
              Range.atLeast(1),
              Importance.LOW,
              ALERT_KEY_HALFLIFE_EVENTS_DOC)
          .define(
              ALERT_KEY_MAX_KEYS,
              Type.INT,
              100_000,
              Range.atLeast(1),
              Importance.MEDIUM,
              ALERT_KEY_MAX_KEYS_DOC)
          .define(
              ALERT_KEY_IDLE_MS,
              Type.LONG,
              7 * 24 * 3_600_000L,
              Range.atLeast(1),
              Importance.LOW,
              ALERT_KEY_IDLE_MS_DOC)
          .define(
              ALERT_KEY_SEVERITY,
              Type.STRING,
              "WARNING",
              severity(),
              Importance.LOW,
              ALERT_KEY_SEVERITY_DOC)
          .define(ALERT_DRIFT_METRICS, Type.STRING, "", Importance.MEDIUM, ALERT_DRIFT_METRICS_DOC)
          .define(
              ALERT_DRIFT_WINDOW_MS,
              Type.LONG,
              300_000L,
              Range.atLeast(1),
              Importance.MEDIUM,
              ALERT_DRIFT_WINDOW_MS_DOC)
          .define(
              ALERT_DRIFT_MIN_EVENTS,
              Type.INT,
              200,
              Range.atLeast(1),
              Importance.LOW,
              ALERT_DRIFT_MIN_EVENTS_DOC)
          .define(
              ALERT_DRIFT_PSI_THRESHOLD,
              Type.DOUBLE,
              0.25,
              Range.atLeast(0.001),
              Importance.MEDIUM,
              ALERT_DRIFT_PSI_THRESHOLD_DOC)
          .define(
              ALERT_DRIFT_SEVERITY,
              Type.STRING,
              "WARNING",
              severity(),
              Importance.LOW,
              ALERT_DRIFT_SEVERITY_DOC)
          .define(
              ALERT_HEALTH_WINDOW_MS,
              Type.LONG,
              60_000L,
              Range.atLeast(1),
              Importance.LOW,
              ALERT_HEALTH_WINDOW_MS_DOC)
          .define(
              ALERT_HEALTH_MIN_EVENTS,
              Type.INT,
              100,
              Range.atLeast(1),
              Importance.LOW,
              ALERT_HEALTH_MIN_EVENTS_DOC)
          .define(
              ALERT_HEALTH_DEAD_LETTER_RATE,
              Type.DOUBLE,
              0.05,
              Range.between(0, 1),
              Importance.MEDIUM,
              ALERT_HEALTH_DEAD_LETTER_RATE_DOC)
          .define(
              ALERT_HEALTH_MODEL_ERROR_RATE,
              Type.DOUBLE,
              0.01,
              Range.between(0, 1),
              Importance.MEDIUM,
              ALERT_HEALTH_MODEL_ERROR_RATE_DOC)
          .define(
              ALERT_HEALTH_SEVERITY,
              Type.STRING,
              "CRITICAL",
              severity(),
              Importance.LOW,
              ALERT_HEALTH_SEVERITY_DOC);

  private static ConfigDef.Validator severity() {
    return ValidString.in("INFO", "WARNING", "CRITICAL");
  }
}
