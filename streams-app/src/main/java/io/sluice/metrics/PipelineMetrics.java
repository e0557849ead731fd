package io.sluice.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;

/**
 * The meters of one pipeline, all tagged {@code pipeline=<name>} and with the name and version of
 * the model serving it ({@code model}, {@code version}); the version tag follows {@link
 * #modelLoaded} and {@link #modelSwapped}. Thread-safe: shared by the stream threads.
 *
 * <p>Prometheus names (Micrometer appends units and {@code _total}): {@code sluice_records_in},
 * {@code sluice_predictions_out}, {@code sluice_dead_letters{stage,reason}}, {@code
 * sluice_alerts{kind,severity}}, {@code sluice_alerts_suppressed{kind}}, {@code
 * sluice_drift_psi{metric}}, {@code sluice_batches{trigger}}, the histograms {@code
 * sluice_batch_size}, {@code sluice_batch_linger_seconds}, {@code
 * sluice_inference_duration_seconds} and {@code sluice_end_to_end_latency_seconds}, {@code
 * sluice_processing_latency_seconds}, {@code sluice_batch_service_seconds{size}}, {@code
 * sluice_model_events{event}} and the gauge {@code sluice_model_execution_provider{provider}} (1
 * for the model version serving), {@code sluice_registry_outages} and the gauge {@code
 * sluice_records_held_back}; with a latency target, per task ({@code task}) the gauges {@code
 * sluice_batch_chosen_size}, {@code sluice_batch_latency_target_met} and {@code
 * sluice_batch_latency_target_unreachable}.
 */
public final class PipelineMetrics {
  private static final String UNKNOWN = "unknown";

  /** Batch size histogram buckets: powers of two up to the largest allowed batch. */
  private static final double[] BATCH_SIZE_BUCKETS = powersOfTwo(1 << 17);

  private final MeterRegistry registry;
  private final String pipeline;
  private volatile ModelMeters model;
  private final AtomicInteger batchesInFlight = new AtomicInteger();
  private volatile boolean inFlightGauge;
  private final AtomicLong heldBack = new AtomicLong();
  private volatile boolean heldBackGauge;

  /**
   * Meters of the model version in service; replaced whole on a swap so that a batch never mixes
   * two versions' tags.
   */
  private record ModelMeters(
      Tags tags,
      Counter recordsIn,
      Counter predictionsOut,
      DistributionSummary batchSize,
      Timer batchLinger,
      Timer inference,
      Timer endToEnd,
      Timer processing,
      Gauge provider,
      ConcurrentMap<String, Counter> alerts,
      ConcurrentMap<Integer, Timer> service) {}

  public PipelineMetrics(MeterRegistry registry, String pipeline) {
    this.registry = registry;
    this.pipeline = pipeline;
  }

  /** A model version was loaded and serves from now on, on this execution provider. */
  public void modelLoaded(String name, String version, String provider) {
    modelEvent("load", name, version);
    serve(name, version, provider);
  }

  /** A new model version replaced the one serving. */
  public void modelSwapped(String name, String version, String provider) {
    modelEvent("swap", name, version);
    serve(name, version, provider);
  }

  /** A model version was refused (bad hash, signature or golden output); the old one serves on. */
  public void modelRefused(String name, String version) {
    modelEvent("refused", name, version);
  }

  public void recordIn() {
    current().recordsIn().increment();
  }

  public void predictionsOut(int n) {
    current().predictionsOut().increment(n);
  }

  /** An alert was written. */
  public void alert(String kind, String severity) {
    ModelMeters m = current();
    // Cached per model version: building and registering a meter costs more than the alert.
    m.alerts()
        .computeIfAbsent(
            kind + '\n' + severity,
            k ->
                Counter.builder("sluice.alerts")
                    .description("Alerts written, by kind and severity")
                    .tags(m.tags())
                    .tag("kind", kind)
                    .tag("severity", severity)
                    .register(registry))
        .increment();
  }

  /** An alert of a kind not given; prefer {@link #alert(String, String)}. */
  public void alert() {
    alert(UNKNOWN, UNKNOWN);
  }

  /**
   * The count of input records held back (all tasks of the instance) because the schema registry
   * could not be reached for their writer schema, or an earlier record of their partition's; the
   * gauge {@code sluice_records_held_back} is registered on first use.
   */
  public AtomicLong recordsHeldBack() {
    if (!heldBackGauge) {
      synchronized (this) {
        if (!heldBackGauge) {
          Gauge.builder("sluice.records.held.back", heldBack, AtomicLong::get)
              .description(
                  "Input records held back while the schema registry cannot be reached, all tasks")
              .tag("pipeline", pipeline)
              .register(registry);
          heldBackGauge = true;
        }
      }
    }
    return heldBack;
  }

