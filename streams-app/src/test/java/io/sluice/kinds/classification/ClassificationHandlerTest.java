package io.sluice.kinds.classification;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.anomaly.Observation;
import io.sluice.batching.BatchHandler.BatchInfo;
import io.sluice.batching.BatchHandler.Scored;
import io.sluice.batching.BufferedRecord;
import io.sluice.batching.Emit;
import io.sluice.errors.DeadLetter;
import io.sluice.errors.RejectedRecordException;
import io.sluice.metrics.PipelineMetrics;
import io.sluice.schemas.CardTransaction;
import io.sluice.schemas.Prediction;
import io.sluice.topology.EventFields;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

class ClassificationHandlerTest {
  private static final List<String> FEATURES = List.of("Amount", "V1", "V2");

  private static CardTransaction tx(String id, Integer label) {
    return CardTransaction.newBuilder()
        .setId(id)
        .setCardId("card-1")
        .setEventTime(Instant.ofEpochMilli(5_000))
        .setAmount(12.5)
        .setFeatures(List.of(1.0, 2.0))
        .setLabel(label)
        .build();
  }

  private final CardTransaction event = tx("tx-1", 1);
  private final ClassificationHandler handler =
      new ClassificationHandler(
          bytes -> event,
          FeatureMapping.parse("k", "Amount=amount,V1..V2=features[0..1]", FEATURES),
          new ClassificationHandler.ModelInfo("m", "7", List.of("0", "1"), "1"),
          new EventFields("id", "eventTime", "label"),
          new PipelineMetrics(new SimpleMeterRegistry(), "p"));

  private static BufferedRecord source(long offset, byte[] value) {
    return new BufferedRecord(
        "card-1".getBytes(StandardCharsets.UTF_8),
        value,
        1_234L,
        new RecordHeaders(),
        "in",
        0,
        offset,
        9_000L);
  }

  @Test
  void preparesTheModelRowAndTheEventsIdentity() throws Exception {
    ClassificationHandler.Event e = handler.prepare(source(3, new byte[] {1}));
    assertThat(e.features()).containsExactly(12.5f, 1f, 2f);
    assertThat(e.eventId()).isEqualTo("tx-1");
    assertThat(e.key()).isEqualTo("card-1");
    assertThat(e.eventTime()).isEqualTo(5_000L);
    assertThat(e.label()).isEqualTo("1");
  }

  @Test
  void aRecordWithoutAValueIsRejectedAtDecode() {
    assertThatThrownBy(() -> handler.prepare(source(3, null)))
        .isInstanceOfSatisfying(
            RejectedRecordException.class,
            e -> {
              assertThat(e.stage()).isEqualTo(DeadLetter.Stage.DECODE);
              assertThat(e.reason()).isEqualTo("EMPTY");
            });
  }

  @Test
  void predictionsCarryScoresModelAndSourceAndObservationsGoToTheAnomalyStage() throws Exception {
    List<Scored<ClassificationHandler.Event>> scored = new ArrayList<>();
    scored.add(
        new Scored<>(
            source(1, new byte[] {1}),
            handler.prepare(source(1, new byte[] {1})),
            new float[] {0.1f, 0.9f}));
    scored.add(
        new Scored<>(
            source(2, new byte[] {1}),
            handler.prepare(source(2, new byte[] {1})),
            new float[] {0.8f, 0.2f}));

    List<Emit<?>> out = handler.complete(scored, new BatchInfo(2, 10_000L));

    assertThat(out)
        .extracting(Emit::child)
        .containsExactly(
            "predictions",
            "predictions",
            "key-rules",
            "key-rules",
            "model-monitor",
            "model-monitor");
    Prediction first = (Prediction) out.get(0).value();
    assertThat(first.getScore()).isEqualTo(0.9f, org.assertj.core.api.Assertions.within(1e-6));
    assertThat(first.getPredictedLabel()).isEqualTo("1");
    assertThat(first.getScores()).containsOnlyKeys("0", "1");
    assertThat(first.getModelName()).isEqualTo("m");
    assertThat(first.getModelVersion()).isEqualTo("7");
    assertThat(first.getBatchSize()).isEqualTo(2);
    assertThat(first.getSourceOffset()).isEqualTo(1L);
    assertThat(first.getIngestTime()).isEqualTo(Instant.ofEpochMilli(9_000));
    assertThat(first.getInferenceTime()).isEqualTo(Instant.ofEpochMilli(10_000));
    assertThat(out.get(0).timestamp()).isEqualTo(1_234L);
    Prediction second = (Prediction) out.get(1).value();
    assertThat(second.getPredictedLabel()).isEqualTo("0");

    Observation o = (Observation) out.get(2).value();
    assertThat(o.key()).isEqualTo("card-1");
    assertThat(o.eventId()).isEqualTo("tx-1");
    assertThat(o.eventTime()).isEqualTo(5_000L);
    assertThat(o.score()).isCloseTo(0.9, org.assertj.core.api.Assertions.within(1e-6));
    assertThat(o.features()).containsExactly(12.5f, 1f, 2f);
    assertThat(o.coordinates()).isEqualTo("in-0@1");
    assertThat(out.get(4).value()).isSameAs(o);
    assertThat(out.get(2).key()).isEqualTo("card-1".getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void aModelThatReturnsTheWrongNumberOfScoresIsABug() throws Exception {
    List<Scored<ClassificationHandler.Event>> scored =
        List.of(
            new Scored<>(
                source(1, new byte[] {1}),
                handler.prepare(source(1, new byte[] {1})),
                new float[] {0.1f}));
    assertThatThrownBy(() -> handler.complete(scored, new BatchInfo(1, 1L)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("returned 1 scores");
  }
}
