package io.sluice.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.sluice.anomaly.KeyBehaviourRule;
import io.sluice.anomaly.KeyState;
import io.sluice.anomaly.LinearExplainer;
import io.sluice.anomaly.ThresholdRule;
import io.sluice.schemas.Alert;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The per-key rules and cooldowns in the pipeline topology, driven by TopologyTestDriver. */
class KeyRulesProcessorTest {
  private static final long MINUTE = 60_000;
  private AnomalyTopology pipeline;

  @AfterEach
  void tearDown() {
    if (pipeline != null) {
      pipeline.close();
    }
  }

  private AnomalyTopology start(AnomalyTopology.Rules rules) {
    pipeline = new AnomalyTopology(rules);
    return pipeline;
  }

  @Test
  void aBurstOfAThousandAnomalousEventsForOneKeyGivesOneAlertAndOneSuppressionCount() {
    AnomalyTopology.Rules rules = new AnomalyTopology.Rules();
    rules.cooldownMs = 10 * MINUTE;
    rules.batchSize = 50;
    AnomalyTopology p = start(rules);

    for (int i = 0; i < 1000; i++) {
      p.send("card-1", "burst-" + i, 900, i * 100L);
    }
    List<Alert> during = p.alerts();
    assertThat(during).hasSize(1);
    assertThat(KeyState.fromBytes(p.keyStore().get("card-1")).cooldowns())
        .containsKey("score-threshold");
    Alert first = during.get(0);
    assertThat(first.getKind()).isEqualTo(ThresholdRule.KIND);
    assertThat(first.getEventId()).isEqualTo("burst-0");
    assertThat(first.getSuppressedCount()).isZero();

    // another card's event moves the event-time clock past the cooldown; the sweep reports it
    p.send("card-2", "later", 10, 11 * MINUTE);
    p.driver.advanceWallClockTime(Duration.ofMillis(100)); // the batch lingers out first
    p.driver.advanceWallClockTime(Duration.ofSeconds(KeyRulesProcessor.SWEEP_SECONDS));
    List<Alert> after = p.alerts();
    assertThat(after).hasSize(1);
    Alert summary = after.get(0);
    assertThat(summary.getSuppressedCount()).isEqualTo(999);
    assertThat(summary.getKind()).isEqualTo(ThresholdRule.KIND);
    assertThat(summary.getKey()).isEqualTo("card-1");
    assertThat(summary.getId()).isEqualTo(first.getId() + "/suppressed");
    assertThat(summary.getWindowStart().toEpochMilli()).isZero();
    assertThat(summary.getWindowEnd().toEpochMilli()).isEqualTo(10 * MINUTE);
    assertThat(summary.getReason()).contains("999 more score-threshold alerts for key card-1");
    assertThat(p.meters.find("sluice.alerts.suppressed").counter().count()).isEqualTo(999);
    // without the per-key rule, only keys in a cooldown have state, and only while it lasts
    assertThat(p.keyStore().get("card-1")).isNull();
    assertThat(p.keyStore().get("card-2")).isNull();
  }

