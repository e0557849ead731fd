package io.sluice.replay;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.app.SluiceApplication;
import io.sluice.config.ConfigKeys;
import io.sluice.config.ConfigLoader;
import io.sluice.config.SluiceConfig;
import io.sluice.descriptor.ModelDescriptor;
import io.sluice.embedded.EmbeddedStack;
import io.sluice.eval.ClassificationMetrics;
import io.sluice.samples.IntrusionDemo;
import io.sluice.samples.IntrusionEvents;
import io.sluice.schemas.NetworkConnection;
import io.sluice.schemas.Prediction;
import io.sluice.serde.AvroRecordDecoder;
import io.sluice.serde.RegistrySettings;
import io.sluice.serde.RestSchemaRegistryClient;
import io.sluice.serde.SchemaRegistryClient;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The intrusion model (categorical inputs one-hot encoded, {@code pipeline.features=*}) live over
 * NSL-KDD connections, then replayed over the same records: replay goes through the same kind and
 * the same batch-scoring loop, so it scores every record the live pipeline scored and its metrics
 * are those of the live pipeline's predictions.
 */
class IntrusionReplayIT {
  private static final Path DATA_DIR =
      Path.of(System.getProperty("sluice.data.dir", "../shared/data"));
  private static final int EVENTS = 3000;
  private static final String INPUT = "connections-replay";
  private static final String PREDICTIONS = "intrusion-pred-live";
  private static final String ALERTS = "intrusion-alerts-live";
  private static final String DEAD_LETTERS = "intrusion-dlq-live";

  @TempDir static Path work;
  private static EmbeddedStack stack;
  private static Path descriptor;
  private static SchemaRegistryClient registry;
  private static SluiceConfig config;
  private static List<NetworkConnection> events;

