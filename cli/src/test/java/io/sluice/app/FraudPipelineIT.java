package io.sluice.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.config.ConfigKeys;
import io.sluice.config.ConfigLoader;
import io.sluice.embedded.EmbeddedStack;
import io.sluice.samples.FraudDemo;
import io.sluice.samples.OutputCollector;
import io.sluice.schemas.CardTransaction;
import io.sluice.serde.SchemaRegistryClient;
import io.sluice.topology.TopologyFactory;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fraud pipeline end to end on a real broker and a real schema registry: every event comes out
 * once as a prediction or a dead letter, scores equal an offline ONNX Runtime run, and nothing
 * batched is lost or duplicated when the application is killed: records waiting in memory, batches
 * being scored off the stream thread, offsets committed just before.
 */
class FraudPipelineIT {

  @TempDir static Path work;
  private static FraudFixture fixture;
  private static EmbeddedStack stack;
  private static Path descriptor;
  private static SchemaRegistryClient registry;
  private static List<CardTransaction> events;

  @BeforeAll
  static void startStack() throws Exception {
    fixture = FraudFixture.start(work, Integer.MAX_VALUE);
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

  private static Map<String, String> config(String app, String suffix) {
    Map<String, String> c =
        new HashMap<>(
            FraudDemo.pipelineConfig(stack, descriptor, app, work.resolve("state-" + app)));
    c.put(ConfigKeys.INPUT_TOPIC, "tx-" + suffix);
    c.put(ConfigKeys.OUTPUT_TOPIC, "pred-" + suffix);
    c.put(ConfigKeys.ALERTS_TOPIC, "alerts-" + suffix);
    c.put(ConfigKeys.DLQ_TOPIC, "dlq-" + suffix);
    c.put(ConfigKeys.METRICS_PORT, "0");
    stack
        .kafka()
        .createTopics(2, "tx-" + suffix, "pred-" + suffix, "alerts-" + suffix, "dlq-" + suffix);
    return c;
  }

  @Test
  void everyEventComesOutOnceAsAPredictionOrADeadLetterWithOfflineScores() throws Exception {
    FraudScenario.runAndCheck(
        stack.kafka().bootstrapServers(), stack.registry().url(), descriptor, work, events, "e2e");
  }

  @Test
  void offsetsCommitOnlyWithTheirPredictionsAndAKillLosesOrRepeatsNothing() throws Exception {
    Map<String, String> c = config("it-crash", "crash");
    // A batch that neither fills nor lingers out while the first instance lives: only the commit
    // hook scores it.
    c.put(ConfigKeys.BATCH_MAX_SIZE, "100000");
    c.put(ConfigKeys.BATCH_MAX_LINGER_MS, "3600000");
    // The killed member must leave the group quickly for the restarted one to take over.
    c.put("kafka.session.timeout.ms", "6000");
    c.put("kafka.heartbeat.interval.ms", "1000");
    List<CardTransaction> some = events.subList(0, 300);
    List<CardTransaction> more = events.subList(300, 400);
    Path file = work.resolve("crash.properties");
    ChildJvm.writeProperties(file, c, "crash test");

    try (OutputCollector out = collector("crash")) {
      Process first = ChildJvm.run(file, work.resolve("child.log"));
      try {
        int produced = produceTo("tx-crash", some, false);
        awaitCommitted("it-crash", "tx-crash", produced, Duration.ofSeconds(60));
        // Committed offsets mean committed predictions: the half-full batch was scored first.
        assertThat(out.awaitOutputs(produced, Duration.ofSeconds(30))).isTrue();
      } finally {
        first.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      }

      c.put(ConfigKeys.BATCH_MAX_LINGER_MS, "200");
      try (SluiceApplication second =
          SluiceApplication.create(
              ConfigLoader.load(Optional.empty(), Map.of(), c), new SimpleMeterRegistry())) {
        second.start();
        produceTo("tx-crash", more, false);
        assertThat(out.awaitOutputs(some.size() + more.size(), Duration.ofMinutes(2))).isTrue();
        out.poll(Duration.ofSeconds(2));
      }
      FraudScenario.assertEachScoredOnce(out, events.subList(0, 400));
    }
  }

  @Test
  void eventsInFlightAndWaitingWhenKilledAreScoredOnceAfterRestart() throws Exception {
    Map<String, String> c = config("it-inflight", "inflight");
    c.put(ConfigKeys.PIPELINE_KIND, SlowClassificationKind.NAME);
    // Batches of 20 cut by size only, two in flight per task, each model call 3 s.
    c.put(ConfigKeys.BATCH_MAX_SIZE, "20");
    c.put(ConfigKeys.BATCH_MAX_LINGER_MS, "3600000");
    c.put(ConfigKeys.BATCH_MAX_IN_FLIGHT, "2");
    c.put(SlowClassificationKind.SCORE_DELAY_MS, "3000");
    // No commit while the first instance lives: its waiting records are in memory only, its
    // outputs in an open transaction (which the broker aborts after its timeout, the instance
    // being dead).
    c.put("kafka.commit.interval.ms", "15000");
    c.put("kafka.producer.transaction.timeout.ms", "20000");
    c.put("kafka.session.timeout.ms", "6000");
    c.put("kafka.heartbeat.interval.ms", "1000");
    int metricsPort = freePort();
    c.put(ConfigKeys.METRICS_PORT, Integer.toString(metricsPort));
    List<CardTransaction> some = events.subList(0, 100);
    Path file = work.resolve("inflight.properties");
    ChildJvm.writeProperties(file, c, "in-flight crash test");
    String changelog = "it-inflight-" + TopologyFactory.bufferStoreName("fraud") + "-changelog";

    Path log = work.resolve("inflight-child.log");
    Process first = ChildJvm.run(file, log);
    try {
      assertThat(produceTo("tx-inflight", some, false)).isEqualTo(some.size());
      // Some outputs forwarded (in the open transaction) while batches are still in flight.
      awaitMetrics(
          metricsPort,
          m ->
              sum(m, "sluice_batches_in_flight") >= 1
                  && sum(m, "sluice_end_to_end_latency_seconds_count") >= 1,
          Duration.ofSeconds(60),
          log);
    } finally {
      first.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }

    try (OutputCollector out = collector("inflight")) {
      out.poll(Duration.ofSeconds(2));
      assertThat(out.predictions()).as("the killed instance's outputs never commit").isEmpty();

      c.put(SlowClassificationKind.SCORE_DELAY_MS, "0");
      c.remove("kafka.commit.interval.ms");
      c.put(ConfigKeys.METRICS_PORT, "-1");
      try (SluiceApplication second =
          SluiceApplication.create(
              ConfigLoader.load(Optional.empty(), Map.of(), c), new SimpleMeterRegistry())) {
        second.start();
        // The restarted instance reads the uncommitted records again; those that fill no batch
        // (the linger is an hour) are scored before its first commit.
        assertThat(out.awaitOutputs(some.size(), Duration.ofMinutes(2))).isTrue();
        out.poll(Duration.ofSeconds(2));
      }
      FraudScenario.assertEachScoredOnce(out, some);
      assertThat(partitionEnds(changelog))
          .as("nothing was written to the batch buffer's changelog")
          .containsOnly(0L);
    }
  }

  private interface MetricsCheck {
    boolean test(Prometheus metrics);
  }

  /** Scrapes a child's metrics until {@code check} holds; fails with the child's log if never. */
  private static void awaitMetrics(int port, MetricsCheck check, Duration timeout, Path log)
      throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      try {
        if (check.test(Prometheus.scrape(port))) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(100);
    }
    throw new AssertionError(
        "the metrics did not show it within "
            + timeout
            + "; child log:\n"
            + ChildJvm.tail(log, 60));
  }