  @Test
  void theKeysNextFiringAfterTheCooldownReportsTheCountAndAlertsAgain() {
    AnomalyTopology.Rules rules = new AnomalyTopology.Rules();
    rules.cooldownMs = 10 * MINUTE;
    rules.batchSize = 1;
    AnomalyTopology p = start(rules);
    p.send("card-1", "a", 900, 0);
    p.send("card-1", "b", 900, MINUTE);
    p.send("card-1", "c", 900, 2 * MINUTE);

    p.send("card-1", "d", 950, 12 * MINUTE);

    List<Alert> alerts = p.alerts();
    assertThat(alerts)
        .extracting(Alert::getEventId, Alert::getSuppressedCount)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("a", 0L),
            org.assertj.core.groups.Tuple.tuple("a", 2L),
            org.assertj.core.groups.Tuple.tuple("d", 0L));
  }

  @Test
  void everNewKeysKeepTheStoreAndItsChangelogBounded() {
    AnomalyTopology.Rules rules = new AnomalyTopology.Rules();
    rules.threshold = null;
    rules.keyRule = keyRule(List.of(KeyBehaviourRule.Metric.score()), 5);
    rules.maxKeys = 100;
    rules.batchSize = 64;
    AnomalyTopology p = start(rules);

    for (int i = 0; i < 2_000; i++) {
      p.send("card-" + i, "tx-" + i, 10, i * 1_000L);
    }
    p.driver.advanceWallClockTime(Duration.ofMillis(100));

    List<String> stored = new ArrayList<>();
    try (KeyValueIterator<String, byte[]> it = p.keyStore().all()) {
      it.forEachRemaining(kv -> stored.add(kv.key));
    }
    assertThat(stored).hasSize(100);
    // the most recently seen keys are the ones kept
    assertThat(stored).contains("card-1999").doesNotContain("card-0", "card-1899");

    // the changelog, compacted, holds exactly what the store holds: evictions were logged
    Map<String, byte[]> compacted = new HashMap<>();
    for (TestRecord<byte[], byte[]> r :
        p.changelog(TopologyFactory.keyStoreName(AnomalyTopology.PIPELINE)).readRecordsToList()) {
      String key = new String(r.key(), StandardCharsets.UTF_8);
      if (r.value() == null) {
        compacted.remove(key);
      } else {
        compacted.put(key, r.value());
      }
    }
    assertThat(compacted.keySet()).containsExactlyInAnyOrderElementsOf(stored);
    assertThat(KeyState.fromBytes(compacted.get("card-1999")).events()).isEqualTo(1);
  }

  @Test
  void keysIdleLongerThanTheLimitAreDroppedByTheSweep() {
    AnomalyTopology.Rules rules = new AnomalyTopology.Rules();
    rules.keyRule = keyRule(List.of(KeyBehaviourRule.Metric.score()), 5);
    rules.idle = Duration.ofHours(1);
    rules.batchSize = 1;
    AnomalyTopology p = start(rules);
    p.send("card-old", "a", 10, 0);
    p.send("card-new", "b", 10, 2 * 60 * MINUTE);
    assertThat(p.keyStore().get("card-old")).isNotNull();

    p.driver.advanceWallClockTime(Duration.ofSeconds(KeyRulesProcessor.SWEEP_SECONDS));

    assertThat(p.keyStore().get("card-old")).isNull();
    assertThat(p.keyStore().get("card-new")).isNotNull();
  }

  @Test
  void anAmountFarAboveTheKeysUsualFiresOnceTheKeyIsWarmedUp() {
    AnomalyTopology.Rules rules = new AnomalyTopology.Rules();
    rules.threshold = null;
    rules.keyRule = keyRule(List.of(KeyBehaviourRule.Metric.feature("Amount", 0)), 5);
    rules.batchSize = 1;
    AnomalyTopology p = start(rules);
    p.send("card-new", "first", 20, 0);
    p.send("card-new", "second", 5_000, MINUTE);
    for (int i = 0; i < 10; i++) {
      p.send("card-1", "usual-" + i, 20 + i, i * MINUTE);
    }
    assertThat(p.alerts()).as("nothing during warm-up or inside the usual").isEmpty();

    p.send("card-1", "outlier", 5_000, 20 * MINUTE);

    List<Alert> alerts = p.alerts();
    assertThat(alerts).hasSize(1);
    Alert a = alerts.get(0);
    assertThat(a.getKind()).isEqualTo(KeyBehaviourRule.KIND);
    assertThat(a.getMetric()).isEqualTo("Amount");
    assertThat(a.getEventId()).isEqualTo("outlier");
    assertThat(a.getKey()).isEqualTo("card-1");
    assertThat(a.getScore()).isGreaterThanOrEqualTo(4.0);
    assertThat(a.getThreshold()).isEqualTo(4.0);
    assertThat(a.getCompared()).containsEntry("value", 5_000.0).containsEntry("events", 10.0);
    assertThat(a.getCompared().get("z")).isEqualTo(a.getScore(), within(1e-9));
    assertThat(a.getSourceTopic()).isEqualTo("transactions");
    assertThat(a.getSourceOffset()).isEqualTo(12L);
    assertThat(a.getReason()).contains("Amount 5000.0000 is").contains("above its usual");
  }

  @Test
  void eventAlertsNameTheFeaturesThatPushedALinearModelsScoreUp() {
    AnomalyTopology.Rules rules = new AnomalyTopology.Rules();
    rules.batchSize = 1;
    List<Double> zeros = new ArrayList<>(Collections.nCopies(29, 0.0));
    List<Double> ones = new ArrayList<>(Collections.nCopies(29, 1.0));
    List<Double> coefficients = new ArrayList<>(Collections.nCopies(29, 0.0));
    coefficients.set(0, 2.0); // Amount
    coefficients.set(AnomalyTopology.FEATURES.indexOf("V7"), -1.0);
    coefficients.set(AnomalyTopology.FEATURES.indexOf("V3"), 0.5);
    rules.explainer = new LinearExplainer(AnomalyTopology.FEATURES, zeros, ones, coefficients, -1);
    AnomalyTopology p = start(rules);

    p.send("card-1", "big", 800, 0, 1.0);

    Alert a = p.alerts().get(0);
    assertThat(a.getContributions()).hasSize(3);
    assertThat(a.getContributions().get(0).getFeature()).isEqualTo("Amount");
    assertThat(a.getContributions().get(0).getContribution()).isEqualTo(1600.0);
    assertThat(a.getContributions().get(1).getFeature()).isEqualTo("V3");
    assertThat(a.getContributions().get(1).getValue()).isEqualTo(1.0);
  }

  @Test
  void anotherVersionsAlertsNameNoFeatures() {
    AnomalyTopology.Rules rules = new AnomalyTopology.Rules();
    rules.batchSize = 1;
    List<Double> coefficients = new ArrayList<>(Collections.nCopies(29, 0.0));
    coefficients.set(0, 2.0); // Amount
    rules.explainer =
        new LinearExplainer(
            AnomalyTopology.FEATURES,
            Collections.nCopies(29, 0.0),
            Collections.nCopies(29, 1.0),
            coefficients,
            -1);
    // The explainer describes version 0; the stand-in model scoring the events is version 1.
    rules.rulesModelVersion = "0";
    AnomalyTopology p = start(rules);

    p.send("card-1", "big", 800, 0, 1.0);

    Alert a = p.alerts().get(0);
    assertThat(a.getModelVersion()).isEqualTo("1");
    assertThat(a.getContributions()).isEmpty();
  }

  @Test
  void recordsWithoutAKeyGetTheThresholdRuleWithoutState() {
    AnomalyTopology.Rules rules = new AnomalyTopology.Rules();
    rules.cooldownMs = 10 * MINUTE;
    rules.batchSize = 1;
    AnomalyTopology p = start(rules);
    p.send(null, "a", 900, 0);
    p.send(null, "b", 900, 1);

    assertThat(p.alerts()).extracting(Alert::getEventId).containsExactly("a", "b");
    List<KeyValue<String, byte[]>> all = new ArrayList<>();
    try (KeyValueIterator<String, byte[]> it = p.keyStore().all()) {
      it.forEachRemaining(all::add);
    }
    assertThat(all).isEmpty();
  }

  private static KeyBehaviourRule keyRule(List<KeyBehaviourRule.Metric> metrics, int warmup) {
    return new KeyBehaviourRule(new KeyBehaviourRule.Settings(metrics, 4.0, warmup, 20, "WARNING"));
  }
}
