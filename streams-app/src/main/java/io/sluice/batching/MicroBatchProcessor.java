package io.sluice.batching;

import io.sluice.errors.DeadLetter;
import io.sluice.metrics.PipelineMetrics;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.internals.InternalProcessorContext;
import org.apache.kafka.streams.processor.internals.ProcessorNode;
import org.apache.kafka.streams.processor.internals.ProcessorRecordContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gathers raw records into micro-batches and scores each batch with one model call, off the stream
 * thread.
 *
 * <p>The records wait in memory, and nothing is written for them: no offset is committed for a
 * record whose outputs have not been sent. Kafka Streams commits a task's offsets only after it has
 * flushed the task's record caches, and {@link CommitHook}, a store connected to this processor,
 * takes part in that flush: before each commit the processor scores what waits, waits for its
 * batches in flight and forwards their outputs, which then go into the same commit (the same
 * transaction under {@code exactly_once_v2}). A crash loses only uncommitted work: the records are
 * read again from the input topic and scored by whoever gets the task next, as Kafka Streams
 * reprocesses any uncommitted record. A rebalance or a clean close commits, so it scores first.
 *
 * <p>A batch is cut from {@link #process} when {@code maxBatchSize} records wait, from a wall-clock
 * punctuator when the oldest has waited {@code maxLinger}, and before a commit (so under {@code
 * exactly_once_v2}, whose commit interval is 100 ms, a half-full batch waits at most that long).
 * With {@code maxInFlight} zero it is scored at once on the stream thread; otherwise on the
 * engine's executor while the stream thread goes on, up to {@code maxInFlight} batches per task at
 * a time (at the limit the stream thread waits for the oldest). Scoring decodes and featurizes the
 * records, calls the model once and bisects the batch when the call fails so that only the failing
 * records are dead-lettered (all in {@link BatchScorer}). Finished batches are taken back on the
 * stream thread, in {@code process}, in the punctuator and before a commit, oldest first: a later
 * batch that finishes first waits for the earlier ones, so outputs and dead letters are forwarded
 * in input order with each input's timestamp.
 *
 * <p>With a latency target ({@link Settings#latencyTarget}), a {@link BatchSizeController} per task
 * replaces {@code maxBatchSize} and {@code maxLinger} by the size and linger it chooses from the
 * batches' service times, the records' arrival rate and their processing latency (this processor
 * taking a record to forwarding its outputs); the two limits become upper bounds.
 *
 * <p>Earlier versions kept the waiting records in a changelogged store, {@code
 * <pipeline>-batch-buffer}. It stays connected, is never written, and what an older version left in
 * it is scored first and then deleted, so an upgrade loses nothing.
 *
 * <p>A batch whose scoring throws an unexpected exception rethrows it on the stream thread, when it
 * is the oldest; nothing of it or after it is committed. {@link #close} forwards nothing: a clean
 * close has committed (and so scored) first; after a dirty one the records are read again.
 *
 * <p>One instance per task, used by one stream thread; the stages, the executor and the metrics are
 * shared.
 */
public final class MicroBatchProcessor<P> implements Processor<byte[], byte[], Object, Object> {
  private static final Logger LOG = LoggerFactory.getLogger(MicroBatchProcessor.class);

  /**
   * How often, at most, the punctuator looks for finished batches when batches are scored off the
   * stream thread (an idle stream thread also waits up to {@code poll.ms} in its poll).
   */
  static final long COLLECT_INTERVAL_MS = 5;

  /** Scores on the calling thread: in-flight batches are done as soon as they are cut. */
  public static final Executor SAME_THREAD = Runnable::run;

  /** The key of a record that is in no store. */
  private static final long NOT_STORED = -1;

  private final Settings settings;
  private final BatchScorer<P, ?> scorer;
  private final Shadow shadow;
  private final PipelineMetrics metrics;
  private final Executor executor;
  private final LongSupplier nanoClock;

  private ProcessorContext<Object, Object> context;
  private InternalProcessorContext<Object, Object> internal;
  private ProcessorNode<?, ?, ?, ?> node;
  private KeyValueStore<Long, byte[]> legacyBuffer;
  private List<Entry> pending = new ArrayList<>();
  private final ArrayDeque<Batch> inFlight = new ArrayDeque<>();
  private long oldestIngestMs;

  /** Sizes this task's batches when there is a latency target; null otherwise. */
  private BatchSizeController controller;

  private Runnable controllerMeters = () -> {};

  /** Recent nanoseconds a batch of this task took to score (see complete); 0 before the first. */
  private double scoringNanos;

  /**
   * A waiting record, its key in the older versions' buffer if it came from there, and when the
   * stream thread took it ({@link System#nanoTime}).
   */
  private record Entry(long legacyKey, BufferedRecord record, long takenNanos) {}

  /** A batch cut from the waiting records and being scored: its entries and what scoring gives. */
  private record Batch(List<Entry> entries, CompletableFuture<Outcome> outcome) {}

  /** What a batch gave: the model's result and the shadow's, if it has one. */
  private record Outcome(BatchScorer.Result live, BatchScorer.Result shadow, long nanos) {}

  /**
   * Limits and names of one batch processor.
   *
   * @param pipeline pipeline name, for dead-letter headers and logs
   * @param hookStore the {@link CommitHook} connected to this processor
   * @param legacyBuffer the changelogged buffer of earlier versions, connected to this processor
   *     and drained at start; null if there is none
   * @param dlqChild the child that writes dead letters
   * @param maxInFlight batches per task scored off the stream thread at a time; 0: each batch is
   *     scored on the stream thread when it is cut
   * @param offloadMin batches go off the stream thread only while the task's recent batches took at
   *     least this long to score (a moving average); zero: always
   * @param latencyTarget the p99 processing latency to size batches for ({@link
   *     BatchSizeController}), with {@code maxBatchSize} and {@code maxLinger} as upper bounds;
   *     zero: no target, batches are cut at {@code maxBatchSize} and {@code maxLinger}
   */
  public record Settings(
      String pipeline,
      String hookStore,
      String legacyBuffer,
      String dlqChild,
      int maxBatchSize,
      Duration maxLinger,
      int maxInFlight,
      Duration offloadMin,
      Duration latencyTarget) {
    public Settings {
      Objects.requireNonNull(pipeline, "pipeline");
      Objects.requireNonNull(hookStore, "hookStore");
      Objects.requireNonNull(dlqChild, "dlqChild");
      if (maxBatchSize < 1) {
        throw new IllegalArgumentException("maxBatchSize must be >= 1, was " + maxBatchSize);
      }
      if (maxLinger.isNegative() || maxLinger.isZero()) {
        throw new IllegalArgumentException("maxLinger must be positive, was " + maxLinger);
      }
      if (maxInFlight < 0) {
        throw new IllegalArgumentException("maxInFlight must be >= 0, was " + maxInFlight);
      }
      if (offloadMin.isNegative()) {
        throw new IllegalArgumentException("offloadMin must be >= 0, was " + offloadMin);
      }
      if (latencyTarget.isNegative()) {
        throw new IllegalArgumentException("latencyTarget must be >= 0, was " + latencyTarget);
      }
    }
  }

  /**
   * A shadow model beside the pipeline's: its scorer, and the child of its emits that go out (to
   * {@code toChild}); its other emits are dropped.
   */
  public record Shadow(BatchScorer<?, ?> scorer, String fromChild, String toChild) {}

  /** A processor of a model fed float rows. */
  public MicroBatchProcessor(
      Settings settings, BatchHandler<P> handler, Scorer scorer, PipelineMetrics metrics) {
    this(settings, new BatchScorer<>(BatchStages.of(handler, scorer), null), null, metrics);
  }

  /**
   * A processor of a model of any input and output, whose batches are scored on the stream thread.
   *
   * @param shadow a shadow model scored beside, or null
   */
  public MicroBatchProcessor(
      Settings settings, BatchScorer<P, ?> scorer, Shadow shadow, PipelineMetrics metrics) {
    this(settings, scorer, shadow, metrics, SAME_THREAD);
  }

  /**
   * A processor of a model of any input and output.
   *
   * @param shadow a shadow model scored beside, or null
   * @param executor where batches in flight are scored (the engine's, shared by the tasks; not
   *     closed here)
   */
  public MicroBatchProcessor(
      Settings settings,
      BatchScorer<P, ?> scorer,
      Shadow shadow,
      PipelineMetrics metrics,
      Executor executor) {
    this(settings, scorer, shadow, metrics, executor, System::nanoTime);
  }

  /**
   * A processor whose scoring times, processing latencies and batch size controller read {@code
   * nanoClock}: a test's simulated clock ({@code System::nanoTime} otherwise).
   */
  MicroBatchProcessor(
      Settings settings,
      BatchScorer<P, ?> scorer,
      Shadow shadow,
      PipelineMetrics metrics,
      Executor executor,
      LongSupplier nanoClock) {
    this.settings = settings;
    this.scorer = scorer;
    this.shadow = shadow;
    this.metrics = metrics;
    this.executor = Objects.requireNonNull(executor, "executor");
    this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
  }

  @Override
  public void init(ProcessorContext<Object, Object> context) {
    this.context = context;
    if (context instanceof InternalProcessorContext<Object, Object> in) {
      // Kafka Streams' own context: before a commit, outputs are forwarded as from a punctuator.
      this.internal = in;
      this.node = in.currentNode();
    }
    CommitHook hook = context.getStateStore(settings.hookStore());
    hook.beforeCommit(this::beforeCommit);
    pending = new ArrayList<>();
    inFlight.clear();
    oldestIngestMs = Long.MAX_VALUE;
    if (settings.legacyBuffer() != null) {
      legacyBuffer = context.getStateStore(settings.legacyBuffer());
      pending = drainLegacyBuffer();
      if (!pending.isEmpty()) {
        oldestIngestMs = pending.get(0).record().ingestTimeMs();
        LOG.info(
            "task {} scores {} records an older version left in {}",
            context.taskId(),
            pending.size(),
            settings.legacyBuffer());
      }
    }
    controller = null;
    if (!settings.latencyTarget().isZero()) {
      String task = context.taskId().toString();
      controller =
          new BatchSizeController(
              settings.latencyTarget(),
              settings.maxBatchSize(),
              settings.maxLinger(),
              nanoClock,
              message -> LOG.warn("pipeline {} task {}: {}", settings.pipeline(), task, message));
      BatchSizeController c = controller;
      controllerMeters.run();
      controllerMeters = metrics.batchController(task, c::batchSize, c::targetMet, c::unreachable);
    }
    // Finished batches are taken back from here when no record comes: soon, whatever the linger.
    long tick = Math.max(1, settings.maxLinger().toMillis() / 4);
    if (settings.maxInFlight() > 0) {
      tick = Math.min(tick, COLLECT_INTERVAL_MS);
    }
    if (controller != null) {
      // The linger it chooses can be a fraction of the target.
      tick = Math.min(tick, Math.max(1, settings.latencyTarget().toMillis() / 10));
    }
    context.schedule(Duration.ofMillis(tick), PunctuationType.WALL_CLOCK_TIME, this::onTick);
  }

  /** What the older versions' buffer holds, in input order; deleted once forwarded. */
  private List<Entry> drainLegacyBuffer() {
    record Stored(long key, long sequence, byte[] value) {}
    List<Stored> stored = new ArrayList<>();
    try (KeyValueIterator<Long, byte[]> it = legacyBuffer.all()) {
      while (it.hasNext()) {
        KeyValue<Long, byte[]> kv = it.next();
        stored.add(new Stored(kv.key, BufferedRecord.sequenceOf(kv.value, kv.key), kv.value));
      }
    }
    stored.sort(Comparator.comparingLong(Stored::sequence));
    List<Entry> entries = new ArrayList<>(stored.size());
    for (Stored s : stored) {
      entries.add(new Entry(s.key(), BufferedRecord.fromBytes(s.value()), nanoClock.getAsLong()));
    }
    return entries;
  }

  @Override
  public void process(Record<byte[], byte[]> record) {
    long now = context.currentSystemTimeMs();
    BufferedRecord entry = BufferedRecord.taken(record, context, now);
    if (pending.isEmpty()) {
      oldestIngestMs = now;
    }
    pending.add(new Entry(NOT_STORED, entry, nanoClock.getAsLong()));
    metrics.recordIn();
    if (controller != null) {
      controller.taken(Math.max(0, now - record.timestamp()) * 1_000_000L);
    }
    if (pending.size() >= batchSize()) {
      flush("size", now);
    } else if (controller != null && lingered(now)) {
      flush("linger", now);
    } else {
      forwardFinished();
    }
  }

  /**
   * Before the task commits: scores what waits and forwards every batch's outputs, so that the
   * commit holds the outputs of every record whose offset it commits. Runs outside any processing
   * step, so the forwards are made as from a punctuator of this processor.
   */
  private void beforeCommit() {
    if (pending.isEmpty() && inFlight.isEmpty()) {
      return;
    }
    if (internal == null) {
      drain();
      return;
    }
    ProcessorNode<?, ?, ?, ?> previousNode = internal.currentNode();
    ProcessorRecordContext previousContext = internal.recordContext();
    long now = System.currentTimeMillis();
    internal.setRecordContext(new ProcessorRecordContext(now, -1L, -1, null, new RecordHeaders()));
    internal.setCurrentNode(node);
    try {
      drain();
    } finally {
      internal.setCurrentNode(previousNode);
      internal.setRecordContext(previousContext);
    }
  }

  /** Scores what waits and forwards every batch in flight, oldest first. */
  private void drain() {
    if (!pending.isEmpty()) {
      flush("commit", context.currentSystemTimeMs());
    }
    while (!inFlight.isEmpty()) {
      completeOldest();
    }
  }

  private void onTick(long now) {
    if (!pending.isEmpty() && lingered(now)) {
      flush("linger", now);
    } else {
      forwardFinished();
    }
  }

  /** The size batches are cut at now: the controller's, or the fixed limit. */
  private int batchSize() {
    return controller == null ? settings.maxBatchSize() : controller.batchSize();
  }

  /** Whether the oldest waiting record has waited as long as a batch may. */
  private boolean lingered(long now) {
    long waited = now - oldestIngestMs;
    return controller == null
        ? waited >= settings.maxLinger().toMillis()
        : waited * 1_000_000L >= controller.lingerNanos();
  }

  /** Cuts everything that waits into batches of at most the batch size and scores them. */
  private void flush(String trigger, long now) {
    metrics.batchLingerMillis(now - oldestIngestMs);
    List<Entry> cut = pending;
    int size = batchSize();
    pending = new ArrayList<>(size);
    oldestIngestMs = Long.MAX_VALUE;
    for (int from = 0; from < cut.size(); from += size) {
      List<Entry> chunk = cut.subList(from, Math.min(cut.size(), from + size));
      metrics.batchFlushed(trigger, chunk.size());
      dispatch(chunk);
    }
    forwardFinished();
  }

  /** Scores a batch now, or starts it off the stream thread once fewer than the limit are out. */
  private void dispatch(List<Entry> entries) {
    List<BufferedRecord> records = new ArrayList<>(entries.size());
    for (Entry e : entries) {
      records.add(e.record());
    }
    // On the stream thread when nothing is in flight (the input order holds) and batches score
    // quickly: a hand-over to another thread and back costs more than such a batch saves.
    if (settings.maxInFlight() == 0
        || (inFlight.isEmpty() && scoringNanos < settings.offloadMin().toNanos())) {
      complete(entries, score(records, context::currentSystemTimeMs));
      return;
    }
    while (inFlight.size() >= settings.maxInFlight()) {
      completeOldest();
    }
    CompletableFuture<Outcome> outcome =
        CompletableFuture.supplyAsync(() -> score(records, System::currentTimeMillis), executor);
    inFlight.add(new Batch(entries, outcome));
    metrics.batchesInFlight(1);
  }

  /** Forwards the batches that are done, oldest first, up to the first that is not. */
  private void forwardFinished() {
    while (!inFlight.isEmpty() && inFlight.peek().outcome().isDone()) {
      completeOldest();
    }
  }

  /** Waits for the oldest batch in flight and forwards it; rethrows what its scoring threw. */
  private void completeOldest() {
    Batch oldest = inFlight.poll();
    metrics.batchesInFlight(-1);
    Outcome outcome;
    try {
      outcome = oldest.outcome().get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptException(e);
    } catch (ExecutionException e) {
      // The batch's records stay buffered; the failure policy is the same as on the stream thread.
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException("scoring a batch failed", cause);
    }
    complete(oldest.entries(), outcome);
  }

  /** Scores one batch, and the shadow model beside it; on any thread. */
  private Outcome score(List<BufferedRecord> records, LongSupplier clock) {
    long started = nanoClock.getAsLong();
    BatchScorer.Result live = scorer.score(records, clock);
    BatchScorer.Result shadowResult =
        shadow != null && !live.scored().isEmpty() ? scoreShadow(records, clock) : null;
    return new Outcome(live, shadowResult, nanoClock.getAsLong() - started);
  }

  /** On the stream thread: forwards a scored batch's dead letters and outputs, then frees it. */
  private void complete(List<Entry> entries, Outcome outcome) {
    // Follows a quicker batch at once and a slower one gradually: one pause (a collection, a
    // busy core) must not send a quick model's batches off the stream thread, where they would
    // run slower still on a contended core and keep the average up.
    long took = outcome.nanos();
    scoringNanos =
        scoringNanos == 0 || took < scoringNanos ? took : 0.9 * scoringNanos + 0.1 * took;
    metrics.batchServiceNanos(entries.size(), took);
    if (controller != null) {
      controller.served(entries.size(), took);
    }
    BatchScorer.Result result = outcome.live();
    for (BatchScorer.Rejection r : result.rejected()) {
      deadLetter(r.record(), r.stage(), r.reason(), r.error());
    }
    if (result.inferenceNanos() > 0 || !result.scored().isEmpty()) {
      metrics.inferenceNanos(result.inferenceNanos());
    }
    forward(result.emits(), null);
    if (outcome.shadow() != null) {
      forward(outcome.shadow().emits(), shadow);
    }
    // Wall clock, not the stream thread's cached time: latency is the one number users watch.
    long forwarded = System.currentTimeMillis();
    for (BufferedRecord s : result.scored()) {
      metrics.endToEndMillis(forwarded - s.timestamp());
    }
    long forwardedNanos = nanoClock.getAsLong();
    for (Entry e : entries) {
      long latency = forwardedNanos - e.takenNanos();
      metrics.processingLatencyNanos(latency);
      if (controller != null) {
        controller.latency(latency);
      }
      if (e.legacyKey() != NOT_STORED) {
        legacyBuffer.delete(e.legacyKey());
      }
    }
  }

  /**
   * The shadow model scores the same records; only its predictions go out, to their own child. It
   * cannot hurt the live path: its rejections and failures are logged, never dead-lettered.
   */
  private BatchScorer.Result scoreShadow(List<BufferedRecord> records, LongSupplier clock) {
    BatchScorer.Result result;
    try {
      result = shadow.scorer().score(records, clock);
    } catch (RuntimeException e) {
      LOG.warn(
          "shadow model failed on a batch of {}; it goes out without shadow predictions: {}",
          records.size(),
          e.toString());
      return null;
    }
    if (!result.rejected().isEmpty()) {
      LOG.debug("shadow model refused {} of {} records", result.rejected().size(), records.size());
    }
    return result;
  }

  /**
   * Forwards nothing. A clean close has committed the task first, which scored and forwarded
   * everything; after a dirty one, batches still in flight are abandoned (a scoring call cannot be
   * interrupted; its result is dropped) and their records are read again by whoever gets the task.
   */
  @Override
  public void close() {
    if (!inFlight.isEmpty() || !pending.isEmpty()) {
      LOG.info(
          "task {} closes with {} batches in flight and {} records waiting, all uncommitted",
          context.taskId(),
          inFlight.size(),
          pending.size());
    }
    for (Batch b : inFlight) {
      b.outcome().cancel(false);
      metrics.batchesInFlight(-1);
    }
    inFlight.clear();
    pending.clear();
    controllerMeters.run();
    controllerMeters = () -> {};
  }

  /** This task's batch size controller, null without a latency target; for tests. */
  BatchSizeController controller() {
    return controller;
  }

  /** Batches of this task being scored now; for tests. */
  int inFlight() {
    return inFlight.size();
  }

  private void forward(List<Emit<?>> emits, Shadow routing) {
    for (Emit<?> emit : emits) {
      if (routing == null) {
        context.forward(
            new Record<>(emit.key(), emit.value(), emit.timestamp(), emit.headers()), emit.child());
      } else if (emit.child().equals(routing.fromChild())) {
        context.forward(
            new Record<>(emit.key(), emit.value(), emit.timestamp(), emit.headers()),
            routing.toChild());
      }
    }
  }

  private void deadLetter(
      BufferedRecord record, DeadLetter.Stage stage, String reason, Throwable error) {
    Headers headers =
        DeadLetter.headers(
            record.headers(),
            settings.pipeline(),
            stage,
            reason,
            error,
            record.topic(),
            record.partition(),
            record.offset());
    context.forward(
        new Record<Object, Object>(record.key(), record.value(), record.timestamp(), headers),
        settings.dlqChild());
    metrics.deadLetter(stage.label(), reason);
    LOG.debug(
        "dead-lettered {} at stage {}: {}", record.coordinates(), stage.label(), error.toString());
  }
}
