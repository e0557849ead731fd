package io.sluice.pipeline;

import io.sluice.batching.BatchStages;
import org.apache.kafka.common.config.ConfigDef;

/**
 * A kind of pipeline (classification, image classification, recommendation, ...): a plug-in found
 * through {@link java.util.ServiceLoader} (a line in {@code
 * META-INF/services/io.sluice.pipeline.PipelineKind}) and chosen by {@code pipeline.kind}. The
 * engine knows no kind by name: what is specific to a kind is here, everything else is the engine.
 *
 * <p>A kind owns its configuration keys, its checks against the model descriptor, its batch stages,
 * its pre-batch state, its typed outputs and its replay evaluator. Implementations are stateless
 * and need a public no-argument constructor.
 */
public interface PipelineKind {

  /** The value of {@code pipeline.kind} that selects this kind. */
  String name();

  /**
   * The configuration keys of this kind, each with its type, default and one line of documentation.
   * Another kind's pipeline refuses them; keys of the engine are not repeated here.
   */
  ConfigDef configKeys();

  /**
   * Checks the configuration and the model against each other and builds the kind's part of the
   * live topology.
   *
   * @throws org.apache.kafka.common.config.ConfigException naming the key, if they do not fit
   */
  PipelineParts live(PipelineContext context);

  /**
   * The replay evaluator of one model version: the same stages as {@link #live}, and the metrics of
   * the kind.
   *
   * @throws org.apache.kafka.common.config.ConfigException naming the key, if the configuration
   *     does not fit the model
   */
  ReplayEvaluator evaluator(PipelineContext context);

  /**
   * Whether a shadow (challenger) model may be scored beside the model; if so, {@link
   * #shadowStages} gives its stages.
   */
  default boolean supportsShadow() {
    return false;
  }

  /**
   * The stages of a shadow model beside the model: the engine scores every batch with them too and
   * sends their emits to the predictions sink to the shadow topic instead, dropping the others.
   *
   * @param model the pipeline's context
   * @param shadow the same, with the shadow model and meters of its own
   * @throws org.apache.kafka.common.config.ConfigException naming the key, if the shadow model
   *     cannot take the model's place
   * @throws UnsupportedOperationException if the kind does not {@link #supportsShadow()}
   */
  default BatchStages<?, ?> shadowStages(PipelineContext model, PipelineContext shadow) {
    throw new UnsupportedOperationException(name() + " pipelines have no shadow models");
  }
}
