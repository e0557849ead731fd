package io.sluice.batching;

import io.sluice.errors.DeadLetter;
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
 * featurizes the records, calls the model once, bisects the batch when the call fails so that only
 * the failing records are dead-lettered (all in {@link BatchScorer}), forwards the outputs in input
 * order with each input's timestamp, and then clears the buffer.
 *
 * <p>One instance per task, used by one stream thread; the stages and metrics are shared.
 */
public final class MicroBatchProcessor<P> implements Processor<byte[], byte[], Object, Object> {
  private static final Logger LOG = LoggerFactory.getLogger(MicroBatchProcessor.class);

  private final Settings settings;
  private final BatchScorer<P, ?> scorer;
  private final Shadow shadow;
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
   * A processor of a model of any input and output.
   *
   * @param shadow a shadow model scored beside, or null
   */
  public MicroBatchProcessor(
      Settings settings, BatchScorer<P, ?> scorer, Shadow shadow, PipelineMetrics metrics) {
    this.settings = settings;
    this.scorer = scorer;
    this.shadow = shadow;
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
    BatchScorer.Result result = scorer.score(records, context::currentSystemTimeMs);
    for (BatchScorer.Rejection r : result.rejected()) {
      deadLetter(r.record(), r.stage(), r.reason(), r.error());
    }
    if (result.inferenceNanos() > 0 || !result.scored().isEmpty()) {
      metrics.inferenceNanos(result.inferenceNanos());
    }
    forward(result.emits(), null);
    if (shadow != null && !result.scored().isEmpty()) {
      scoreShadow(records);
    }
    // Wall clock, not the stream thread's cached time: latency is the one number users watch.
    long forwarded = System.currentTimeMillis();
    for (BufferedRecord s : result.scored()) {
      metrics.endToEndMillis(forwarded - s.timestamp());
    }
  }

  /**
   * The shadow model scores the same records; only its predictions go out, to their own child. It
   * cannot hurt the live path: its rejections and failures are logged, never dead-lettered.
   */
  private void scoreShadow(List<BufferedRecord> records) {
    BatchScorer.Result result;
    try {
      result = shadow.scorer().score(records, context::currentSystemTimeMs);
    } catch (RuntimeException e) {
      LOG.warn(
          "shadow model failed on a batch of {}; it goes out without shadow predictions: {}",
          records.size(),
          e.toString());
      return;
    }
    if (!result.rejected().isEmpty()) {
      LOG.debug("shadow model refused {} of {} records", result.rejected().size(), records.size());
    }
    forward(result.emits(), shadow);
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
