package io.sluice.samples;

import io.sluice.schemas.Recommendation;
import io.sluice.serde.SchemaRegistryClient;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Reads what a recommendation pipeline wrote (recommendations and dead letters) with {@code
 * read_committed}, as a downstream consumer would: an {@link OutputCollector} of {@link
 * Recommendation}s with no alerts topic. Used by the demo, the integration test and the benchmark.
 * Not thread-safe.
 */
public final class RecommendationCollector implements AutoCloseable {
  private final OutputCollector outputs;

  public RecommendationCollector(
      String bootstrapServers,
      SchemaRegistryClient registry,
      String recommendationsTopic,
      String dlqTopic) {
    this.outputs =
        new OutputCollector(
            bootstrapServers, registry, Recommendation.class, recommendationsTopic, null, dlqTopic);
  }

  /** Polls until recommendations plus dead letters reach {@code expected}, or the timeout. */
  public boolean awaitOutputs(int expected, Duration timeout) {
    return outputs.awaitOutputs(expected, timeout);
  }

  /** Polls until {@code done} is true or the timeout passes; returns whether it became true. */
  public boolean pollUntil(BooleanSupplier done, Duration timeout) {
    return outputs.pollUntil(done, timeout);
  }

  /** One poll. */
  public void poll(Duration timeout) {
    outputs.poll(timeout);
  }

  /** The recommendations received so far, in arrival order (a copy). */
  public List<Recommendation> recommendations() {
    return outputs.predictions(Recommendation.class);
  }

  public List<OutputCollector.DeadLetterRecord> deadLetters() {
    return outputs.deadLetters();
  }

  /** {@link System#nanoTime()} when the last record arrived. */
  public long lastReceivedNanos() {
    return outputs.lastReceivedNanos();
  }

  @Override
  public void close() {
    outputs.close();
  }
}
