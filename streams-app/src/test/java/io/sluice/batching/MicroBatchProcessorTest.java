package io.sluice.batching;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.errors.DeadLetter;
import io.sluice.errors.RejectedRecordException;
import io.sluice.metrics.PipelineMetrics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.MockProcessorContext.CapturedForward;
import org.apache.kafka.streams.processor.api.MockProcessorContext.CapturedPunctuator;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MicroBatchProcessorTest {
  private static final String STORE = "buffer";
  private static final String HOOK = "commit";
  private static final long LINGER_MS = 100;

  /**
   * Values are decimal numbers as text; "bad" cannot be featurized; 13 makes the model fail;
   * "fatal" fails the batch with an unexpected exception.
   */
  private final BatchHandler<Float> handler =
      new BatchHandler<>() {
        @Override
        public Float prepare(BufferedRecord record) throws RejectedRecordException {
          String text = new String(record.value(), StandardCharsets.UTF_8);
          if (text.equals("fatal")) {
            throw new IllegalStateException("not the record's fault: " + text);
          }
          try {
            return Float.parseFloat(text);
          } catch (NumberFormatException e) {
            throw new RejectedRecordException(
                DeadLetter.Stage.FEATURIZE, "NOT_A_NUMBER", "not a number: " + text, e);
          }
        }

        @Override
        public float[] features(Float prepared) {
          return new float[] {prepared};
        }

        @Override
        public List<Emit<?>> complete(List<Scored<Float>> scored, BatchInfo batch) {
          List<Emit<?>> out = new ArrayList<>();
          for (Scored<Float> s : scored) {
            out.add(
                Emit.to(
                    Child.of("out", String.class),
                    s.source().key(),
                    s.output()[0] + "/" + batch.size(),
                    s.source().timestamp(),
                    new RecordHeaders()));
          }
          return out;
        }
      };

  private final AtomicInteger modelCalls = new AtomicInteger();
  private final Scorer scorer =
      rows -> {
        modelCalls.incrementAndGet();
        float[][] out = new float[rows.size()][];
        for (int i = 0; i < rows.size(); i++) {
          if (rows.get(i)[0] == 13f) {
            throw new IllegalArgumentException("model cannot take 13");
          }
          out[i] = new float[] {rows.get(i)[0] * 2};
        }
        return out;
      };

  private MockProcessorContext<Object, Object> context;

  /** The buffer earlier versions wrote: drained at start. */
  private KeyValueStore<Long, byte[]> store;

  private CommitHook hook;
  private long offset;
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

  @BeforeEach
  void setUp() {
    context = new MockProcessorContext<>();
    context.setRecordMetadata("in", 0, 0);
    context.setCurrentSystemTimeMs(1_000_000L);
    store =
        Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(STORE), Serdes.Long(), Serdes.ByteArray())
            .withLoggingDisabled()
            .build();
    store.init(context.getStateStoreContext(), store);
    hook = new CommitHook(HOOK);
    hook.init(context.getStateStoreContext(), hook);
  }

  /** The test processors' limits: their stores, children and linger are the same. */
  private static MicroBatchProcessor.Settings settings(
      int maxBatch, int maxInFlight, Duration offloadMin, Duration latencyTarget) {
    return new MicroBatchProcessor.Settings(
        "test",
        HOOK,
        STORE,
        "dlq",
        maxBatch,
        Duration.ofMillis(LINGER_MS),
        maxInFlight,
        offloadMin,
        latencyTarget);
  }

  private MicroBatchProcessor<Float> newProcessor(int maxBatch) {
    MicroBatchProcessor<Float> p =
        new MicroBatchProcessor<>(
            settings(maxBatch, 0, Duration.ZERO, Duration.ZERO),
            handler,
            scorer,
            new PipelineMetrics(meters, "test"));
    p.init(context);
    return p;
  }

  /** A processor whose batches in flight are scored where {@code executor} runs them. */
  private MicroBatchProcessor<Float> newProcessor(
      int maxBatch, int maxInFlight, Executor executor) {
    return newProcessor(maxBatch, maxInFlight, executor, Duration.ZERO);
  }

  /** A processor that sends batches off the stream thread only if they took offloadMin. */
  private MicroBatchProcessor<Float> newProcessor(
      int maxBatch, Executor executor, Duration offloadMin) {
    return newProcessor(maxBatch, 2, executor, offloadMin);
  }

  private MicroBatchProcessor<Float> newProcessor(
      int maxBatch, int maxInFlight, Executor executor, Duration offloadMin) {
    MicroBatchProcessor<Float> p =
        new MicroBatchProcessor<>(
            settings(maxBatch, maxInFlight, offloadMin, Duration.ZERO),
            new BatchScorer<>(BatchStages.of(handler, scorer), null),
            null,
            new PipelineMetrics(meters, "test"),
            executor);
    p.init(context);
    return p;
  }

  @Test
  void batchesThatScoreQuicklyStayOnTheStreamThread() {
    ManualExecutor executor = new ManualExecutor();
    MicroBatchProcessor<Float> p = newProcessor(2, executor, Duration.ofHours(1));
    for (int i = 0; i < 6; i++) {
      send(p, "k", Integer.toString(i + 1), i);
    }
    assertThat(executor.submitted()).isZero();
    assertThat(forwardedValues("out")).hasSize(6);
  }

  @Test
  void batchesThatScoreSlowlyGoOffTheStreamThreadOnceMeasured() {
    ManualExecutor executor = new ManualExecutor();
    MicroBatchProcessor<Float> p = newProcessor(2, executor, Duration.ofNanos(1));
    send(p, "a", "1", 1);
    send(p, "b", "2", 2); // the first batch: nothing measured yet, scored here
    assertThat(executor.submitted()).isZero();
    send(p, "c", "3", 3);
    send(p, "d", "4", 4); // slower than 1 ns: off the stream thread
    assertThat(executor.submitted()).isEqualTo(1);
    assertThat(forwardedValues("out")).hasSize(2);
    executor.run(0);
    advanceAndPunctuate(1);
    assertThat(forwardedValues("out")).hasSize(4);
  }

  /** An executor that runs nothing until the test says which task finishes. */
  private static final class ManualExecutor implements Executor {
    private final List<Runnable> tasks = new ArrayList<>();

    @Override
    public synchronized void execute(Runnable task) {
      tasks.add(task);
    }

    synchronized void run(int index) {
      tasks.get(index).run();
    }

    synchronized int submitted() {
      return tasks.size();
    }
  }

  private void send(MicroBatchProcessor<Float> p, String key, String value, long timestamp) {
    context.setRecordMetadata("in", 0, offset++);
    p.process(
        new Record<>(
            key.getBytes(StandardCharsets.UTF_8),
            value.getBytes(StandardCharsets.UTF_8),
            timestamp));
  }

  private List<String> forwardedValues(String child) {
    List<String> values = new ArrayList<>();
    for (CapturedForward<?, ?> f : context.forwarded()) {
      if (f.childName().orElseThrow().equals(child)) {
        Object v = f.record().value();
        values.add(v instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : (String) v);
      }
    }
    return values;
  }

  private void advanceAndPunctuate(long millis) {
    context.setCurrentSystemTimeMs(context.currentSystemTimeMs() + millis);
    for (CapturedPunctuator p : context.scheduledPunctuators()) {
      p.getPunctuator().punctuate(context.currentSystemTimeMs());
    }
  }

  @Test
  void flushesOneModelCallWhenTheBatchIsFull() {
    MicroBatchProcessor<Float> p = newProcessor(3);
    send(p, "a", "1", 10);
    send(p, "b", "2", 20);
    assertThat(context.forwarded()).isEmpty();
    send(p, "c", "3", 30);

    assertThat(forwardedValues("out")).containsExactly("2.0/3", "4.0/3", "6.0/3");
    assertThat(modelCalls).hasValue(1);
    assertThat(store.approximateNumEntries()).isZero();
  }

  @Test
  void forwardsEachOutputWithItsInputsTimestampInInputOrder() {
    MicroBatchProcessor<Float> p = newProcessor(3);
    send(p, "a", "5", 300);
    send(p, "b", "6", 100);
    send(p, "c", "7", 200);

    assertThat(context.forwarded())
        .extracting(f -> f.record().timestamp())
        .containsExactly(300L, 100L, 200L);
  }

  @Test
  void flushesAHalfFullBatchWhenTheOldestRecordExceedsLinger() {
    MicroBatchProcessor<Float> p = newProcessor(100);
    send(p, "a", "1", 10);
    advanceAndPunctuate(LINGER_MS - 1);
    assertThat(context.forwarded()).isEmpty();

    advanceAndPunctuate(1);
    assertThat(forwardedValues("out")).containsExactly("2.0/1");
    assertThat(store.approximateNumEntries()).isZero();
  }

  @Test
  void lingerCountsFromTheOldestRecordNotTheNewest() {
    MicroBatchProcessor<Float> p = newProcessor(100);
    send(p, "a", "1", 10);
    advanceAndPunctuate(60);
    send(p, "b", "2", 20);
    advanceAndPunctuate(40);
    assertThat(forwardedValues("out")).containsExactly("2.0/2", "4.0/2");
  }

  @Test
  void recordsThatCannotBeFeaturizedGoToTheDeadLetterTopicAndTheRestAreScored() {
    MicroBatchProcessor<Float> p = newProcessor(3);
    send(p, "a", "1", 10);
    send(p, "b", "bad", 20);
    send(p, "c", "3", 30);

    assertThat(forwardedValues("out")).containsExactly("2.0/2", "6.0/2");
    assertThat(forwardedValues("dlq")).containsExactly("bad");
    CapturedForward<?, ?> dead =
        context.forwarded().stream()
            .filter(f -> f.childName().orElseThrow().equals("dlq"))
            .findFirst()
            .orElseThrow();
    var headers = dead.record().headers();
    assertThat(DeadLetter.header(headers, DeadLetter.STAGE)).isEqualTo("featurize");
    assertThat(DeadLetter.header(headers, DeadLetter.REASON)).isEqualTo("NOT_A_NUMBER");
    assertThat(DeadLetter.header(headers, DeadLetter.OFFSET)).isEqualTo("1");
    assertThat(DeadLetter.header(headers, DeadLetter.TOPIC)).isEqualTo("in");
    assertThat(DeadLetter.header(headers, DeadLetter.EXCEPTION))
        .isEqualTo(RejectedRecordException.class.getName());
    assertThat(DeadLetter.header(headers, DeadLetter.MESSAGE)).isEqualTo("not a number: bad");
    assertThat(new String((byte[]) dead.record().key(), StandardCharsets.UTF_8)).isEqualTo("b");
  }

  @Test
  void aFailingModelCallIsBisectedUntilOnlyTheBadRecordIsDeadLettered() {
    MicroBatchProcessor<Float> p = newProcessor(8);
    for (String v : List.of("1", "2", "3", "13", "5", "6", "7", "8")) {
      send(p, v, v, 1);
    }

    assertThat(forwardedValues("out"))
        .containsExactly("2.0/8", "4.0/8", "6.0/8", "10.0/8", "12.0/8", "14.0/8", "16.0/8");
    assertThat(forwardedValues("dlq")).containsExactly("13");
    CapturedForward<?, ?> dead =
        context.forwarded().stream()
            .filter(f -> f.childName().orElseThrow().equals("dlq"))
            .findFirst()
            .orElseThrow();
    assertThat(DeadLetter.header(dead.record().headers(), DeadLetter.STAGE)).isEqualTo("inference");
    assertThat(DeadLetter.header(dead.record().headers(), DeadLetter.MESSAGE))
        .isEqualTo("model cannot take 13");
    // 1 full call, then halves: [1..13] fails, [5..8] ok, [1,2] ok, [3,13] fails, [3] ok, [13].
    assertThat(modelCalls).hasValue(7);
  }

  @Test
  void beforeACommitEverythingWaitingIsScoredAndForwardedInInputOrder() {
    ManualExecutor executor = new ManualExecutor();
    MicroBatchProcessor<Float> p = newProcessor(2, 2, executor);
    send(p, "a", "1", 10);
    send(p, "b", "2", 20); // a full batch, in flight
    send(p, "c", "3", 30); // waiting, not yet due
    assertThat(p.inFlight()).isEqualTo(1);
    assertThat(context.forwarded()).isEmpty();

    // Kafka Streams flushes the task's caches, this hook among them, before it commits.
    Thread finisher = new Thread(() -> runAll(executor));
    finisher.start();
    hook.flushCache();

    assertThat(context.forwarded())
        .extracting(f -> f.record().timestamp())
        .containsExactly(10L, 20L, 30L);
    assertThat(p.inFlight()).isZero();
    assertThat(meters.get("sluice.batches").tag("trigger", "commit").counter().count())
        .isEqualTo(1.0);
    hook.flushCache(); // nothing waits: nothing more
    assertThat(context.forwarded()).hasSize(3);
  }

  /** Runs the executor's tasks as they come until two have run. */
  private static void runAll(ManualExecutor executor) {
    int done = 0;
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (done < 2 && System.nanoTime() < deadline) {
      synchronized (executor) {
        if (executor.submitted() > done) {
          executor.run(done++);
        }
      }
      Thread.onSpinWait();
    }
  }

  @Test
  void whatAnOlderVersionLeftInItsBufferIsScoredFirstThenDeleted() {
    // Slots out of input order, and one entry of the first format, whose key was its sequence.
    store.put(4L, record("c", "3", 30).toBytes(7));
    store.put(0L, record("d", "4", 40).toBytes(9));
    store.put(5L, record("b", "2", 20).toBytes(5));
    store.put(1L, legacyBytes(record("a", "1", 10)));

    MicroBatchProcessor<Float> p = newProcessor(10);
    send(p, "e", "5", 50);
    assertThat(store.approximateNumEntries()).as("nothing new is written").isEqualTo(4);
    advanceAndPunctuate(LINGER_MS);

    assertThat(context.forwarded())
        .extracting(f -> f.record().timestamp())
        .containsExactly(10L, 20L, 30L, 40L, 50L);
    assertThat(store.approximateNumEntries()).isZero();
  }

  @Test
  void bufferedRecordsSurviveTheirBinaryForm() {
    RecordHeaders headers = new RecordHeaders();
    headers.add("h", new byte[] {1, 2});
    headers.add("empty", null);
    BufferedRecord r = new BufferedRecord(null, new byte[] {0, 9}, 42L, headers, "t", 3, 77L, 99L);

    BufferedRecord back = BufferedRecord.fromBytes(r.toBytes());

    assertThat(back.key()).isNull();
    assertThat(back.value()).containsExactly(0, 9);
    assertThat(back.timestamp()).isEqualTo(42L);
    assertThat(back.headers().toArray()).hasSize(2);
    assertThat(back.headers().lastHeader("h").value()).containsExactly(1, 2);
    assertThat(back.headers().lastHeader("empty").value()).isNull();
    assertThat(back.coordinates()).isEqualTo("t-3@77");
    assertThat(back.ingestTimeMs()).isEqualTo(99L);
  }

  @Test
  void measuresLingerLatencyAndDeadLettersByReason() {
    MicroBatchProcessor<Float> p = newProcessor(100);
    long now = System.currentTimeMillis();
    send(p, "a", "1", now - 2_000);
    send(p, "b", "bad", now - 2_000);
    advanceAndPunctuate(LINGER_MS + 20);

    assertThat(meters.get("sluice.batch.linger").timer().max(TimeUnit.MILLISECONDS))
        .isEqualTo(LINGER_MS + 20);
    var latency = meters.get("sluice.end.to.end.latency").timer();
    assertThat(latency.count()).as("one per prediction, none for the dead letter").isEqualTo(1);
    assertThat(latency.max(TimeUnit.MILLISECONDS)).isBetween(2_000.0, 60_000.0);
    assertThat(
            meters
                .get("sluice.dead.letters")
                .tag("stage", "featurize")
                .tag("reason", "NOT_A_NUMBER")
                .counter()
                .count())
        .isEqualTo(1);
    assertThat(meters.get("sluice.batch.size").summary().totalAmount()).isEqualTo(2);
  }

  @Test
  void aLaterBatchThatFinishesFirstWaitsForTheEarlierOne() {
    ManualExecutor executor = new ManualExecutor();
    MicroBatchProcessor<Float> p = newProcessor(2, 3, executor);
    send(p, "a", "1", 10);
    send(p, "b", "bad", 20);
    send(p, "c", "3", 30);
    send(p, "d", "4", 40);
    assertThat(executor.submitted()).isEqualTo(2);
    assertThat(p.inFlight()).isEqualTo(2);

    executor.run(1);
    advanceAndPunctuate(1);
    assertThat(context.forwarded()).as("the second batch waits for the first").isEmpty();

    executor.run(0);
    advanceAndPunctuate(1);
    // Batch by batch in input order; within a batch, its dead letters first (as on the stream
    // thread).
    assertThat(context.forwarded())
        .extracting(f -> f.childName().orElseThrow() + ":" + f.record().timestamp())
        .containsExactly("dlq:20", "out:10", "out:30", "out:40");
    assertThat(forwardedValues("out")).containsExactly("2.0/1", "6.0/2", "8.0/2");
    assertThat(p.inFlight()).isZero();
  }

  @Test
  void finishedBatchesAreForwardedFromProcessToo() {
    ManualExecutor executor = new ManualExecutor();
    MicroBatchProcessor<Float> p = newProcessor(2, 2, executor);
    send(p, "a", "1", 10);
    send(p, "b", "2", 20);
    executor.run(0);
    assertThat(context.forwarded()).isEmpty();

    send(p, "c", "3", 30);
    assertThat(forwardedValues("out")).containsExactly("2.0/2", "4.0/2");
  }

  @Test
  void finishedBatchesAreCollectedWithinMillisecondsWhateverTheLinger() {
    newProcessor(2, 2, new ManualExecutor());
    assertThat(context.scheduledPunctuators())
        .extracting(CapturedPunctuator::getInterval)
        .containsExactly(Duration.ofMillis(MicroBatchProcessor.COLLECT_INTERVAL_MS));
  }

  @Test
  void atTheLimitTheStreamThreadWaitsForTheOldestBatch() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger started = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Executor gated =
          task ->
              pool.execute(
                  () -> {
                    started.incrementAndGet();
                    try {
                      release.await();
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                    }
                    task.run();
                  });
      MicroBatchProcessor<Float> p = newProcessor(1, 1, gated);
      send(p, "a", "1", 10);
      assertThat(p.inFlight()).isEqualTo(1);

      Thread streamThread = new Thread(() -> send(p, "b", "2", 20));
      streamThread.start();
      streamThread.join(300);
      assertThat(streamThread.isAlive()).as("the limit holds the stream thread").isTrue();
      assertThat(started).hasValue(1);
      assertThat(context.forwarded()).isEmpty();

      release.countDown();
      streamThread.join(10_000);
      assertThat(streamThread.isAlive()).isFalse();
      assertThat(forwardedValues("out")).startsWith("2.0/1");
      assertThat(p.inFlight()).isLessThanOrEqualTo(1);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void closingWithABatchInFlightForwardsNothingAndWritesNothing() {
    ManualExecutor executor = new ManualExecutor();
    MicroBatchProcessor<Float> p = newProcessor(2, 2, executor);
    send(p, "a", "1", 10);
    send(p, "b", "2", 20);
    send(p, "c", "3", 30);
    assertThat(p.inFlight()).isEqualTo(1);

    // A dirty close (a clean one commits, and so scores, first): the records are read again.
    p.close();
    executor.run(0); // the abandoned call finishes after the close: its result is dropped
    hook.flushCache();
    assertThat(context.forwarded()).isEmpty();
    assertThat(store.approximateNumEntries()).isZero();
  }

  @Test
  void anUnexpectedFailureOffTheStreamThreadSurfacesOnItAndForwardsNothing() {
    ManualExecutor executor = new ManualExecutor();
    MicroBatchProcessor<Float> p = newProcessor(2, 2, executor);
    send(p, "a", "1", 10);
    send(p, "b", "fatal", 20);
    executor.run(0);

    assertThatThrownBy(() -> advanceAndPunctuate(1))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("not the record's fault: fatal");
    assertThat(context.forwarded()).isEmpty();
  }

  private static BufferedRecord record(String key, String value, long timestamp) {
    return new BufferedRecord(
        key.getBytes(StandardCharsets.UTF_8),
        value.getBytes(StandardCharsets.UTF_8),
        timestamp,
        new RecordHeaders(),
        "in",
        0,
        timestamp,
        0L);
  }

  /** The first buffer format: no sequence, text in {@code DataOutputStream}'s modified UTF-8. */
  private static byte[] legacyBytes(BufferedRecord r) {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    try (java.io.DataOutputStream out = new java.io.DataOutputStream(bytes)) {
      out.writeByte(1);
      out.writeInt(r.key().length);
      out.write(r.key());
      out.writeInt(r.value().length);
      out.write(r.value());
      out.writeLong(r.timestamp());
      out.writeUTF(r.topic());
      out.writeInt(r.partition());
      out.writeLong(r.offset());
      out.writeLong(r.ingestTimeMs());
      out.writeInt(0);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  @Test
  void theSequenceTravelsInTheValue() {
    byte[] bytes = record("a", "1", 10).toBytes(123_456_789_012L);
    assertThat(BufferedRecord.sequenceOf(bytes, 0)).isEqualTo(123_456_789_012L);
    assertThat(BufferedRecord.fromBytes(bytes).timestamp()).isEqualTo(10L);
    assertThat(BufferedRecord.sequenceOf(legacyBytes(record("a", "1", 10)), 42L)).isEqualTo(42L);
    assertThat(BufferedRecord.fromBytes(legacyBytes(record("a", "1", 10))).coordinates())
        .isEqualTo("in-0@10");
  }

  @Test
  void withALatencyTargetChoosesTheSizeAgainWithinTenSecondsWhenTheModelsCostDoubles() {
    // Simulated time: records come every 100 µs (10,000/s); a batch of b costs 0.5 ms + 0.02 ms
    // per record, twice that from 20 s on; the task commits every 100 ms; the target is 20 ms.
    AtomicLong clock = new AtomicLong();
    AtomicLong costFactor = new AtomicLong(1);
    long start = context.currentSystemTimeMs();
    Scorer slow =
        rows -> {
          clock.addAndGet(costFactor.get() * (500_000L + 20_000L * rows.size()));
          return scorer.score(rows);
        };
    MicroBatchProcessor<Float> p =
        new MicroBatchProcessor<>(
            settings(256, 0, Duration.ZERO, Duration.ofMillis(20)),
            new BatchScorer<>(BatchStages.of(handler, slow), null),
            null,
            new PipelineMetrics(meters, "test"),
            MicroBatchProcessor.SAME_THREAD,
            clock::get);
    p.init(context);
    BatchSizeController controller = p.controller();
    long every = 100_000L;
    long nextTick = 0;
    long nextCommit = 0;
    List<Integer> before = new ArrayList<>();
    List<Integer> settled = new ArrayList<>();
    List<Long> p99s = new ArrayList<>();
    long lastSample = 0;
    for (long i = 0; i < 400_000; i++) {
      long arrival = i * every;
      if (clock.get() < arrival) {
        clock.set(arrival);
      }
      context.setCurrentSystemTimeMs(start + clock.get() / 1_000_000L);
      if (clock.get() >= nextTick) {
        advanceAndPunctuate(0);
        nextTick = clock.get() + 2_000_000L;
      }
      if (clock.get() >= nextCommit) {
        hook.flushCache();
        context.resetForwards();
        nextCommit = clock.get() + 100_000_000L;
      }
      if (arrival == 20_000_000_000L) {
        costFactor.set(2);
      }
      send(p, "k", Long.toString(i % 1000), start + arrival / 1_000_000L);
      if (clock.get() - lastSample >= 100_000_000L) {
        lastSample = clock.get();
        if (lastSample >= 10_000_000_000L && lastSample < 20_000_000_000L) {
          before.add(controller.batchSize());
        } else if (lastSample >= 30_000_000_000L) {
          settled.add(controller.batchSize());
          p99s.add(controller.lastP99Nanos());
        }
      }
    }
    int beforeMax = before.stream().mapToInt(Integer::intValue).max().orElseThrow();
    int settledMin = settled.stream().mapToInt(Integer::intValue).min().orElseThrow();
    int settledMax = settled.stream().mapToInt(Integer::intValue).max().orElseThrow();
    assertThat(settledMin).as("sizes after the cost doubled %s", settled).isGreaterThan(beforeMax);
    assertThat(settledMax - settledMin)
        .as("sizes after the cost doubled %s", settled)
        .isLessThanOrEqualTo(Math.max(2, settledMax / 3));
    assertThat(p99s).allSatisfy(p99 -> assertThat(p99).isBetween(0L, 20_000_000L));
    assertThat(controller.unreachable()).isFalse();
    assertThat(meters.get("sluice.batch.chosen.size").gauge().value())
        .isEqualTo(controller.batchSize());
    assertThat(meters.get("sluice.processing.latency").timer().count()).isGreaterThan(390_000);
  }
}
