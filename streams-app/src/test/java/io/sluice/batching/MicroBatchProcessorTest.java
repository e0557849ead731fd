package io.sluice.batching;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.errors.DeadLetter;
import io.sluice.errors.RejectedRecordException;
import io.sluice.metrics.PipelineMetrics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
  private static final long LINGER_MS = 100;

  /** Values are decimal numbers as text; "bad" cannot be featurized; 13 makes the model fail. */
  private final BatchHandler<Float> handler =
      new BatchHandler<>() {
        @Override
        public Float prepare(BufferedRecord record) throws RejectedRecordException {
          String text = new String(record.value(), StandardCharsets.UTF_8);
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
  private KeyValueStore<Long, byte[]> store;
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
  }

  private MicroBatchProcessor<Float> newProcessor(int maxBatch) {
    MicroBatchProcessor<Float> p =
        new MicroBatchProcessor<>(
            new MicroBatchProcessor.Settings(
                "test", STORE, "dlq", maxBatch, Duration.ofMillis(LINGER_MS)),
            handler,
            scorer,
            new PipelineMetrics(meters, "test"));
    p.init(context);
    return p;
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
  void aNewProcessorOnTheSameBufferScoresWhatThePreviousOneLeftBehind() {
    MicroBatchProcessor<Float> first = newProcessor(10);
    send(first, "a", "1", 10);
    send(first, "b", "2", 20);
    assertThat(store.approximateNumEntries()).isEqualTo(2);

    // The instance dies without flushing; a new one is initialised on the restored store.
    context.resetForwards();
    context = contextSharing(store);
    MicroBatchProcessor<Float> second = newProcessor(10);
    send(second, "c", "3", 30);
    advanceAndPunctuate(LINGER_MS);

    assertThat(forwardedValues("out")).containsExactly("2.0/3", "4.0/3", "6.0/3");
    assertThat(store.approximateNumEntries()).isZero();
  }

  private static MockProcessorContext<Object, Object> contextSharing(
      KeyValueStore<Long, byte[]> store) {
    MockProcessorContext<Object, Object> fresh = new MockProcessorContext<>();
    fresh.setCurrentSystemTimeMs(2_000_000L);
    fresh.addStateStore(store);
    return fresh;
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
}