  @BeforeAll
  static void startStackAndRecordTraffic() throws Exception {
    stack = EmbeddedStack.start();
    descriptor = IntrusionDemo.ensureModel(DATA_DIR, work.resolve("models"));
    registry = new RestSchemaRegistryClient(RegistrySettings.of(stack.registry().url()));
    events = IntrusionEvents.read(DATA_DIR).subList(0, EVENTS);
    stack.kafka().createTopics(2, INPUT, PREDICTIONS, ALERTS, DEAD_LETTERS);
    IntrusionDemo.produce(stack.kafka().bootstrapServers(), registry, INPUT, events);
    Map<String, String> c =
        new HashMap<>(
            IntrusionDemo.pipelineConfig(
                stack, descriptor, "intrusion-live", work.resolve("state")));
    c.put(ConfigKeys.INPUT_TOPIC, INPUT);
    c.put(ConfigKeys.OUTPUT_TOPIC, PREDICTIONS);
    c.put(ConfigKeys.ALERTS_TOPIC, ALERTS);
    c.put(ConfigKeys.DLQ_TOPIC, DEAD_LETTERS);
    c.put(ConfigKeys.METRICS_PORT, "-1");
    config = ConfigLoader.load(Optional.empty(), Map.of(), c);
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

  /** Every record of a topic, read from the beginning until {@code count} have come. */
  private static List<ConsumerRecord<byte[], byte[]>> read(String topic, int count) {
    Map<String, Object> c =
        Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
            stack.kafka().bootstrapServers(),
            ConsumerConfig.GROUP_ID_CONFIG,
            "reader-" + UUID.randomUUID(),
            ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
            "earliest",
            ConsumerConfig.ISOLATION_LEVEL_CONFIG,
            "read_committed");
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(topic));
      long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
      while (out.size() < count && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(out::add);
      }
      // Anything beyond the count would be a duplicate: give it a moment to show.
      consumer.poll(Duration.ofMillis(500)).forEach(out::add);
    }
    return out;
  }

  @Test
  void replayScoresWhatTheLivePipelineScoredAndMeasuresItsPredictions() throws Exception {
    List<Prediction> live;
    try (SluiceApplication app = SluiceApplication.create(config, new SimpleMeterRegistry())) {
      app.start();
      AvroRecordDecoder<Prediction> decoder =
          AvroRecordDecoder.specific(registry, Prediction.class);
      live = read(PREDICTIONS, EVENTS).stream().map(r -> decoder.decode(r.value())).toList();
    }
    // The live pipeline scores every connection: nothing is dead-lettered.
    assertThat(live).hasSize(EVENTS);
    try (Admin admin = stack.kafka().admin()) {
      Map<TopicPartition, OffsetSpec> query = new HashMap<>();
      for (int p = 0; p < 2; p++) {
        query.put(new TopicPartition(DEAD_LETTERS, p), OffsetSpec.latest());
      }
      assertThat(admin.listOffsets(query).all().get().values())
          .allSatisfy(r -> assertThat(r.offset()).isZero());
    }

    StringWriter progress = new StringWriter();
    ReplayReport report =
        Replay.run(
            new Replay.Settings(config, List.of(descriptor), ReplayRange.all(), Optional.empty()),
            registry,
            total -> new Progress(new PrintWriter(progress, true), false, total));
    assertThat(report.recordsInRange()).isEqualTo(EVENTS);
    ReplayReport.VersionReport v = report.versions().get(0);
    // Nothing the live pipeline scored is dead-lettered by replay (its categorical inputs are
    // one-hot encoded as live), and every record is scored once.
    assertThat(v.deadLetters()).isEmpty();
    assertThat(v.predictions()).isEqualTo(EVENTS);

    // The replay's metrics are those of the live pipeline's predictions.
    ModelDescriptor d = ModelDescriptor.read(descriptor);
    String positive = d.positiveLabel().orElseThrow();
    double threshold = d.alertThreshold().orElse(0.5);
    List<Prediction> labelled =
        live.stream()
            .filter(p -> p.getLabel() != null && d.labels().contains(p.getLabel().toString()))
            .sorted(
                Comparator.comparingInt(Prediction::getSourcePartition)
                    .thenComparingLong(Prediction::getSourceOffset))
            .toList();
    ClassificationMetrics fromLive =
        ClassificationMetrics.of(
            labelled.stream().mapToDouble(Prediction::getScore).toArray(),
            labelled.stream()
                .mapToInt(p -> p.getLabel().toString().equals(positive) ? 1 : 0)
                .toArray(),
            threshold);
    assertThat(v.metrics()).isEqualTo(fromLive);
    assertThat(v.metrics().records()).isEqualTo(labelled.size());
    assertThat(v.unlabelled()).isEqualTo(EVENTS - labelled.size());
    assertThat(v.alerts()).isEqualTo(live.stream().filter(p -> p.getScore() >= threshold).count());
    // the test file's events are not among the training file's rows
    assertThat(v.training().recorded()).isTrue();
    assertThat(v.training().inTraining()).isZero();
  }

  @Test
  void theModelAgainstItselfGetsAVerdictOfNoSignificantDifferenceOnItsLabelledRecords()
      throws Exception {
    // the same model under another version
    com.fasterxml.jackson.databind.node.ObjectNode d =
        (com.fasterxml.jackson.databind.node.ObjectNode)
            new com.fasterxml.jackson.databind.ObjectMapper().readTree(descriptor.toFile());
    d.put("version", "2");
    Path copy = descriptor.resolveSibling("intrusion-v2.json");
    new com.fasterxml.jackson.databind.ObjectMapper().writeValue(copy.toFile(), d);
    ReplayReport report =
        Replay.run(
            new Replay.Settings(
                config, List.of(descriptor, copy), ReplayRange.all(), Optional.empty()),
            registry,
            total -> new Progress(new PrintWriter(new StringWriter(), true), false, total));

    ReplayReport.VersionReport v = report.versions().get(0);
    ReplayReport.Comparison c = report.comparisons().get(0);
    assertThat(c.verdicts())
        .extracting(ReplayReport.MetricVerdict::metric)
        .containsExactly(
            "ROC-AUC",
            "PR-AUC",
            "recall at equal alert volume",
            "precision at equal alert volume",
            "F1 at equal alert volume");
    assertThat(c.verdicts())
        .allSatisfy(
            mv -> {
              assertThat(mv.records()).isEqualTo(v.metrics().records());
              assertThat(mv.difference()).isZero();
              assertThat(mv.low()).isZero();
              assertThat(mv.high()).isZero();
              assertThat(mv.verdict()).isEqualTo("no significant difference");
            });
    assertThat(c.on("ROC-AUC").orElseThrow().champion()).isEqualTo(v.metrics().rocAuc());
    assertThat(c.on("recall at equal alert volume").orElseThrow().champion())
        .isEqualTo(v.metrics().recall());
    assertThat(c.verdict())
        .isEqualTo(
            report.versions().get(1).model()
                + " against "
                + v.model()
                + ": no significant difference on "
                + v.metrics().records()
                + " labelled records: ROC-AUC +0.0000 (95% CI +0.0000 to +0.0000)");
    System.out.println(c.verdict());
  }
}
