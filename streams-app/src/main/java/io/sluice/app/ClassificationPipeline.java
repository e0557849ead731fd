package io.sluice.app;

import io.sluice.anomaly.ThresholdRule;
import io.sluice.config.ConfigKeys;
import io.sluice.config.SluiceConfig;
import io.sluice.inference.ModelDescriptor;
import io.sluice.inference.ModelRunner;
import io.sluice.schemas.Alert;
import io.sluice.schemas.Prediction;
import io.sluice.serde.AvroRecordDecoder;
import io.sluice.serde.RecordPart;
import io.sluice.serde.SpecificAvroSerde;
import io.sluice.topology.ClassificationHandler;
import io.sluice.topology.EventDecoder;
import io.sluice.topology.FeatureMapping;
import io.sluice.topology.TopologyFactory;
import org.apache.kafka.streams.Topology;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tabular classification (fraud scoring): event fields mapped to the model's features, class
 * probabilities out as {@link Prediction}s, a threshold alert on the positive class.
 */
final class ClassificationPipeline implements PipelineKind {
  private static final Logger LOG = LoggerFactory.getLogger(ClassificationPipeline.class);

  @Override
  public String name() {
    return "classification";
  }

  @Override
  public Topology topology(Context c) {
    SluiceConfig.Pipeline p = c.config().pipeline();
    ModelRunner model = c.model();
    ModelDescriptor descriptor = model.descriptor();
    FeatureMapping features =
        FeatureMapping.parse(ConfigKeys.FEATURES, p.features(), descriptor.features());
    ClassificationHandler handler =
        new ClassificationHandler(
            EventDecoder.avro(AvroRecordDecoder.generic(c.registry())),
            features,
            new ClassificationHandler.ModelInfo(
                model.name(),
                model.version(),
                descriptor.labels(),
                descriptor.positiveLabel().orElse(null)),
            new ClassificationHandler.Fields(p.eventIdField(), p.eventTimeField(), p.labelField()),
            thresholdRule(p, descriptor),
            c.metrics());
    boolean autoRegister = c.config().registry().autoRegister();
    return TopologyFactory.build(
        p,
        new SpecificAvroSerde<>(c.registry(), Prediction.class, RecordPart.VALUE, autoRegister)
            .serializer(),
        new SpecificAvroSerde<>(c.registry(), Alert.class, RecordPart.VALUE, autoRegister)
            .serializer(),
        handler,
        model::run,
        c.metrics());
  }

  private static ThresholdRule thresholdRule(SluiceConfig.Pipeline p, ModelDescriptor d) {
    if (p.alertThreshold().isPresent()) {
      return new ThresholdRule(p.alertThreshold().getAsDouble(), p.alertSeverity());
    }
    if (d.alertThreshold().isPresent()) {
      return new ThresholdRule(d.alertThreshold().getAsDouble(), p.alertSeverity());
    }
    LOG.warn(
        "pipeline {}: no {} and no alertThreshold in the model descriptor: no threshold alerts",
        p.name(),
        ConfigKeys.ALERT_THRESHOLD);
    return null;
  }
}
