package io.sluice.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;

/**
 * The meters of one pipeline, all tagged {@code pipeline=<name>}. Thread-safe: shared by the stream
 * threads.
 */
public final class PipelineMetrics {
  private final MeterRegistry registry;
  private final String pipeline;
  private final Counter recordsIn;
  private final Counter predictionsOut;
  private final Counter alerts;
  private final Counter alertsSuppressed;
  private final DistributionSummary batchSize;
  private final Timer inference;

  public PipelineMetrics(MeterRegistry registry, String pipeline) {
    this.registry = registry;
    this.pipeline = pipeline;
    this.recordsIn =
        Counter.builder("sluice.records.in")
            .description("Records that entered the batch buffer")
            .tag("pipeline", pipeline)
            .register(registry);
    this.predictionsOut =
        Counter.builder("sluice.predictions.out")
            .description("Predictions written")
            .tag("pipeline", pipeline)
            .register(registry);
    this.alerts =
        Counter.builder("sluice.alerts")
            .description("Alerts written")
            .tag("pipeline", pipeline)
            .register(registry);
    this.alertsSuppressed =
        Counter.builder("sluice.alerts.suppressed")
            .description("Alerts held back by a cooldown (reported in a summary alert)")
            .tag("pipeline", pipeline)
            .register(registry);
    this.batchSize =
        DistributionSummary.builder("sluice.batch.size")
            .description("Records per model call")
            .tag("pipeline", pipeline)
            .register(registry);
    this.inference =
        Timer.builder("sluice.inference.duration")
            .description("Duration of one model call over a batch")
            .tag("pipeline", pipeline)
            .register(registry);
  }

  public void recordIn() {
    recordsIn.increment();
  }

  public void predictionsOut(int n) {
    predictionsOut.increment(n);
  }

  public void alert() {
    alerts.increment();
  }

  /** An alert held back by the cooldown of its key and kind. */
  public void alertSuppressed() {
    alertsSuppressed.increment();
  }

  /** The population stability index of one judged drift window of {@code metric}. */
  public void driftPsi(String metric, double psi) {
    DistributionSummary.builder("sluice.drift.psi")
        .description("Population stability index of each judged drift window")
        .tag("pipeline", pipeline)
        .tag("metric", metric)
        .register(registry)
        .record(psi);
  }

  /** A record sent to the dead-letter topic at this stage. */
  public void deadLetter(String stage) {
    Counter.builder("sluice.dead.letters")
        .description("Records sent to the dead-letter topic")
        .tag("pipeline", pipeline)
        .tag("stage", stage)
        .register(registry)
        .increment();
  }

  /** A batch was flushed, because it was full ({@code size}) or old enough ({@code linger}). */
  public void batchFlushed(String trigger, int size) {
    Counter.builder("sluice.batches")
        .description("Batches flushed, by trigger")
        .tag("pipeline", pipeline)
        .tag("trigger", trigger)
        .register(registry)
        .increment();
    batchSize.record(size);
  }

  public void inferenceNanos(long nanos) {
    inference.record(nanos, TimeUnit.NANOSECONDS);
  }

  public MeterRegistry registry() {
    return registry;
  }
}
