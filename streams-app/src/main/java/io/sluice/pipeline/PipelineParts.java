package io.sluice.pipeline;

import io.sluice.batching.BatchScorer;
import io.sluice.batching.BatchStages;
import io.sluice.inference.ModelHandle;
import io.sluice.topology.TopologyFactory;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A kind's part of the live topology, which {@link TopologyFactory} wires around the engine's
 * source, micro-batcher and dead-letter sink.
 *
 * @param stages the steps around the model call
 * @param predictions the sink of the kind's predictions (a shadow model's go to a sink of the same
 *     type)
 * @param sinks the kind's other sinks fed by the batcher
 * @param preBatch the kind's state in front of the batcher, if any
 * @param anomaly the anomaly stage behind the batcher, if any
 */
public record PipelineParts(
    BatchStages<?, ?> stages,
    TopologyFactory.Sink<?> predictions,
    List<TopologyFactory.Sink<?>> sinks,
    Optional<TopologyFactory.PreBatch> preBatch,
    Optional<TopologyFactory.AnomalyStage> anomaly) {
  public PipelineParts {
    Objects.requireNonNull(stages, "stages");
    Objects.requireNonNull(predictions, "predictions");
    sinks = List.copyOf(sinks);
  }

  /**
   * What {@link TopologyFactory} builds the live topology from: these parts, scored on the serving
   * model, and a shadow model's scoring loop if there is one.
   */
  public TopologyFactory.Plan plan(ModelHandle model, Optional<BatchScorer<?, ?>> shadow) {
    return new TopologyFactory.Plan(
        new BatchScorer<>(stages, model), shadow, predictions, sinks, preBatch, anomaly);
  }

  /** The parts of a kind with stages and sinks only. */
  public static PipelineParts of(
      BatchStages<?, ?> stages,
      TopologyFactory.Sink<?> predictions,
      TopologyFactory.Sink<?>... sinks) {
    return new PipelineParts(
        stages, predictions, List.of(sinks), Optional.empty(), Optional.empty());
  }
}
