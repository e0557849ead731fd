package io.sluice.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.config.ConfigKeys;
import io.sluice.config.ConfigLoader;
import io.sluice.embedded.EmbeddedStack;
import io.sluice.embedded.FreezableProxy;
import io.sluice.samples.FraudDemo;
import io.sluice.samples.FraudEvents;
import io.sluice.samples.OutputCollector;
import io.sluice.samples.SampleProducer;
import io.sluice.schemas.CardTransaction;
import io.sluice.schemas.Prediction;
import io.sluice.serde.SchemaRegistryClient;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.avro.Schema;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The schema registry goes away (a proxy in front of the embedded one is frozen) while a record
 * with a schema the application has never seen arrives on one partition: that partition is held
 * back from this record on, the other partition's records (known schema) keep coming out, and once
 * the registry is back the held records come out in order, each once, nothing dead-lettered. The
 * application is started again during the outage and goes on as before: the schemas and ids it had
 * are on disk, and the held records are in a changelogged store.
 */
class RegistryOutageIT {

  @TempDir static Path work;
  private static FraudFixture fixture;
  private static EmbeddedStack stack;
  private static Path descriptor;
  private static SchemaRegistryClient registry;
  private static List<CardTransaction> events;

  @BeforeAll
  static void startStack() throws Exception {
    fixture = FraudFixture.start(work, 70);
    stack = fixture.stack();
    descriptor = fixture.descriptor();
    registry = fixture.registry();
    events = fixture.events();
  }

  @AfterAll
  static void stopStack() {
    if (fixture != null) {
      fixture.close();
    }
  }

  @Test
  void anUnknownSchemaDuringAnOutageHoldsBackOnlyItsPartitionAndNothingIsLost() throws Exception {
    stack.kafka().createTopics(2, "tx-outage", "pred-outage", "alerts-outage", "dlq-outage");
    int registryPort = URI.create(stack.registry().url()).getPort();
    Serializer<CardTransaction> known = SampleProducer.serializer(registry, CardTransaction.class);
    Schema widened = FraudEvents.widenedSchema();
    try (FreezableProxy proxy = new FreezableProxy(registryPort);
        OutputCollector out =
            new OutputCollector(
                stack.kafka().bootstrapServers(),
                registry,
                "pred-outage",
                "alerts-outage",
                "dlq-outage");
        KafkaProducer<String, byte[]> producer =
            SampleProducer.create(stack.kafka().bootstrapServers())) {
      Map<String, String> c =
          new HashMap<>(
              FraudDemo.pipelineConfig(stack, descriptor, "it-outage", work.resolve("state")));
      c.put(ConfigKeys.INPUT_TOPIC, "tx-outage");
      c.put(ConfigKeys.OUTPUT_TOPIC, "pred-outage");
      c.put(ConfigKeys.ALERTS_TOPIC, "alerts-outage");
      c.put(ConfigKeys.DLQ_TOPIC, "dlq-outage");
      c.put(ConfigKeys.METRICS_PORT, "-1");
      c.put(
          ConfigKeys.REGISTRY_URL,
          stack.registry().url().replace(":" + registryPort, ":" + proxy.port()));
      // A frozen registry answers nothing: each request gives up after this long.
      c.put(ConfigKeys.REGISTRY_TIMEOUT_MS, "1000");
      SimpleMeterRegistry meters = new SimpleMeterRegistry();
      SluiceApplication app =
          SluiceApplication.create(ConfigLoader.load(Optional.empty(), Map.of(), c), meters);
      try {
        app.start();
        List<CardTransaction> before = events.subList(0, 20);
        for (int i = 0; i < before.size(); i++) {
          send(
              producer,
              i % 2,
              before.get(i).getCardId(),
              known.serialize("tx-outage", before.get(i)));
        }
        assertThat(out.awaitOutputs(before.size(), Duration.ofMinutes(1)))
            .as("before the outage: %s", out.describe())
            .isTrue();

        int newId = registry.register("tx-outage-value", widened);
        proxy.freeze();
        // Partition 0: a record of the new schema first, then records of the known one behind it.
        List<CardTransaction> held = events.subList(20, 40);
        send(
            producer,
            0,
            held.get(0).getCardId(),
            FraudEvents.encodeWidened(widened, newId, held.get(0)));
        for (CardTransaction e : held.subList(1, held.size())) {
          send(producer, 0, e.getCardId(), known.serialize("tx-outage", e));
        }
        // Partition 1: known schema only; it goes on during the outage.
        List<CardTransaction> flowing = events.subList(40, 60);
        for (CardTransaction e : flowing) {
          send(producer, 1, e.getCardId(), known.serialize("tx-outage", e));
        }
        assertThat(out.awaitOutputs(before.size() + flowing.size(), Duration.ofMinutes(1)))
            .as("partition 1 during the outage: %s", out.describe())
            .isTrue();
        assertThat(ids(out.predictions())).doesNotContainAnyElementsOf(idsOf(held));
        assertThat(ids(out.predictions())).containsAll(idsOf(flowing));
        Gauge heldBack = meters.get("sluice.records.held.back").gauge();
        assertThat(out.pollUntil(() -> heldBack.value() == held.size(), Duration.ofMinutes(1)))
            .as("held back: %s", heldBack.value())
            .isTrue();
        assertThat(ids(out.predictions())).doesNotContainAnyElementsOf(idsOf(held));
        assertThat(
                out.pollUntil(
                    () -> meters.find("sluice.registry.outages").counter() != null,
                    Duration.ofMinutes(1)))
            .as("the outage is counted")
            .isTrue();
        assertThat(meters.get("sluice.registry.outages").counter().count()).isEqualTo(1);

        // Started again while the registry is still away: the schemas and ids it had are on disk
        // under its state directory, so it reads and writes as before, and the held records
        // (in the changelogged store) are still held.
        app.close();
        SimpleMeterRegistry restarted = new SimpleMeterRegistry();
        app = SluiceApplication.create(ConfigLoader.load(Optional.empty(), Map.of(), c), restarted);
        app.start();
        List<CardTransaction> afterRestart = events.subList(60, 70);
        for (CardTransaction e : afterRestart) {
          send(producer, 1, e.getCardId(), known.serialize("tx-outage", e));
        }
        int beforeThaw = before.size() + flowing.size() + afterRestart.size();
        assertThat(out.awaitOutputs(beforeThaw, Duration.ofMinutes(1)))
            .as("partition 1 after a restart during the outage: %s", out.describe())
            .isTrue();
        assertThat(ids(out.predictions())).doesNotContainAnyElementsOf(idsOf(held));

        proxy.thaw();
        assertThat(out.awaitOutputs(events.size(), Duration.ofMinutes(1)))
            .as("after the outage: %s", out.describe())
            .isTrue();
        out.poll(Duration.ofSeconds(2));
        FraudScenario.assertEachScoredOnce(out, events);
        assertThat(restarted.get("sluice.records.held.back").gauge().value()).isZero();
      } finally {
        app.close();
      }
    }
  }

  private static void send(
      KafkaProducer<String, byte[]> producer, int partition, String key, byte[] value)
      throws Exception {
    producer.send(new ProducerRecord<>("tx-outage", partition, key, value)).get();
  }

  private static List<String> ids(List<Prediction> predictions) {
    return predictions.stream().map(Prediction::getEventId).toList();
  }

  private static List<String> idsOf(List<CardTransaction> list) {
    List<String> ids = new ArrayList<>();
    list.forEach(e -> ids.add(e.getId()));
    return ids;
  }
}
