package io.sluice.samples;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.anomaly.KeyBehaviourRule;
import io.sluice.anomaly.ThresholdRule;
import io.sluice.schemas.Alert;
import io.sluice.schemas.Prediction;
import io.sluice.schemas.Severity;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RuleComparisonTest {

  private static Prediction prediction(String id, double score, String label) {
    return Prediction.newBuilder()
        .setEventId(id)
        .setKey("k")
        .setModelName("m")
        .setModelVersion("1")
        .setScores(Map.of("1", score))
        .setPredictedLabel(score >= 0.5 ? "1" : "0")
        .setScore(score)
        .setLabel(label)
        .setEventTime(Instant.EPOCH)
        .setIngestTime(Instant.EPOCH)
        .setInferenceTime(Instant.EPOCH)
        .setBatchSize(1)
        .setSourceTopic("t")
        .setSourcePartition(0)
        .setSourceOffset(0)
        .build();
  }

  private static Alert alert(String kind, String eventId, double threshold) {
    return Alert.newBuilder()
        .setId(kind + ":" + eventId)
        .setKind(kind)
        .setSeverity(Severity.WARNING)
        .setEventId(eventId)
        .setScore(1)
        .setThreshold(threshold)
        .setReason("r")
        .setModelName("m")
        .setModelVersion("1")
        .setEventTime(Instant.EPOCH)
        .setSourceTopic("t")
        .setSourcePartition(0)
        .setSourceOffset(0)
        .build();
  }

  @Test
  void raisesTheThresholdOfTheCombinationUntilItsVolumeMatches() {
    List<Prediction> predictions = new ArrayList<>();
    predictions.add(prediction("a", 0.99, "1"));
    predictions.add(prediction("b", 0.90, "1"));
    predictions.add(prediction("c", 0.80, "0"));
    predictions.add(prediction("d", 0.70, "1"));
    predictions.add(prediction("e", 0.10, "1")); // only the per-key rule sees this one
    predictions.add(prediction("f", 0.05, "0"));
    List<Alert> alerts =
        List.of(
            alert(ThresholdRule.KIND, "a", 0.7),
            alert(ThresholdRule.KIND, "b", 0.7),
            alert(ThresholdRule.KIND, "c", 0.7),
            alert(ThresholdRule.KIND, "d", 0.7),
            alert(KeyBehaviourRule.KIND, "e", 4),
            alert(KeyBehaviourRule.KIND, "a", 4));

    RuleComparison r = RuleComparison.of(predictions, alerts, "1");

    assertThat(r.thresholdOnly()).isEqualTo(new RuleComparison.Row(0.7, 4, 3));
    // {a, e} from the per-key rule, then b and c by score: 4 events at p >= 0.8
    assertThat(r.combined()).isEqualTo(new RuleComparison.Row(0.8, 4, 3));
    assertThat(r.keyAlerts()).isEqualTo(2);
    assertThat(r.keyFrauds()).isEqualTo(2);
    assertThat(r.keyFraudsMissedByThreshold()).isEqualTo(1);
    assertThat(r.describe()).contains("model + per-key rule").contains("(p >= 0.8000)");
  }

  @Test
  void tiedScoresStayTogether() {
    List<Prediction> predictions =
        List.of(prediction("a", 0.9, "1"), prediction("b", 0.6, "0"), prediction("c", 0.6, "1"));
    List<Alert> alerts =
        List.of(
            alert(ThresholdRule.KIND, "a", 0.6),
            alert(ThresholdRule.KIND, "b", 0.6),
            alert(KeyBehaviourRule.KIND, "x", 4));

    RuleComparison r = RuleComparison.of(predictions, alerts, "1");

    assertThat(r.combined().alerts()).isEqualTo(2);
    assertThat(r.combined().threshold()).isEqualTo(0.9);
  }
}
