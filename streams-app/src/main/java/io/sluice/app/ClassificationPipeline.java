package io.sluice.app;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.anomaly.ThresholdRule;
import io.sluice.batching.BatchStages;
import io.sluice.config.ConfigKeys;
import io.sluice.config.SluiceConfig;
import io.sluice.inference.ModelDescriptor;
import io.sluice.inference.ModelRunner;
import io.sluice.metrics.PipelineMetrics;
import io.sluice.schemas.Alert;
import io.sluice.schemas.Prediction;
import io.sluice.serde.AvroRecordDecoder;
import io.sluice.serde.RecordPart;
import io.sluice.serde.SpecificAvroSerde;
import io.sluice.topology.ClassificationHandler;
import io.sluice.topology.EventDecoder;
import io.sluice.topology.FeatureMapping;
import io.sluice.topology.ShadowStages;
import io.sluice.topology.TopologyFactory;
import org.apache.kafka.common.config.ConfigException;
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
    BatchStages<ClassificationHandler.Event, ?> stages =
        c.shadow().isEmpty()
            ? BatchStages.of(handler, model::run)
            : new ShadowStages<>(handler, model::run, shadowHandler(c), c.shadow().get()::run);
    return TopologyFactory.build(
        p,
        new TopologyFactory.Output<>(
            new SpecificAvroSerde<>(c.registry(), Prediction.class, RecordPart.VALUE, autoRegister)
                .serializer(),
            Prediction.class),
        new TopologyFactory.Output<>(
            new SpecificAvroSerde<>(c.registry(), Alert.class, RecordPart.VALUE, autoRegister)
                .serializer(),
            Alert.class),
        stages,
        c.metrics());
  }

  /**
   * The shadow's handler: the same decoding and features (the shadow must take the same feature
   * rows), its own name, version and labels, no alert rule, and metrics of its own so that the
   * pipeline's counts stay the live model's.
   */
  private static ClassificationHandler shadowHandler(Context c) {
    SluiceConfig.Pipeline p = c.config().pipeline();
    ModelRunner shadow = c.shadow().get();
    ModelDescriptor d = shadow.descriptor();
    if (!d.features().equals(c.model().descriptor().features())) {
      throw new ConfigException(
          ConfigKeys.SHADOW_MODEL_DESCRIPTOR,
          d.path().toString(),
          "the shadow model takes features "
              + d.features()
              + ", the model "
              + c.model().descriptor().features()
              + "; a shadow must take the same rows");
    }
    return new ClassificationHandler(
        EventDecoder.avro(AvroRecordDecoder.generic(c.registry())),
        FeatureMapping.parse(ConfigKeys.FEATURES, p.features(), d.features()),
        new ClassificationHandler.ModelInfo(
            shadow.name(), shadow.version(), d.labels(), d.positiveLabel().orElse(null)),
        new ClassificationHandler.Fields(p.eventIdField(), p.eventTimeField(), p.labelField()),
        null,
        new PipelineMetrics(new SimpleMeterRegistry(), p.name() + "-shadow"));
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