  /** The schema registry became unreachable ({@code sluice_registry_outages_total}). */
  public void registryOutage() {
    Counter.builder("sluice.registry.outages")
        .description("Times the schema registry became unreachable for a schema fetch")
        .tag("pipeline", pipeline)
        .register(registry)
        .increment();
  }

  /** A record sent to the dead-letter topic at this stage, for this reason. */
  public void deadLetter(String stage, String reason) {
    Counter.builder("sluice.dead.letters")
        .description("Records sent to the dead-letter topic, by stage and reason")
        .tags(current().tags())
        .tag("stage", stage)
        .tag("reason", reason)
        .register(registry)
        .increment();
  }

  /**
   * A record sent to the dead-letter topic at this stage; prefer {@link #deadLetter(String,
   * String)}.
   */
  public void deadLetter(String stage) {
    deadLetter(stage, UNKNOWN);
  }

  /** An alert held back by the cooldown of its key and kind (counted in a later summary). */
  public void alertSuppressed(String kind) {
    Counter.builder("sluice.alerts.suppressed")
        .description("Alerts held back by a cooldown, by kind")
        .tag("pipeline", pipeline)
        .tag("kind", kind)
        .register(registry)
        .increment();
  }

  /** The population stability index of one judged drift window of {@code metric}. */
  public void driftPsi(String metric, double psi) {
    DistributionSummary.builder("sluice.drift.psi")
        .description("Population stability index of each judged drift window, by metric")
        .tag("pipeline", pipeline)
        .tag("metric", metric)
        .register(registry)
        .record(psi);
  }

  /**
   * A batch was flushed, because it was full ({@code size}), old enough ({@code linger}) or the
   * task was about to commit ({@code commit}).
   */
  public void batchFlushed(String trigger, int size) {
    ModelMeters m = current();
    Counter.builder("sluice.batches")
        .description("Batches flushed, by trigger")
        .tags(m.tags())
        .tag("trigger", trigger)
        .register(registry)
        .increment();
    m.batchSize().record(size);
  }

  /** How long the oldest record of a flushed batch had waited (wall clock). */
  public void batchLingerMillis(long millis) {
    current().batchLinger().record(Math.max(0, millis), TimeUnit.MILLISECONDS);
  }

  /**
   * Batches being scored off the stream threads changed by {@code delta}; the gauge {@code
   * sluice_batches_in_flight} (all tasks of the instance) is registered on first use.
   */
  public void batchesInFlight(int delta) {
    if (!inFlightGauge) {
      synchronized (this) {
        if (!inFlightGauge) {
          Gauge.builder("sluice.batches.in.flight", batchesInFlight, AtomicInteger::get)
              .description("Batches being scored off the stream threads, waiting to be forwarded")
              .tag("pipeline", pipeline)
              .register(registry);
          inFlightGauge = true;
        }
      }
    }
    batchesInFlight.addAndGet(delta);
  }

  public void inferenceNanos(long nanos) {
    current().inference().record(nanos, TimeUnit.NANOSECONDS);
  }

  /**
   * From an input record's timestamp (its event time as Kafka Streams sees it) to its output being
   * handed to the producer.
   */
  public void endToEndMillis(long millis) {
    current().endToEnd().record(Math.max(0, millis), TimeUnit.MILLISECONDS);
  }

  /** From the stream thread taking a record to its outputs being forwarded. */
  public void processingLatencyNanos(long nanos) {
    current().processing().record(Math.max(0, nanos), TimeUnit.NANOSECONDS);
  }

  /**
   * How long a batch of {@code size} records took to score, in a timer per power-of-two bucket of
   * sizes (tag {@code size}: the bucket's upper bound, 1, 2, 4, ...).
   */
  public void batchServiceNanos(int size, long nanos) {
    int bucket = size <= 1 ? 1 : Integer.highestOneBit(size - 1) << 1;
    ModelMeters m = current();
    m.service()
        .computeIfAbsent(
            bucket,
            b ->
                histogram(
                    "sluice.batch.service",
                    "Time to score one batch, by batch size (up to the tag's value)",
                    m.tags().and("size", Integer.toString(b)),
                    Duration.ofNanos(10_000),
                    Duration.ofSeconds(10)))
        .record(nanos, TimeUnit.NANOSECONDS);
  }

