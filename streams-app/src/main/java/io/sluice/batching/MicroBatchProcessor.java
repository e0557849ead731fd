package io.sluice.batching;

import io.sluice.errors.DeadLetter;
import io.sluice.errors.RejectedRecordException;
import io.sluice.metrics.PipelineMetrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
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
 * Gathers raw records into micro-batches and scores each batch with one model call.
 *
 * <p>The buffer is a changelogged key-value store keyed by an increasing sequence number, never a
 * field: Kafka Streams may commit offsets in any loop iteration and offers no hook before it does,
 * so a record held only in memory could have its offset committed before its prediction exists.
 * Under {@code exactly_once_v2} the buffer writes, the outputs and the offsets commit in one
 * transaction; after a crash the buffer is restored from its changelog and scored.
 *
 * <p>A batch is scored from {@link #process} when it holds {@code maxBatchSize} records, and from a
 * wall-clock punctuator when its oldest record has waited {@code maxLinger}. Scoring decodes and
 * featurizes the records ({@link BatchStages#prepareAll}), calls the model once, bisects the batch
 * when the call fails so that only the failing records are dead-lettered, forwards the outputs in
 * input order with each input's timestamp, and then clears the buffer.
 *
 * <p>One instance per task, used by one stream thread; the stages and metrics are shared.
 */
public final class MicroBatchProcessor<P> implements Processor<byte[], byte[], Object, Object> {
  private static final Logger LOG = LoggerFactory.getLogger(MicroBatchProcessor.class);

  private final Settings settings;
  private final BatchStages<P, ?> stages;
  private final PipelineMetrics metrics;

  private ProcessorContext<Object, Object> context;
  private KeyValueStore<Long, byte[]> buffer;
  private long nextSequence;
  private int buffered;
  private long oldestIngestMs;

  /**
   * Limits and names of one batch processor.
   *
   * @param pipeline pipeline name, for dead-letter headers and logs
   * @param storeName the changelogged buffer store connected to this processor
   * @param dlqChild the child that writes dead letters
   */
  public record Settings(
      String pipeline, String storeName, String dlqChild, int maxBatchSize, Duration maxLinger) {
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
    }
  }

  /** A processor of a model fed float rows. */
  public MicroBatchProcessor(
      Settings settings, BatchHandler<P> handler, Scorer scorer, PipelineMetrics metrics) {
    this(settings, BatchStages.of(handler, scorer), metrics);
  }

  /** A processor of a model of any input and output. */
  public MicroBatchProcessor(Settings settings, BatchStages<P, ?> stages, PipelineMetrics metrics) {
    this.settings = settings;
    this.stages = stages;
    this.metrics = metrics;
  }

  @Override
  public void init(ProcessorContext<Object, Object> context) {
    this.context = context;
    this.buffer = context.getStateStore(settings.storeName());
    // State is restored before init: pick up what a previous instance left in the buffer.
    buffered = 0;
    nextSequence = 0;
    oldestIngestMs = Long.MAX_VALUE;
    try (KeyValueIterator<Long, byte[]> it = buffer.all()) {
      while (it.hasNext()) {
        KeyValue<Long, byte[]> entry = it.next();
        if (buffered == 0) {
          oldestIngestMs = BufferedRecord.fromBytes(entry.value).ingestTimeMs();
        }
        buffered++;
        nextSequence = Math.max(nextSequence, entry.key + 1);
      }
    }
    if (buffered > 0) {
      LOG.info(
          "task {} resumes with {} buffered records from before a restart",
          context.taskId(),
          buffered);
    }
    long tick = Math.max(1, settings.maxLinger().toMillis() / 4);
    context.schedule(Duration.ofMillis(tick), PunctuationType.WALL_CLOCK_TIME, this::onTick);
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
    buffer.put(nextSequence++, entry.toBytes());
    if (buffered == 0) {
      oldestIngestMs = now;
    }
    buffered++;
    metrics.recordIn();
    if (buffered >= settings.maxBatchSize()) {
      flush("size", now);
    }
  }

  private void onTick(long now) {
    if (buffered > 0 && now - oldestIngestMs >= settings.maxLinger().toMillis()) {
      flush("linger", now);
    }
  }

  /** Scores everything in the buffer (in chunks of at most the batch size), then clears it. */
  private void flush(String trigger, long now) {
    metrics.batchLingerMillis(now - oldestIngestMs);
    List<Long> keys = new ArrayList<>(buffered);
    List<BufferedRecord> records = new ArrayList<>(buffered);
    try (KeyValueIterator<Long, byte[]> it = buffer.all()) {
      while (it.hasNext()) {
        KeyValue<Long, byte[]> entry = it.next();
        keys.add(entry.key);
        records.add(BufferedRecord.fromBytes(entry.value));
      }
    }
    for (int from = 0; from < records.size(); from += settings.maxBatchSize()) {
      List<BufferedRecord> chunk =
          records.subList(from, Math.min(records.size(), from + settings.maxBatchSize()));
      metrics.batchFlushed(trigger, chunk.size());
      scoreBatch(chunk);
    }
    for (Long key : keys) {
      buffer.delete(key);
    }
    buffered = 0;
    oldestIngestMs = Long.MAX_VALUE;
  }

  private void scoreBatch(List<BufferedRecord> records) {
    scoreBatch(stages, records);
  }

  private <R> void scoreBatch(BatchStages<P, R> stages, List<BufferedRecord> records) {
    List<BufferedRecord> accepted = new ArrayList<>(records.size());
    List<P> prepared = new ArrayList<>(records.size());
    List<BatchHandler.Prepared<P>> outcomes = stages.prepareAll(records);
    if (outcomes.size() != records.size()) {
      throw new IllegalStateException(
          "handler prepared " + outcomes.size() + " outcomes for " + records.size() + " records");
    }
    for (int i = 0; i < records.size(); i++) {
      BatchHandler.Prepared<P> outcome = outcomes.get(i);
      if (outcome.rejection() != null) {
        RejectedRecordException e = outcome.rejection();
        deadLetter(records.get(i), e.stage(), e.reason(), e);
      } else {
        prepared.add(outcome.value());
        accepted.add(records.get(i));
      }
    }
    if (prepared.isEmpty()) {
      return;
    }
    List<R> outputs = new ArrayList<>(java.util.Collections.nCopies(prepared.size(), null));
    RuntimeException[] failures = new RuntimeException[prepared.size()];
    long started = System.nanoTime();
    scoreRange(stages, prepared, 0, prepared.size(), outputs, failures);
    metrics.inferenceNanos(System.nanoTime() - started);
    long inferenceTime = context.currentSystemTimeMs();

    List<BatchStages.Scored<P, R>> scored = new ArrayList<>(prepared.size());
    for (int i = 0; i < prepared.size(); i++) {
      if (failures[i] != null) {
        deadLetter(accepted.get(i), DeadLetter.Stage.INFERENCE, "MODEL_FAILED", failures[i]);
      } else {
        scored.add(new BatchStages.Scored<>(accepted.get(i), prepared.get(i), outputs.get(i)));
      }
    }
    if (scored.isEmpty()) {
      return;
    }
    for (Emit emit :
        stages.complete(scored, new BatchHandler.BatchInfo(prepared.size(), inferenceTime))) {
      context.forward(
          new Record<>(emit.key(), emit.value(), emit.timestamp(), emit.headers()), emit.child());
    }
    // Wall clock, not the stream thread's cached time: latency is the one number users watch.
    long forwarded = System.currentTimeMillis();
    for (BatchStages.Scored<P, R> s : scored) {
      metrics.endToEndMillis(forwarded - s.source().timestamp());
    }
  }

  /**
   * Scores {@code items[from, to)} in one call; if the call fails, halves the range until the
   * failing records are alone, so one bad record cannot take its batch down with it.
   */
  private <R> void scoreRange(
      BatchStages<P, R> stages,
      List<P> items,
      int from,
      int to,
      List<R> outputs,
      RuntimeException[] failures) {
    try {
      List<R> result = stages.score(items.subList(from, to));
      if (result.size() != to - from) {
        throw new IllegalStateException(
            "model returned " + result.size() + " rows for " + (to - from) + " inputs");
      }
      for (int i = from; i < to; i++) {
        outputs.set(i, result.get(i - from));
      }
    } catch (RuntimeException e) {
      if (to - from == 1) {
        failures[from] = e;
        return;
      }
      int mid = (from + to) >>> 1;
      LOG.debug("model call over {} records failed, bisecting: {}", to - from, e.toString());
      scoreRange(stages, items, from, mid, outputs, failures);
      scoreRange(stages, items, mid, to, outputs, failures);
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
