package io.sluice.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.config.ConfigKeys;
import io.sluice.config.ConfigLoader;
import io.sluice.eval.RocAuc;
import io.sluice.inference.InferenceSettings;
import io.sluice.inference.ModelLoader;
import io.sluice.inference.ModelRunner;
import io.sluice.samples.FraudDemo;
import io.sluice.samples.OutputCollector;
import io.sluice.schemas.CardTransaction;
import io.sluice.schemas.Prediction;
import io.sluice.serde.RecordPart;
import io.sluice.serde.RegistrySettings;
import io.sluice.serde.RestSchemaRegistryClient;
import io.sluice.serde.SchemaRegistryClient;
import io.sluice.serde.SpecificAvroSerde;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * The fraud pipeline's end-to-end scenario, against any broker and Confluent-compatible schema
 * registry (the embedded ones, or Confluent's images under Testcontainers): the credit-card events
 * with six corrupt records among them go in; every event comes out once as a prediction or a dead
 * letter, with its reason, scores equal an offline ONNX Runtime run, and alerts follow the
 * threshold.
 */
final class FraudScenario {
  private FraudScenario() {}

  /**
   * Runs the scenario on topics named after {@code suffix}, which it creates.
   *
   * @param workDir where the application keeps its state
   */
  static void runAndCheck(
      String bootstrapServers,
      String registryUrl,
      Path descriptor,
      Path workDir,
      List<CardTransaction> events,
      String suffix)
      throws Exception {
    createTopics(bootstrapServers, suffix);
    Map<String, String> c = new HashMap<>();
    c.put(ConfigKeys.APPLICATION_ID, "it-" + suffix);
    c.put(ConfigKeys.BOOTSTRAP_SERVERS, bootstrapServers);
    c.put(ConfigKeys.REGISTRY_URL, registryUrl);
    c.put(ConfigKeys.STATE_DIR, workDir.resolve("state-" + suffix).toString());
    c.put(ConfigKeys.MODEL_DESCRIPTOR, descriptor.toString());
    c.put(ConfigKeys.METRICS_PORT, "-1");
    c.put(ConfigKeys.INPUT_TOPIC, "tx-" + suffix);
    c.put(ConfigKeys.OUTPUT_TOPIC, "pred-" + suffix);
    c.put(ConfigKeys.ALERTS_TOPIC, "alerts-" + suffix);
    c.put(ConfigKeys.DLQ_TOPIC, "dlq-" + suffix);
    c.put(ConfigKeys.BATCH_MAX_SIZE, "64");
    c.put(ConfigKeys.BATCH_MAX_LINGER_MS, "100");
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    try (SchemaRegistryClient registry =
            new RestSchemaRegistryClient(RegistrySettings.of(registryUrl));
        SluiceApplication app =
            SluiceApplication.create(ConfigLoader.load(Optional.empty(), Map.of(), c), meters);
        OutputCollector out =
            new OutputCollector(
                bootstrapServers,
                registry,
                "pred-" + suffix,
                "alerts-" + suffix,
                "dlq-" + suffix)) {
      app.start();
      int produced = FraudDemo.produce(bootstrapServers, registry, "tx-" + suffix, events, true);
      List<FraudDemo.PoisonPill> pills =
          FraudDemo.poisonPills(
              new SpecificAvroSerde<>(registry, CardTransaction.class, RecordPart.VALUE, true)
                  .serializer(),
              "tx-" + suffix,
              events.get(0));
      assertThat(out.awaitOutputs(produced, Duration.ofMinutes(2))).isTrue();
      out.poll(Duration.ofSeconds(1));

      // events in = predictions out + dead letters; nothing duplicated
      assertThat(out.predictions().size() + out.deadLetters().size()).isEqualTo(produced);
      Set<String> ids =
          out.predictions().stream().map(Prediction::getEventId).collect(Collectors.toSet());
      assertThat(ids).hasSize(events.size());
      assertThat(ids)
          .isEqualTo(events.stream().map(CardTransaction::getId).collect(Collectors.toSet()));

      // every poison pill in the dead-letter topic with its reason, with its original bytes
      assertThat(out.deadLetters())
          .extracting(OutputCollector.DeadLetterRecord::reason)
          .containsExactlyInAnyOrderElementsOf(
              pills.stream().map(FraudDemo.PoisonPill::expectedReason).toList());
      for (FraudDemo.PoisonPill pill : pills) {
        assertThat(out.deadLetters())
            .anySatisfy(d -> assertThat(d.value()).isEqualTo(pill.value()));
      }
      assertThat(out.deadLetters()).allSatisfy(d -> assertThat(d.message()).isNotBlank());

      // streamed scores equal an offline ONNX Runtime run on the same rows
      Map<String, Double> offline = offlineScores(descriptor, events);
      for (Prediction p : out.predictions()) {
        assertThat(p.getScore())
            .as(p.getEventId())
            .isCloseTo(offline.get(p.getEventId()), within(1e-6));
        assertThat(p.getModelName()).isEqualTo("fraud-logreg");
      }

      // batches flushed both because they were full and because they lingered
      assertThat(meters.find("sluice.batches").tag("trigger", "size").counter().count())
          .isPositive();
      assertThat(meters.find("sluice.batches").tag("trigger", "linger").counter().count())
          .isPositive();
      assertThat(out.predictions()).anySatisfy(p -> assertThat(p.getBatchSize()).isEqualTo(64));

      // an alert for every prediction at or above the threshold, and only those
      double threshold = app.model().descriptor().alertThreshold().getAsDouble();
      long expectedAlerts =
          out.predictions().stream().filter(p -> p.getScore() >= threshold).count();
      assertThat(out.alerts()).hasSize((int) expectedAlerts);

      // the model is good on the stream too
      double[] scores = out.predictions().stream().mapToDouble(Prediction::getScore).toArray();
      int[] labels =
          out.predictions().stream().mapToInt(p -> Integer.parseInt(p.getLabel())).toArray();
      assertThat(RocAuc.rocAuc(scores, labels)).isGreaterThanOrEqualTo(0.95);
    }
  }

  /** Every event came out once as a prediction, none as a dead letter, nothing else came out. */
  static void assertEachScoredOnce(OutputCollector out, List<CardTransaction> events) {
    List<String> ids = out.predictions().stream().map(Prediction::getEventId).toList();
    assertThat(ids).hasSize(events.size()).doesNotHaveDuplicates();
    assertThat(Set.copyOf(ids))
        .isEqualTo(events.stream().map(CardTransaction::getId).collect(Collectors.toSet()));
    assertThat(out.deadLetters()).isEmpty();
  }

  private static void createTopics(String bootstrapServers, String suffix) throws Exception {
    try (Admin admin =
        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
      List<NewTopic> topics = new ArrayList<>();
      for (String prefix : List.of("tx-", "pred-", "alerts-", "dlq-")) {
        topics.add(new NewTopic(prefix + suffix, 2, (short) 1));
      }
      admin.createTopics(topics).all().get();
    }
  }

  /** The positive-class score of each event, from one offline ONNX Runtime run. */
  static Map<String, Double> offlineScores(Path descriptor, List<CardTransaction> list)
      throws Exception {
    Map<String, Double> scores = new HashMap<>();
    try (ModelRunner runner = ModelLoader.load(descriptor, InferenceSettings.defaults())) {
      List<String> order = runner.descriptor().features();
      List<float[]> rows = new ArrayList<>();
      for (CardTransaction t : list) {
        float[] row = new float[order.size()];
        for (int i = 0; i < order.size(); i++) {
          String f = order.get(i);
          double v =
              f.equals("Amount")
                  ? t.getAmount()
                  : t.getFeatures().get(Integer.parseInt(f.substring(1)) - 1);
          row[i] = (float) v;
        }
        rows.add(row);
      }
      float[][] out = runner.run(rows);
      int positive =
          runner.descriptor().labels().indexOf(runner.descriptor().positiveLabel().orElseThrow());
      for (int i = 0; i < list.size(); i++) {
        scores.put(list.get(i).getId(), (double) out[i][positive]);
      }
    }
    return scores;
  }
}