  private static double sum(Prometheus metrics, String name) {
    return metrics.find(name).stream().mapToDouble(Prometheus.Sample::value).sum();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** A read_committed reader of a pipeline's outputs, on the topics of {@link #config}. */
  private static OutputCollector collector(String suffix) {
    return new OutputCollector(
        stack.kafka().bootstrapServers(),
        registry,
        "pred-" + suffix,
        "alerts-" + suffix,
        "dlq-" + suffix);
  }

  private static int produceTo(String topic, List<CardTransaction> list, boolean pills) {
    return FraudDemo.produce(stack.kafka().bootstrapServers(), registry, topic, list, pills);
  }

  /** Waits until the application's group has committed offsets covering every input record. */
  private static void awaitCommitted(String group, String topic, int expected, Duration timeout)
      throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    try (Admin admin = stack.kafka().admin()) {
      while (System.nanoTime() < deadline) {
        Map<TopicPartition, OffsetAndMetadata> committed =
            admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
        long total = 0;
        for (Map.Entry<TopicPartition, OffsetAndMetadata> e : committed.entrySet()) {
          if (e.getKey().topic().equals(topic) && e.getValue() != null) {
            total += e.getValue().offset();
          }
        }
        long end = partitionEnds(admin, topic).stream().mapToLong(Long::longValue).sum();
        if (end >= expected && total >= end) {
          return;
        }
        Thread.sleep(200);
      }
    }
    throw new AssertionError("the application did not commit its input offsets in " + timeout);
  }

  /** The end offset of each of the topic's two partitions. */
  private static List<Long> partitionEnds(Admin admin, String topic) throws Exception {
    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
    for (int p = 0; p < 2; p++) {
      latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
    }
    return admin.listOffsets(latest).all().get().values().stream()
        .map(info -> info.offset())
        .toList();
  }

  private static List<Long> partitionEnds(String topic) throws Exception {
    try (Admin admin = stack.kafka().admin()) {
      return partitionEnds(admin, topic);
    }
  }
}
