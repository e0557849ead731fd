package io.sluice.kinds.recommendation;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.sluice.metrics.PipelineMetrics;

/**
 * Counters of how the recommendation pipeline handled events, {@code sluice.recs.events} tagged
 * with the pipeline and an outcome: {@code applied}, {@code late}, {@code unknown_item}, {@code
 * invalid_rating}, {@code new_user}, {@code key_mismatch}, {@code popularity_fallback}, {@code
 * short_list}. Thread-safe.
 */
public final class RecsMetrics {
  public static final String NAME = "sluice.recs.events";

  private final MeterRegistry registry;
  private final String pipeline;

  public RecsMetrics(PipelineMetrics metrics, String pipeline) {
    this.registry = metrics.registry();
    this.pipeline = pipeline;
  }

  void count(String outcome) {
    Counter.builder(NAME)
        .description("Events of the recommendation pipeline, by how they were handled")
        .tag("pipeline", pipeline)
        .tag("outcome", outcome)
        .register(registry)
        .increment();
  }
}