  /**
   * Registers the gauges of one task's batch size controller: the size it chose, whether the last
   * window of processing latencies met the target (1) or not (0), and whether the target is
   * unreachable even at size 1 (1). Returns what removes them, for when the task closes.
   */
  public Runnable batchController(
      String task, IntSupplier size, BooleanSupplier targetMet, BooleanSupplier unreachable) {
    List<Gauge> gauges =
        List.of(
            Gauge.builder("sluice.batch.chosen.size", size::getAsInt)
                .description("Batch size the latency target's controller chose, per task")
                .tag("pipeline", pipeline)
                .tag("task", task)
                .register(registry),
            Gauge.builder("sluice.batch.latency.target.met", () -> targetMet.getAsBoolean() ? 1 : 0)
                .description("1 while the p99 processing latency is within the target, per task")
                .tag("pipeline", pipeline)
                .tag("task", task)
                .register(registry),
            Gauge.builder(
                    "sluice.batch.latency.target.unreachable",
                    () -> unreachable.getAsBoolean() ? 1 : 0)
                .description("1 when the latency target cannot be met even at batch size 1")
                .tag("pipeline", pipeline)
                .tag("task", task)
                .register(registry));
    return () -> gauges.forEach(registry::remove);
  }

  public MeterRegistry registry() {
    return registry;
  }

  private ModelMeters current() {
    ModelMeters m = model;
    if (m == null) {
      synchronized (this) {
        if (model == null) {
          model = meters(UNKNOWN, UNKNOWN, UNKNOWN);
        }
        m = model;
      }
    }
    return m;
  }

  private synchronized void serve(String name, String version, String provider) {
    ModelMeters old = model;
    model = meters(name, version, provider);
    if (old != null && !old.provider().getId().equals(model.provider().getId())) {
      registry.remove(old.provider());
    }
  }

  private void modelEvent(String event, String name, String version) {
    Counter.builder("sluice.model.events")
        .description("Model versions loaded, swapped in or refused")
        .tag("pipeline", pipeline)
        .tag("model", name)
        .tag("version", version)
        .tag("event", event)
        .register(registry)
        .increment();
  }

  /** A timer with a percentile histogram between {@code min} and {@code max}. */
  private Timer histogram(String name, String description, Tags tags, Duration min, Duration max) {
    return Timer.builder(name)
        .description(description)
        .tags(tags)
        .publishPercentileHistogram()
        .minimumExpectedValue(min)
        .maximumExpectedValue(max)
        .register(registry);
  }

  private ModelMeters meters(String name, String version, String provider) {
    Tags tags = Tags.of("pipeline", pipeline, "model", name, "version", version);
    return new ModelMeters(
        tags,
        Counter.builder("sluice.records.in")
            .description("Records that entered a batch")
            .tags(tags)
            .register(registry),
        Counter.builder("sluice.predictions.out")
            .description("Predictions written")
            .tags(tags)
            .register(registry),
        DistributionSummary.builder("sluice.batch.size")
            .description("Records per model call")
            .tags(tags)
            .serviceLevelObjectives(BATCH_SIZE_BUCKETS)
            .register(registry),
        histogram(
            "sluice.batch.linger",
            "Age of the oldest waiting record when its batch was flushed",
            tags,
            Duration.ofMillis(1),
            Duration.ofMinutes(1)),
        histogram(
            "sluice.inference.duration",
            "Duration of one model call over a batch",
            tags,
            Duration.ofNanos(50_000),
            Duration.ofSeconds(10)),
        histogram(
            "sluice.end.to.end.latency",
            "From an input record's timestamp to its prediction being produced",
            tags,
            Duration.ofMillis(1),
            Duration.ofMinutes(5)),
        histogram(
            "sluice.processing.latency",
            "From the stream thread taking a record to its outputs being forwarded",
            tags,
            Duration.ofNanos(10_000),
            Duration.ofMinutes(1)),
        Gauge.builder("sluice.model.execution.provider", () -> 1)
            .description("1 for the model version serving, tagged with its execution provider")
            .tags(tags)
            .tag("provider", provider)
            .strongReference(true)
            .register(registry),
        new ConcurrentHashMap<>(),
        new ConcurrentHashMap<>());
  }

  private static double[] powersOfTwo(int max) {
    int n = Integer.numberOfTrailingZeros(max) + 1;
    double[] buckets = new double[n];
    for (int i = 0; i < n; i++) {
      buckets[i] = 1 << i;
    }
    return buckets;
  }
}
