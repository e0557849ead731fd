package io.sluice.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.config.ConfigKeys;
import io.sluice.config.ConfigLoader;
import io.sluice.embedded.EmbeddedStack;
import io.sluice.inference.KeyShare;
import io.sluice.samples.FraudEvents;
import io.sluice.samples.RolloutDemo;
import io.sluice.schemas.Alert;
import io.sluice.schemas.CardTransaction;
import io.sluice.schemas.Prediction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The model lifecycle on a real broker and registry, two instances of one application under
 * continuous load, driven through the control topic: four bad versions refused by both while the
 * champion serves on, a 20% canary split by key, a promotion and a rollback; every event predicted
 * exactly once, and per partition no prediction of a replaced version after its replacement's
 * first. Then a restarted instance serves the champion it finds on the control topic.
 */
class ModelLifecycleIT {
  private static final Path DATA_DIR =
      Path.of(System.getProperty("sluice.data.dir", "../shared/data"));
  private static final String LOGREG = "fraud-logreg:1";
  private static final String FM = "fraud-fm:1";

  @TempDir static Path work;
  private static EmbeddedStack stack;

  @BeforeAll
  static void startStack() {
    stack = EmbeddedStack.start();
  }

  @AfterAll
  static void stopStack() {
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  void rollsOutRefusesCanariesPromotesAndRollsBackOnTwoInstancesWithoutLosingAnEvent()
      throws Exception {
    RolloutDemo.Outcome o =
        new RolloutDemo(DATA_DIR, work.resolve("models"), System.out)
            .rollout(stack, work, "it-lifecycle");

    // exactly once per event, across every change
    assertThat(o.deadLetters()).isZero();
    assertThat(RolloutDemo.lost(o)).isZero();
    assertThat(RolloutDemo.duplicated(o)).isZero();
    assertThat(o.predictions()).hasSameSizeAs(o.produced().keySet());

    // every bad version refused by both instances at its own check, counted by the metric
    assertThat(o.status()).containsOnlyKeys(RolloutDemo.INSTANCES);
    for (Properties status : o.status().values()) {
      Set<String> checks = new LinkedHashSet<>();
      for (int i = 0; status.getProperty("refused." + i + ".check") != null; i++) {
        checks.add(status.getProperty("refused." + i + ".check"));
        assertThat(status.getProperty("refused." + i + ".reason")).isNotBlank();
      }
      assertThat(checks).containsExactlyInAnyOrder("session", "sha256", "signature", "golden");
      assertThat(status.getProperty("champion.id")).isEqualTo(LOGREG);
      assertThat(status.getProperty("challenger.id")).isNull();
    }
    assertThat(o.refusedCount().values()).containsOnly(4.0);
    // what `sluice model status` prints: each instance's versions and refusals
    String report = ModelControl.report(o.config());
    assertThat(report)
        .contains("desired: champion " + o.champion())
        .contains("instance a (status at ", "instance b (status at ")
        .contains("check 'sha256'", "check 'golden'", "check 'signature'", "check 'session'");
    assertThat(
            report
                .lines()
                .filter(l -> l.matches("\\s+champion\\s+" + LOGREG + "\\s+serving since .*")))
        .hasSize(2);

    // no bad version ever scored; while they were refused, the champion scored every event
    assertThat(o.predictions()).extracting(ModelLifecycleIT::version).containsOnly(LOGREG, FM);
    for (RolloutDemo.Phase phase : o.phases()) {
      if (phase.name().contains("refused")) {
        assertThat(inPhase(o, phase)).isNotEmpty().allMatch(p -> version(p).equals(LOGREG));
      }
    }

    // per partition and per key class: logreg, then fm, then logreg again, never back and forth
    Map<Integer, List<Prediction>> byPartition =
        o.predictions().stream()
            .sorted(Comparator.comparingLong(Prediction::getSourceOffset))
            .collect(Collectors.groupingBy(Prediction::getSourcePartition));
    int canaryPredictions = 0;
    for (List<Prediction> partition : byPartition.values()) {
      for (boolean canaryKeys : new boolean[] {true, false}) {
        List<String> runs = new ArrayList<>();
        for (Prediction p : partition) {
          if (onCanary(p.getKey()) == canaryKeys
              && (runs.isEmpty() || !runs.get(runs.size() - 1).equals(version(p)))) {
            runs.add(version(p));
          }
        }
        assertThat(runs)
            .as("versions in offset order, partition %s", partition.get(0).getSourcePartition())
            .containsExactly(LOGREG, FM, LOGREG);
      }
      // Before a non-canary key's first fm prediction (the promotion), fm scored canary keys only,
      // and it did score some: the canary was real.
      long promotion =
          partition.stream()
              .filter(p -> !onCanary(p.getKey()) && version(p).equals(FM))
              .mapToLong(Prediction::getSourceOffset)
              .min()
              .orElseThrow();
      for (Prediction p : partition) {
        if (p.getSourceOffset() < promotion && version(p).equals(FM)) {
          assertThat(onCanary(p.getKey())).as(p.getKey()).isTrue();
          canaryPredictions++;
        }
      }
    }
    assertThat(canaryPredictions).isPositive();

    // each event alert names the version whose prediction raised it, the canary's included
    Map<String, String> versionOf =
        o.predictions().stream()
            .collect(Collectors.toMap(p -> p.getEventId().toString(), ModelLifecycleIT::version));
    List<Alert> eventAlerts =
        o.alerts().stream().filter(a -> a.getScope().toString().equals("event")).toList();
    assertThat(eventAlerts).isNotEmpty();
    for (Alert a : eventAlerts) {
      assertThat(a.getModelName() + ":" + a.getModelVersion())
          .as(a.getId().toString())
          .isEqualTo(versionOf.get(a.getEventId().toString()));
    }
    assertThat(eventAlerts).anySatisfy(a -> assertThat(a.getModelName()).isEqualTo("fraud-fm"));

    // the canary's share of the data set's cards: 20% +- 3%
    List<CardTransaction> events = FraudEvents.read(DATA_DIR);
    Set<String> cards = events.stream().map(CardTransaction::getCardId).collect(Collectors.toSet());
    long onChallenger = cards.stream().filter(ModelLifecycleIT::onCanary).count();
    assertThat(onChallenger / (double) cards.size()).isBetween(0.17, 0.23);

    // the desired state survives every instance: a new one serves the control topic's champion,
    // not its configured one
    ModelControl.update(o.config(), s -> s.deploy(o.challenger().toString(), 5));
    Map<String, String> c = new HashMap<>();
    c.put(ConfigKeys.APPLICATION_ID, "it-lifecycle");
    c.put(ConfigKeys.BOOTSTRAP_SERVERS, stack.kafka().bootstrapServers());
    c.put(ConfigKeys.REGISTRY_URL, stack.registry().url());
    c.put(ConfigKeys.STATE_DIR, work.resolve("state-c").toString());
    c.put(ConfigKeys.MODEL_DESCRIPTOR, o.champion().toString());
    c.put(ConfigKeys.INPUT_TOPIC, RolloutDemo.INPUT);
    c.put(ConfigKeys.OUTPUT_TOPIC, RolloutDemo.OUTPUT);
    c.put(ConfigKeys.ALERTS_TOPIC, RolloutDemo.ALERTS);
    c.put(ConfigKeys.DLQ_TOPIC, RolloutDemo.DEAD_LETTERS);
    c.put(ConfigKeys.METRICS_PORT, "-1");
    c.put(ConfigKeys.MODEL_INSTANCE_ID, "c");
    try (SluiceApplication restarted =
        SluiceApplication.create(
            ConfigLoader.load(Optional.empty(), Map.of(), c), new SimpleMeterRegistry())) {
      assertThat(restarted.model().descriptor().id()).isEqualTo(FM);
      assertThat(restarted.versions().status().champion().descriptor())
          .isEqualTo(o.challenger().toString());
    }
  }

  private static List<Prediction> inPhase(RolloutDemo.Outcome o, RolloutDemo.Phase phase) {
    return o.predictions().stream()
        .filter(
            p -> {
              long seq = o.produced().get(p.getEventId());
              return seq >= phase.from() && seq < phase.to();
            })
        .toList();
  }

  private static boolean onCanary(String key) {
    return KeyShare.onChallenger(key.getBytes(StandardCharsets.UTF_8), RolloutDemo.CANARY_SHARE);
  }

  private static String version(Prediction p) {
    return RolloutDemo.version(p);
  }
}
