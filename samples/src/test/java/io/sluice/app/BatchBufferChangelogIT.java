package io.sluice.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.config.ConfigKeys;
import io.sluice.config.ConfigLoader;
import io.sluice.embedded.EmbeddedStack;
import io.sluice.samples.FraudDemo;
import io.sluice.samples.FraudEvents;
import io.sluice.samples.OutputCollector;
import io.sluice.schemas.CardTransaction;
import io.sluice.schemas.Prediction;
import io.sluice.serde.RegistrySettings;
import io.sluice.serde.RestSchemaRegistryClient;
import io.sluice.serde.SchemaRegistryClient;
import io.sluice.topology.TopologyFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What waiting in a batch costs in changelog writes on a real broker: nothing. The records wait in
 * memory and are scored before every commit, so the batch buffer of older versions, still in the
 * topology to be drained, gets no record at all, at exactly-once's 100 ms commit interval, while
 * every event is scored exactly once.
 */
class BatchBufferChangelogIT {
  private static final Path DATA_DIR =
      Path.of(System.getProperty("sluice.data.dir", "../shared/data"));
  private static final String APP_ID = "it-buffer-changelog";
  private static final int ROUNDS = 8;

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
  void recordsWaitingInBatchesWriteNothingToTheChangelog() throws Exception {
    Path descriptor = FraudDemo.ensureModel(DATA_DIR, work.resolve("models"));
    List<CardTransaction> rows = FraudEvents.read(DATA_DIR);
    stack.kafka().createTopics(2, "tx-bc", "pred-bc", "alerts-bc", "dlq-bc");
    Map<String, String> c =
        new HashMap<>(FraudDemo.pipelineConfig(stack, descriptor, APP_ID, work.resolve("state")));
    c.put(ConfigKeys.INPUT_TOPIC, "tx-bc");
    c.put(ConfigKeys.OUTPUT_TOPIC, "pred-bc");
    c.put(ConfigKeys.ALERTS_TOPIC, "alerts-bc");
    c.put(ConfigKeys.DLQ_TOPIC, "dlq-bc");

    int events = 0;
    try (OutputCollector out =
            new OutputCollector(
                stack.kafka().bootstrapServers(), registry, "pred-bc", "alerts-bc", "dlq-bc");
        SluiceApplication app =
            SluiceApplication.create(
                ConfigLoader.load(Optional.empty(), Map.of(), c), new SimpleMeterRegistry())) {
      app.start();
      // A steady stream in rounds rather than one backlog: several commits land while records
      // are buffered and batches are in flight.
      for (int round = 0; round < ROUNDS; round++) {
        List<CardTransaction> batch = renamed(rows, round);
        events +=
            FraudDemo.produce(stack.kafka().bootstrapServers(), registry, "tx-bc", batch, false);
        Thread.sleep(1_000);
      }
      assertThat(out.awaitOutputs(events, Duration.ofMinutes(2))).isTrue();
      out.poll(Duration.ofSeconds(1));
      Set<String> ids =
          out.predictions().stream().map(Prediction::getEventId).collect(Collectors.toSet());
      assertThat(out.predictions()).hasSize(events);
      assertThat(ids).hasSize(events);
      // Every prediction is committed, and many commits fell while records waited.
      report("running", events);
    }
    report("after a clean close", events);
  }

  private static void report(String when, int events) throws Exception {
    String changelog = APP_ID + "-" + TopologyFactory.bufferStoreName("fraud") + "-changelog";
    long endOffsets = endOffsets(changelog);
    long records = countRecords(changelog);
    System.out.printf(
        Locale.ROOT,
        "batch buffer changelog %s, %s: %d records (%d with transaction markers) for %d events:"
            + " %.4f records per event (%.4f with markers); the buffer of earlier versions wrote 2 per event, then 0.04%n",
        changelog,
        when,
        records,
        endOffsets,
        events,
        (double) records / events,
        (double) endOffsets / events);
    assertThat(records).isZero();
    assertThat(endOffsets).isZero();
  }

  /** The rows with ids of their own round, so that every event is told apart in the output. */
  private static List<CardTransaction> renamed(List<CardTransaction> rows, int round) {
    List<CardTransaction> out = new ArrayList<>(rows.size());
    for (CardTransaction r : rows) {
      out.add(CardTransaction.newBuilder(r).setId("r" + round + "-" + r.getId()).build());
    }
    return out;
  }

  private static long endOffsets(String topic) throws Exception {
    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
    for (int p = 0; p < 2; p++) {
      latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
    }
    long sum = 0;
    for (ListOffsetsResult.ListOffsetsResultInfo info :
        stack.kafka().admin().listOffsets(latest).all().get().values()) {
      sum += info.offset();
    }
    return sum;
  }

  /** Every record of the topic, committed or not: what the buffer wrote. */
  private static long countRecords(String topic) {
    Map<String, Object> config = new HashMap<>();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka().bootstrapServers());
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions =
          List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1));
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      long count = 0;
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (System.nanoTime() < deadline
          && partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        count += consumer.poll(Duration.ofMillis(200)).count();
      }
      return count;
    }
  }
}
