package io.sluice.batching;

import io.sluice.errors.DeadLetter;
import io.sluice.metrics.PipelineMetrics;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gathers raw records into micro-batches and scores each batch with one model call, off the stream
 * thread.
 *
 * <p>The buffer is a changelogged key-value store behind Kafka Streams' record cache, never a field
 * alone: Kafka Streams may commit offsets in any loop iteration and offers no hook before it does,
 * so a record held only in memory could have its offset committed before its prediction exists. The
 * cache's flush is part of the commit, so a record buffered and scored between two commits costs no
 * changelog write, and one still buffered at a commit is in the changelog before the offsets are.
 * Under {@code exactly_once_v2} the buffer writes, the outputs and the offsets commit in one
 * transaction; after a crash the buffer is restored from its changelog and scored.
 *
 * <p>The store's keys are reused slots, not an ever-increasing sequence: a record takes the lowest
 * free slot and frees it once its outputs are forwarded, so between two commits only as many keys
 * change (and reach the changelog) as were ever buffered at once, however many records passed
 * through. The record's sequence number is inside the value ({@link BufferedRecord#toBytes(long)}):
 * after a restore the buffer is put back in input order by it. The processor also keeps the
 * buffered records in memory, so a batch is never read back from the store except after a restore.
 *
 * <p>A batch is cut from {@link #process} when {@code maxBatchSize} records wait, and from a
 * wall-clock punctuator when the oldest has waited {@code maxLinger}. With {@code maxInFlight} zero
 * it is scored at once on the stream thread; otherwise it is scored on the engine's executor while
 * the stream thread goes on, up to {@code maxInFlight} batches per task at a time (at the limit the
 * stream thread waits for the oldest). Scoring decodes and featurizes the records, calls the model
 * once and bisects the batch when the call fails so that only the failing records are dead-lettered
 * (all in {@link BatchScorer}). Finished batches are taken back on the stream thread, in {@code
 * process} and in the punctuator, oldest first: a later batch that finishes first waits for the
 * earlier ones, so outputs and dead letters are forwarded in input order with each input's
 * timestamp; only then are the batch's records deleted from the buffer.
 *
 * <p>A batch whose scoring throws an unexpected exception rethrows it on the stream thread, when it
 * is the oldest; its records and every later one stay buffered. {@link #close} forwards nothing:
 * batches in flight are abandoned (their results dropped) and their records stay in the buffer, to
 * be scored again by whoever gets the task next, as after a crash.
 *
 * <p>One instance per task, used by one stream thread; the stages, the executor and the metrics are
 * shared.
 */
public final class MicroBatchProcessor<P> implements Processor<byte[], byte[], Object, Object> {
  private static final Logger LOG = LoggerFactory.getLogger(MicroBatchProcessor.class);

  /** Slots at and above this (keys of an older buffer format) are moved down on restore. */
  static final long MAX_SLOT = 1 << 20;

  /**
   * How often, at most, the punctuator looks for finished batches when batches are scored off the
   * stream thread (an idle stream thread also waits up to {@code poll.ms} in its poll).
   */
  static final long COLLECT_INTERVAL_MS = 5;

  /** Scores on the calling thread: in-flight batches are done as soon as they are cut. */
  public static final Executor SAME_THREAD = Runnable::run;

  private final Settings settings;
  private final BatchScorer<P, ?> scorer;
  private final Shadow shadow;
  private final PipelineMetrics metrics;
  private final Executor executor;

  private ProcessorContext<Object, Object> context;
  private KeyValueStore<Long, byte[]> buffer;
  private final BitSet slots = new BitSet();
  private List<Entry> pending = new ArrayList<>();
  private final ArrayDeque<Batch> inFlight = new ArrayDeque<>();
  private long nextSequence;
  private long oldestIngestMs;

  /** A buffered record, its slot (the store key) and its place in the input order. */
  private record Entry(long slot, long sequence, BufferedRecord record) {}

  /** A batch cut from the buffer and being scored: its entries and what scoring gives. */
  private record Batch(List<Entry> entries, CompletableFuture<Outcome> outcome) {}

  /** What a batch gave: the model's result and the shadow's, if it has one. */
  private record Outcome(BatchScorer.Result live, BatchScorer.Result shadow) {}

  /**
   * Limits and names of one batch processor.
   *
   * @param pipeline pipeline name, for dead-letter headers and logs
   * @param storeName the changelogged buffer store connected to this processor
   * @param dlqChild the child that writes dead letters
   * @param maxInFlight batches per task scored off the stream thread at a time; 0: each batch is
   *     scored on the stream thread when it is cut
   */
  public record Settings(
      String pipeline,
      String storeName,
      String dlqChild,
      int maxBatchSize,
      Duration maxLinger,
      int maxInFlight) {
    public Settings {
      Objects.requireNonNull(pipeline, "pipeline");
      Objects.requireNonNull(storeName, "storeName");
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
    }

    /** Limits of a processor that scores each batch on the stream thread. */
    public Settings(
        String pipeline, String storeName, String dlqChild, int maxBatchSize, Duration maxLinger) {
      this(pipeline, storeName, dlqChild, maxBatchSize, maxLinger, 0);
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
    this.settings = settings;
    this.scorer = scorer;
    this.shadow = shadow;
    this.metrics = metrics;
    this.executor = Objects.requireNonNull(executor, "executor");
  }

  @Override
  public void init(ProcessorContext<Object, Object> context) {
    this.context = context;
    this.buffer = context.getStateStore(settings.storeName());
    // State is restored before init: pick up what a previous instance left in the buffer.
    slots.clear();
    pending = restore();
    inFlight.clear();
    nextSequence = pending.isEmpty() ? 0 : pending.get(pending.size() - 1).sequence() + 1;
    oldestIngestMs = pending.isEmpty() ? Long.MAX_VALUE : pending.get(0).record().ingestTimeMs();
    if (!pending.isEmpty()) {
      LOG.info(
          "task {} resumes with {} buffered records from before a restart",
          context.taskId(),
          pending.size());
    }
    // Finished batches are taken back from here when no record comes: soon, whatever the linger.
    long tick = Math.max(1, settings.maxLinger().toMillis() / 4);
    if (settings.maxInFlight() > 0) {
      tick = Math.min(tick, COLLECT_INTERVAL_MS);
    }
    context.schedule(Duration.ofMillis(tick), PunctuationType.WALL_CLOCK_TIME, this::onTick);
  }

  /** The buffer's records in input order, their slots taken; slots out of range are moved. */
  private List<Entry> restore() {
    List<Entry> restored = new ArrayList<>();
    try (KeyValueIterator<Long, byte[]> it = buffer.all()) {
      while (it.hasNext()) {
        KeyValue<Long, byte[]> kv = it.next();
        restored.add(
            new Entry(
                kv.key,
                BufferedRecord.sequenceOf(kv.value, kv.key),
                BufferedRecord.fromBytes(kv.value)));
      }
    }
    restored.sort(Comparator.comparingLong(Entry::sequence));
    List<Entry> moved = new ArrayList<>();
    for (Entry e : restored) {
      if (e.slot() >= 0 && e.slot() < MAX_SLOT) {
        slots.set((int) e.slot());
      } else {
        moved.add(e);
      }
    }
    for (Entry e : moved) {
      int slot = slots.nextClearBit(0);
      slots.set(slot);
      buffer.put((long) slot, e.record().toBytes(e.sequence()));
      buffer.delete(e.slot());
      restored.set(restored.indexOf(e), new Entry(slot, e.sequence(), e.record()));
    }
    return restored;
  }

  @Override
  public void process(Record<byte[], byte[]> record) {
    RecordMetadata source =
        context
            .recordMetadata()
            .orElseThrow(() -> new IllegalStateException("record without source metadata"));
    long now = context.currentSystemTimeMs();
    BufferedRecord entry =
        new BufferedRecord(
            record.key(),
            record.value(),
            record.timestamp(),
            record.headers(),
            source.topic(),
            source.partition(),
            source.offset(),
            now);
    int slot = slots.nextClearBit(0);
    long sequence = nextSequence++;
    buffer.put((long) slot, entry.toBytes(sequence));
    slots.set(slot);
    if (pending.isEmpty()) {
      oldestIngestMs = now;
    }
    pending.add(new Entry(slot, sequence, entry));
    metrics.recordIn();
    if (pending.size() >= settings.maxBatchSize()) {
      flush("size", now);
    } else {
      forwardFinished();
    }
  }

  private void onTick(long now) {
    if (!pending.isEmpty() && now - oldestIngestMs >= settings.maxLinger().toMillis()) {
      flush("linger", now);
    } else {
      forwardFinished();
    }
  }

  /** Cuts everything that waits into batches of at most the batch size and scores them. */
  private void flush(String trigger, long now) {
    metrics.batchLingerMillis(now - oldestIngestMs);
    List<Entry> cut = pending;
    pending = new ArrayList<>(settings.maxBatchSize());
    oldestIngestMs = Long.MAX_VALUE;
    for (int from = 0; from < cut.size(); from += settings.maxBatchSize()) {
      List<Entry> chunk = cut.subList(from, Math.min(cut.size(), from + settings.maxBatchSize()));
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
    if (settings.maxInFlight() == 0) {
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
    BatchScorer.Result live = scorer.score(records, clock);
    BatchScorer.Result shadowResult =
        shadow != null && !live.scored().isEmpty() ? scoreShadow(records, clock) : null;
    return new Outcome(live, shadowResult);
  }

  /** On the stream thread: forwards a scored batch's dead letters and outputs, then frees it. */
  private void complete(List<Entry> entries, Outcome outcome) {
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
    for (Entry e : entries) {
      buffer.delete(e.slot());
      slots.clear((int) e.slot());
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
   * Forwards nothing: the batches in flight are abandoned (a scoring call cannot be interrupted;
   * its result is dropped) and their records stay in the buffer, scored again after the task is
   * reopened, here or elsewhere. Kafka Streams has committed the task before it closes it.
   */
  @Override
  public void close() {
    if (!inFlight.isEmpty()) {
      LOG.info(
          "task {} closes with {} batches in flight; their records stay buffered",
          context.taskId(),
          inFlight.size());
    }
    for (Batch b : inFlight) {
      b.outcome().cancel(false);
      metrics.batchesInFlight(-1);
    }
    inFlight.clear();
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
