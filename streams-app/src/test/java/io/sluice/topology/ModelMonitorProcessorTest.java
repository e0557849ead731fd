package io.sluice.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.DistributionSummary;
import io.sluice.anomaly.DriftRule;
import io.sluice.anomaly.HealthRule;
import io.sluice.anomaly.ReferenceDistribution;
import io.sluice.schemas.Alert;
import io.sluice.schemas.Severity;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Drift and model-health windows in the pipeline topology, driven by TopologyTestDriver. */
class ModelMonitorProcessorTest {
  private static final long WINDOW = 5 * 60_000;

  /** The stand-in model's score is amount / 1000: uniform amounts give uniform scores. */
  private static final ReferenceDistribution UNIFORM =
      new ReferenceDistribution(
          List.of(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9),
          List.of(0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1));

  private AnomalyTopology pipeline;

  @AfterEach
  void tearDown() {
    pipeline.close();
  }

  private AnomalyTopology start(AnomalyTopology.Rules rules) {
    rules.threshold = null;
    pipeline = new AnomalyTopology(rules);
    return pipeline;
  }

  private static AnomalyTopology.Rules withScoreDrift() {
    AnomalyTopology.Rules rules = new AnomalyTopology.Rules();
    rules.drift =
        List.of(new DriftRule(new DriftRule.Settings("score", -1, UNIFORM, 0.25, 200, "WARNING")));
    rules.driftWindow = Duration.ofMillis(WINDOW);
    rules.batchSize = 10;
    return rules;
  }

  @Test
  void aWindowOfScoresUnlikeTheReferenceRaisesADriftAlertAndOneLikeItDoesNot() {
    AnomalyTopology p = start(withScoreDrift());
    for (int i = 0; i < 300; i++) {
      p.send("card-" + (i % 7), "like-" + i, (i * 37) % 1000, i * 1_000L);
    }
    for (int i = 0; i < 300; i++) {
      p.send("card-" + (i % 7), "unlike-" + i, 950 + i % 50, WINDOW + i * 1_000L);
    }
    p.send("card-0", "closer", 500, 2 * WINDOW);
    p.driver.advanceWallClockTime(Duration.ofMillis(100));

    List<Alert> alerts = p.alerts();
    assertThat(alerts).hasSize(1);
    Alert drift = alerts.get(0);
    assertThat(drift.getKind()).isEqualTo(DriftRule.KIND);
    assertThat(drift.getScope()).isEqualTo("model");
    assertThat(drift.getMetric()).isEqualTo("score");
    assertThat(drift.getKey()).isNull();
    assertThat(drift.getWindowStart().toEpochMilli()).isEqualTo(WINDOW);
    assertThat(drift.getWindowEnd().toEpochMilli()).isEqualTo(2 * WINDOW);
    assertThat(drift.getScore()).isGreaterThan(1.0);
    assertThat(drift.getCompared()).containsEntry("events", 300.0).containsEntry("observed.9", 1.0);
    assertThat(drift.getEventId()).isEqualTo("unlike-299");
    assertThat(drift.getId()).isEqualTo("drift:score:0:" + WINDOW);
    assertThat(drift.getReason()).contains("largest change in bin (0.9000, inf)");

    DistributionSummary psi = p.meters.find("sluice.drift.psi").tag("metric", "score").summary();
    assertThat(psi.count()).as("both windows judged").isEqualTo(2);
    assertThat(psi.max()).isEqualTo(drift.getScore());
  }

  @Test
  void aWindowWithTooFewEventsIsNotJudged() {
    AnomalyTopology p = start(withScoreDrift());
    for (int i = 0; i < 150; i++) {
      p.send("card-1", "few-" + i, 990, i * 1_000L);
    }
    p.send("card-1", "closer", 500, 2 * WINDOW);
    p.driver.advanceWallClockTime(Duration.ofMillis(100));

    assertThat(p.alerts()).isEmpty();
    assertThat(p.meters.find("sluice.drift.psi").summary()).isNull();
  }

  @Test
  void tooManyDeadLettersInAWindowRaiseAModelHealthAlertWhenTheWindowEnds() {
    AnomalyTopology p = start(new AnomalyTopology.Rules());
    for (int i = 0; i < 95; i++) {
      p.send("card-1", "good-" + i, 10, i);
    }
    for (int i = 0; i < 10; i++) {
      p.input.pipeInput("bad-" + i, new byte[] {0, 0, 0, 0, 9, 9}, 200 + i);
    }
    p.driver.advanceWallClockTime(Duration.ofMillis(100));
    assertThat(p.alerts()).as("the window is still open").isEmpty();

    p.driver.advanceWallClockTime(Duration.ofMinutes(1));

    List<Alert> alerts = p.alerts();
    assertThat(alerts).hasSize(1);
    Alert health = alerts.get(0);
    assertThat(health.getKind()).isEqualTo(HealthRule.KIND);
    assertThat(health.getMetric()).isEqualTo(HealthRule.DEAD_LETTER_RATE);
    assertThat(health.getSeverity()).isEqualTo(Severity.CRITICAL);
    assertThat(health.getScore()).isEqualTo(10.0 / 105);
    assertThat(health.getThreshold()).isEqualTo(0.05);
    assertThat(health.getCompared())
        .containsEntry("records", 105.0)
        .containsEntry("deadLetters", 10.0);
    assertThat(health.getWindowStart().toEpochMilli()).isZero();
    assertThat(p.deadLetters.readValuesToList()).hasSize(10);
  }

  @Test
  void modelFailuresAboveTheLevelRaiseAModelErrorRateAlert() {
    AnomalyTopology p = start(new AnomalyTopology.Rules());
    for (int i = 0; i < 100; i++) {
      p.send("card-1", "good-" + i, 10, i);
    }
    for (int i = 0; i < 3; i++) {
      p.send("card-2", "failing-" + i, AnomalyTopology.FAILING_AMOUNT, 200 + i);
    }
    p.driver.advanceWallClockTime(Duration.ofMillis(100));
    p.driver.advanceWallClockTime(Duration.ofMinutes(1));

    List<Alert> alerts = p.alerts();
    assertThat(alerts).extracting(Alert::getMetric).containsExactly(HealthRule.MODEL_ERROR_RATE);
    assertThat(alerts.get(0).getScore()).isEqualTo(3.0 / 103);
    assertThat(alerts.get(0).getReason())
        .contains("3 of 103 records the model was called on failed");
  }

  @Test
  void aHealthyWindowRaisesNothing() {
    AnomalyTopology p = start(new AnomalyTopology.Rules());
    for (int i = 0; i < 200; i++) {
      p.send("card-1", "good-" + i, 10, i);
    }
    p.input.pipeInput("bad", new byte[] {0, 0, 0, 0, 9, 9}, 300);
    p.driver.advanceWallClockTime(Duration.ofMillis(100));
    p.driver.advanceWallClockTime(Duration.ofMinutes(1));

    assertThat(p.alerts()).isEmpty();
  }
}
