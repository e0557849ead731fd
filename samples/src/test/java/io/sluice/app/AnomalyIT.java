package io.sluice.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.anomaly.DriftRule;
import io.sluice.anomaly.KeyBehaviourRule;
import io.sluice.anomaly.KeyState;
import io.sluice.anomaly.ThresholdRule;
import io.sluice.config.ConfigKeys;
import io.sluice.config.ConfigLoader;
import io.sluice.descriptor.ModelDescriptor;
import io.sluice.embedded.EmbeddedStack;
import io.sluice.eval.ThresholdMetrics;
import io.sluice.samples.FraudDemo;
import io.sluice.samples.FraudEvents;
import io.sluice.samples.IntrusionDemo;
import io.sluice.samples.IntrusionEvents;
import io.sluice.samples.OutputCollector;
import io.sluice.samples.RuleComparison;
import io.sluice.schemas.Alert;
import io.sluice.schemas.CardTransaction;
import io.sluice.schemas.NetworkConnection;
import io.sluice.serde.RegistrySettings;
import io.sluice.serde.RestSchemaRegistryClient;
import io.sluice.serde.SchemaRegistryClient;
import io.sluice.topology.TopologyFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The anomaly stage on a real broker and registry: the fraud data through the fraud pipeline (per
 * key rules against the threshold at equal volume, no drift on training-like rows, per-key state
 * restored after a restart, drift on rows with scaled-up amounts), and the NSL-KDD test file
 * through the intrusion pipeline (accuracy, precision and recall from the stream's output).
 */
class AnomalyIT {
  private static final Path DATA_DIR =
      Path.of(System.getProperty("sluice.data.dir", "../shared/data"));
  private static final Instant FRAUD_START = Instant.parse("2026-01-01T00:00:00Z");

  @TempDir static Path work;
  private static EmbeddedStack stack;
  private static SchemaRegistryClient registry;

  @BeforeAll
  static void startStack() {
    stack = EmbeddedStack.start();
    registry = new RestSchemaRegistryClient(RegistrySettings.of(stack.registry().url()));
  }

  @AfterAll
  static void stopStack() {
    if (registry != null) {
      registry.close();
    }
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  void fraudRulesCompareAtEqualVolumeKeepStateOverARestartAndSeeScaledAmountsDrift()
      throws Exception {
    Path descriptor = FraudDemo.ensureModel(DATA_DIR, work.resolve("models"));
    List<CardTransaction> events = FraudEvents.read(DATA_DIR);
    stack.kafka().createTopics(2, "tx-an", "pred-an", "alerts-an", "dlq-an");
    Map<String, String> c =
        new HashMap<>(
            FraudDemo.pipelineConfig(stack, descriptor, "it-anomaly", work.resolve("state-1")));
    c.putAll(FraudDemo.alertRules());
    c.put(ConfigKeys.INPUT_TOPIC, "tx-an");
    c.put(ConfigKeys.OUTPUT_TOPIC, "pred-an");
    c.put(ConfigKeys.ALERTS_TOPIC, "alerts-an");
    c.put(ConfigKeys.DLQ_TOPIC, "dlq-an");
    c.put(ConfigKeys.BATCH_MAX_LINGER_MS, "100");

    try (OutputCollector out =
        new OutputCollector(
            stack.kafka().bootstrapServers(), registry, "pred-an", "alerts-an", "dlq-an")) {
      // 1. the data as it is: rules compared at equal volume, no drift
      SimpleMeterRegistry meters = new SimpleMeterRegistry();
      try (SluiceApplication app =
          SluiceApplication.create(ConfigLoader.load(Optional.empty(), Map.of(), c), meters)) {
        app.start();
        produce("tx-an", events);
        assertThat(out.awaitOutputs(events.size(), Duration.ofMinutes(2))).isTrue();
        out.poll(Duration.ofSeconds(1));
      }
      assertThat(out.predictions()).hasSize(events.size());
      RuleComparison comparison = RuleComparison.of(out.predictions(), out.alerts(), "1");
      System.out.printf(
          Locale.ROOT,
          "fraud data, frauds caught at equal alert volume:%n%s%n",
          comparison.describe());
      assertThat(comparison.keyAlerts()).isPositive();
      assertThat(comparison.combined().alerts())
          .isLessThanOrEqualTo(comparison.thresholdOnly().alerts());
      assertThat(comparison.thresholdOnly().frauds()).isGreaterThan(400);
      assertThat(out.alerts()).noneMatch(a -> a.getKind().equals(DriftRule.KIND));
      for (DistributionSummary psi : meters.find("sluice.drift.psi").summaries()) {
        System.out.printf(
            Locale.ROOT,
            "training-like rows: PSI of %s over %d windows, largest %.4f%n",
            psi.getId().getTag("metric"),
            psi.count(),
            psi.max());
        assertThat(psi.count()).isGreaterThanOrEqualTo(4);
        assertThat(psi.max()).isLessThan(0.25);
      }
      assertThat(meters.find("sluice.drift.psi").summaries()).hasSize(2);

      // 2. a restart on a fresh state directory restores every card's state from the changelog
      c.put(ConfigKeys.STATE_DIR, work.resolve("state-2").toString());
      meters = new SimpleMeterRegistry();
      try (SluiceApplication app =
          SluiceApplication.create(ConfigLoader.load(Optional.empty(), Map.of(), c), meters)) {
        app.start();
        ReadOnlyKeyValueStore<String, byte[]> store =
            app.streams()
                .store(
                    StoreQueryParameters.fromNameAndType(
                        TopologyFactory.keyStoreName("fraud"),
                        QueryableStoreTypes.<String, byte[]>keyValueStore()));
        Map<String, Long> perCard =
            events.stream()
                .collect(Collectors.groupingBy(CardTransaction::getCardId, Collectors.counting()));
        for (Map.Entry<String, Long> card : perCard.entrySet()) {
          byte[] state = store.get(card.getKey());
          assertThat(state).as(card.getKey()).isNotNull();
          assertThat(KeyState.fromBytes(state).events())
              .as(card.getKey())
              .isEqualTo(card.getValue());
        }
        assertThat(store.approximateNumEntries()).isEqualTo(perCard.size());

        // 3. the same rows with amounts ten times larger, after the data's last window
        List<CardTransaction> scaled = scaled(events.subList(0, 2_500), 10, 20);
        int before = out.predictions().size();
        produce("tx-an", scaled);
        assertThat(out.awaitOutputs(before + scaled.size(), Duration.ofMinutes(2))).isTrue();
        out.poll(Duration.ofSeconds(1));
      }
      List<Alert> drift =
          out.alerts().stream().filter(a -> a.getKind().equals(DriftRule.KIND)).toList();
      drift.forEach(
          a ->
              System.out.printf(
                  Locale.ROOT,
                  "drift alert %s: PSI %.4f over %.0f events%n",
                  a.getId(),
                  a.getScore(),
                  a.getCompared().get("events")));
      for (DistributionSummary psi : meters.find("sluice.drift.psi").summaries()) {
        System.out.printf(
            Locale.ROOT,
            "after the restart: PSI of %s over %d windows, largest %.4f%n",
            psi.getId().getTag("metric"),
            psi.count(),
            psi.max());
      }
      Instant scaledStart = FRAUD_START.plus(Duration.ofMinutes(20));
      assertThat(drift)
          .as("only windows of scaled rows drift")
          .allSatisfy(a -> assertThat(a.getWindowStart()).isAfterOrEqualTo(scaledStart));
      assertThat(drift)
          .filteredOn(a -> a.getMetric().equals("Amount"))
          .as("both partitions' windows of scaled rows")
          .hasSizeGreaterThanOrEqualTo(4)
          .allSatisfy(a -> assertThat(a.getScore()).isGreaterThan(0.25));
      assertThat(out.alerts())
          .filteredOn(a -> a.getKind().equals(KeyBehaviourRule.KIND))
          .allSatisfy(a -> assertThat(a.getCompared().get("events")).isGreaterThanOrEqualTo(5.0));
    }
  }

  @Test
  void intrusionDetectionMeasuredOnTheStreamMatchesTheOfflineTestScores() throws Exception {
    Path descriptorPath = IntrusionDemo.ensureModel(DATA_DIR, work.resolve("models"));
    ModelDescriptor descriptor = ModelDescriptor.read(descriptorPath);
    List<NetworkConnection> events = IntrusionEvents.read(DATA_DIR);
    stack.kafka().createTopics(2, "conn", "pred-conn", "alerts-conn", "dlq-conn");
    Map<String, String> c =
        new HashMap<>(
            IntrusionDemo.pipelineConfig(
                stack, descriptorPath, "it-intrusion", work.resolve("state-intrusion")));
    c.put(ConfigKeys.INPUT_TOPIC, "conn");
    c.put(ConfigKeys.OUTPUT_TOPIC, "pred-conn");
    c.put(ConfigKeys.ALERTS_TOPIC, "alerts-conn");
    c.put(ConfigKeys.DLQ_TOPIC, "dlq-conn");
    c.put(ConfigKeys.BATCH_MAX_SIZE, "256");

    try (SluiceApplication app =
            SluiceApplication.create(
                ConfigLoader.load(Optional.empty(), Map.of(), c), new SimpleMeterRegistry());
        OutputCollector out =
            new OutputCollector(
                stack.kafka().bootstrapServers(),
                registry,
                "pred-conn",
                "alerts-conn",
                "dlq-conn")) {
      app.start();
      long started = System.nanoTime();
      IntrusionDemo.produce(stack.kafka().bootstrapServers(), registry, "conn", events);
      assertThat(out.awaitOutputs(events.size(), Duration.ofMinutes(3))).isTrue();
      double seconds = (System.nanoTime() - started) / 1e9;
      out.poll(Duration.ofSeconds(1));

      assertThat(out.predictions()).hasSize(events.size());
      assertThat(out.deadLetters()).isEmpty();
      IntrusionDemo.Detection d =
          IntrusionDemo.Detection.of(out.predictions(), descriptor.alertThreshold().getAsDouble());
      ThresholdMetrics m = d.metrics();
      System.out.printf(
          Locale.ROOT,
          "KDDTest+ from the stream (%d predictions in %.1f s): accuracy %.4f precision %.4f"
              + " recall %.4f ROC-AUC %.4f (TP %d FP %d FN %d TN %d)%n",
          d.labelled(),
          seconds,
          m.accuracy(),
          m.precision(),
          m.recall(),
          d.rocAuc(),
          m.truePositives(),
          m.falsePositives(),
          m.falseNegatives(),
          m.trueNegatives());
      assertThat(d.labelled()).isEqualTo(22_544);
      assertThat(m.truePositives() + m.falseNegatives()).isEqualTo(12_833);
      // the stream scores in float32 with ONNX Runtime, training scored in double with Tribuo
      Function<String, Double> offline = k -> ((Number) descriptor.training().get(k)).doubleValue();
      assertThat(m.accuracy()).isCloseTo(offline.apply("testAccuracy"), within(5e-4));
      assertThat(m.precision()).isCloseTo(offline.apply("testPrecision"), within(5e-4));
      assertThat(m.recall()).isCloseTo(offline.apply("testRecall"), within(5e-4));
      assertThat(m.accuracy()).isGreaterThan(0.7);

      // floods of one service become one alert per cooldown, with the count held back
      long summaries = out.alerts().stream().filter(a -> a.getSuppressedCount() > 0).count();
      long heldBack = out.alerts().stream().mapToLong(Alert::getSuppressedCount).sum();
      long thresholdAlerts =
          out.alerts().stream()
              .filter(a -> a.getKind().equals(ThresholdRule.KIND) && a.getSuppressedCount() == 0)
              .count();
      System.out.printf(
          Locale.ROOT,
          "intrusion alerts: %d threshold alerts sent, %d held back (in %d summaries), %s%n",
          thresholdAlerts,
          heldBack,
          summaries,
          out.alerts().stream()
              .collect(Collectors.groupingBy(Alert::getKind, Collectors.counting())));
      assertThat(thresholdAlerts).isLessThan(m.truePositives() + m.falsePositives());
      assertThat(out.alerts())
          .filteredOn(a -> a.getKind().equals(ThresholdRule.KIND) && a.getSuppressedCount() == 0)
          .allSatisfy(a -> assertThat(a.getContributions()).hasSize(3));
    }
  }

  private static void produce(String topic, List<CardTransaction> events) {
    FraudDemo.produce(stack.kafka().bootstrapServers(), registry, topic, events, false);
  }

  /** The rows with amounts times {@code factor}, new ids, event times from minute {@code from}. */
  private static List<CardTransaction> scaled(
      List<CardTransaction> rows, double factor, int fromMinute) {
    List<CardTransaction> out = new ArrayList<>(rows.size());
    Instant start = FRAUD_START.plus(Duration.ofMinutes(fromMinute));
    for (int i = 0; i < rows.size(); i++) {
      CardTransaction r = rows.get(i);
      out.add(
          CardTransaction.newBuilder(r)
              .setId("scaled-" + r.getId())
              .setAmount(r.getAmount() * factor)
              .setEventTime(start.plusMillis(i * 250L))
              .build());
    }
    return out;
  }
}
