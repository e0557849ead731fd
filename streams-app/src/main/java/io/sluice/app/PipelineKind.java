package io.sluice.app;

import io.sluice.config.SluiceConfig;
import io.sluice.inference.ModelRunner;
import io.sluice.metrics.PipelineMetrics;
import io.sluice.serde.SchemaRegistryClient;
import java.util.Optional;
import org.apache.kafka.streams.Topology;

/**
 * One kind of pipeline (classification, ...): what is specific to it is how events become model
 * input and how model output becomes records; everything else is the shared engine. A kind is
 * chosen by the configuration key {@code pipeline.kind}.
 */
public interface PipelineKind {

  /** The value of {@code pipeline.kind} that selects this kind. */
  String name();

  /**
   * Builds the pipeline's topology.
   *
   * @throws org.apache.kafka.common.config.ConfigException naming the key, if the configuration
   *     does not fit the model
   */
  Topology topology(Context context);

  /**
   * What a pipeline is built from; owned by the application, not by the pipeline.
   *
   * @param registry the schema registry client (REST, or registry-less)
   * @param model the loaded, checked model
   * @param shadow the shadow (challenger) model, if {@code pipeline.shadow.model.descriptor} names
   *     one
   */
  record Context(
      SluiceConfig config,
      SchemaRegistryClient registry,
      ModelRunner model,
      Optional<ModelRunner> shadow,
      PipelineMetrics metrics) {}
}
