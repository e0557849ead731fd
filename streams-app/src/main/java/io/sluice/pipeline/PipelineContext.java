package io.sluice.pipeline;

import io.sluice.batching.Child;
import io.sluice.config.SluiceConfig;
import io.sluice.inference.ModelHandle;
import io.sluice.inference.ModelRunner;
import io.sluice.metrics.PipelineMetrics;
import io.sluice.serde.RecordPart;
import io.sluice.serde.SchemaRegistryClient;
import io.sluice.serde.SpecificAvroSerde;
import io.sluice.topology.TopologyFactory;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.config.AbstractConfig;

/**
 * What a kind builds a pipeline (or a replay evaluator) from; owned by the engine, not by the kind.
 *
 * @param config the engine's configuration
 * @param settings the kind's own keys ({@link PipelineKind#configKeys()}), parsed and validated
 * @param registry the schema registry client (REST, or registry-less)
 * @param model the model version serving; a batch takes {@link ModelHandle#current()} once
 * @param metrics the pipeline's meters
 */
public record PipelineContext(
    SluiceConfig config,
    AbstractConfig settings,
    SchemaRegistryClient registry,
    ModelHandle model,
    PipelineMetrics metrics) {

  /** The model version serving now: what the kind checks its configuration against. */
  public ModelRunner runner() {
    return model.current();
  }

  /** The pipeline's part of the configuration. */
  public SluiceConfig.Pipeline pipeline() {
    return config.pipeline();
  }

  /**
   * A sink of the pipeline's own topic for the child's name (see {@link TopologyFactory.Sink}),
   * writing Avro values in the Confluent wire format through the registry.
   */
  public <V extends SpecificRecord> TopologyFactory.Sink<V> avroSink(Child<V> child) {
    return new TopologyFactory.Sink<>(
        child,
        null,
        new SpecificAvroSerde<>(
                registry, child.type(), RecordPart.VALUE, config.registry().autoRegister())
            .serializer());
  }
}
