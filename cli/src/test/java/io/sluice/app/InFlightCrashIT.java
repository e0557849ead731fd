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
import java.io.IOException;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An instance killed ({@code kill -9}) with batches in flight off its stream thread, some outputs
 * already forwarded in its open transaction, and its buffer only in the record cache (no commit
 * yet, so nothing of it is in the changelog): after a restart every event is scored exactly once,
 * as a {@code read_committed} consumer sees it.
 */
class InFlightCrashIT {
  private static final Path DATA_DIR =
      Path.of(System.getProperty("sluice.data.dir", "../shared/data"));
  private static final String APP = "it-inflight";
  private static final String SUFFIX = "inflight";
  private static final int EVENTS = 100;

  @TempDir static Path work;
  private static EmbeddedStack stack;
  private static Path descriptor;
  private static SchemaRegistryClient registry;

  @BeforeAll
  static void startStack() throws Exception {
    stack = EmbeddedStack.start();
    descriptor = FraudDemo.ensureModel(DATA_DIR, work.resolve("models"));
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
  void eventsInFlightAndOnlyInTheRecordCacheWhenKilledAreScoredOnceAfterRestart()
      throws Exception {
    List<CardTransaction> events = FraudEvents.read(DATA_DIR).subList(0, EVENTS);
    stack
        .kafka()
        .createTopics(2, "tx-" + SUFFIX, "pred-" + SUFFIX, "alerts-" + SUFFIX, "dlq-" + SUFFIX);
    Map<String, String> c =
        new HashMap<>(
            FraudDemo.pipelineConfig(stack, descriptor, APP, work.resolve("state-" + APP)));
    c.put(ConfigKeys.PIPELINE_KIND, SlowClassificationKind.NAME);
    c.put(ConfigKeys.INPUT_TOPIC, "tx-" + SUFFIX);
    c.put(ConfigKeys.OUTPUT_TOPIC, "pred-" + SUFFIX);
    c.put(ConfigKeys.ALERTS_TOPIC, "alerts-" + SUFFIX);
    c.put(ConfigKeys.DLQ_TOPIC, "dlq-" + SUFFIX);
    // Batches of 20 cut by size only, two in flight per task, each model call 3 s.
    c.put(ConfigKeys.BATCH_MAX_SIZE, "20");
    c.put(ConfigKeys.BATCH_MAX_LINGER_MS, "3600000");
    c.put(ConfigKeys.BATCH_MAX_IN_FLIGHT, "2");
    c.put(SlowClassificationKind.SCORE_DELAY_MS, "3000");
    // No commit while the first instance lives: its buffer stays in the record cache, its outputs
    // in an open transaction (which the broker aborts after its timeout, the instance being dead).
    c.put("kafka.commit.interval.ms", "15000");
    c.put("kafka.producer.transaction.timeout.ms", "20000");
    // The killed member must leave the group quickly for the restarted one to take over.
    c.put("kafka.session.timeout.ms", "6000");
    c.put("kafka.heartbeat.interval.ms", "1000");
    int metricsPort = freePort();
    c.put(ConfigKeys.METRICS_PORT, Integer.toString(metricsPort));
    Path file = work.resolve("inflight.properties");
    writeProperties(file, c);

    String changelog = APP + "-" + TopologyFactory.bufferStoreName("fraud") + "-changelog";
    Process first = startChild(file);
    try {
      int produced =
          FraudDemo.produce(
              stack.kafka().bootstrapServers(), registry, "tx-" + SUFFIX, events, false);
      assertThat(produced).isEqualTo(EVENTS);
      // Wait until some outputs have been forwarded and batches are still in flight.
      awaitMetrics(
          metricsPort,
          m ->
              sum(m, "sluice_batches_in_flight") >= 1
                  && sum(m, "sluice_end_to_end_latency_seconds_count") >= 1,
          Duration.ofSeconds(60));
      assertThat(first.isAlive()).isTrue();
      assertThat(endOffsets(changelog))
          .as("nothing of the buffer has reached the changelog")
          .isZero();
    } finally {
      first.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }

    try (OutputCollector out =
        new OutputCollector(
            stack.kafka().bootstrapServers(),
            registry,
            "pred-" + SUFFIX,
            "alerts-" + SUFFIX,
            "dlq-" + SUFFIX)) {
      out.poll(Duration.ofSeconds(2));
      assertThat(out.predictions()).as("the killed instance's outputs never commit").isEmpty();

      c.put(SlowClassificationKind.SCORE_DELAY_MS, "0");
      c.remove("kafka.commit.interval.ms");
      c.put(ConfigKeys.METRICS_PORT, "-1");
      try (SluiceApplication second =
          SluiceApplication.create(
              ConfigLoader.load(Optional.empty(), Map.of(), c), new SimpleMeterRegistry())) {
        second.start();
        // The records that fill no batch wait for the linger; a clean close commits them in the
        // buffer, for the next instance to restore and score.
        assertThat(out.awaitOutputs(fullBatches("tx-" + SUFFIX, 20), Duration.ofMinutes(2)))
            .isTrue();
      }
      c.put(ConfigKeys.BATCH_MAX_LINGER_MS, "200");
      try (SluiceApplication third =
          SluiceApplication.create(
              ConfigLoader.load(Optional.empty(), Map.of(), c), new SimpleMeterRegistry())) {
        third.start();
        assertThat(out.awaitOutputs(EVENTS, Duration.ofMinutes(2))).isTrue();
        out.poll(Duration.ofSeconds(2));
      }
      List<String> ids = out.predictions().stream().map(Prediction::getEventId).toList();
      assertThat(ids).hasSize(EVENTS).doesNotHaveDuplicates();
      assertThat(Set.copyOf(ids))
          .isEqualTo(events.stream().map(CardTransaction::getId).collect(Collectors.toSet()));
      assertThat(out.deadLetters()).isEmpty();
    }
  }

  private interface Check {
    boolean test(Prometheus metrics);
  }

  private static void awaitMetrics(int port, Check check, Duration timeout) throws Exception {
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
    throw new AssertionError("the metrics did not show it within " + timeout);
  }

  private static double sum(Prometheus metrics, String name) {
    return metrics.find(name).stream().mapToDouble(Prometheus.Sample::value).sum();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static long endOffsets(String topic) throws Exception {
    return partitionEnds(topic).stream().mapToLong(Long::longValue).sum();
  }

  /** Records of the topic that fill batches of {@code size}, partition by partition. */
  private static int fullBatches(String topic, int size) throws Exception {
    return (int) partitionEnds(topic).stream().mapToLong(end -> end / size * size).sum();
  }

  private static List<Long> partitionEnds(String topic) throws Exception {
    try (Admin admin = stack.kafka().admin()) {
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      for (int p = 0; p < 2; p++) {
        latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
      }
      return admin.listOffsets(latest).all().get().values().stream()
          .map(info -> info.offset())
          .toList();
    }
  }

  private static void writeProperties(Path file, Map<String, String> c) throws IOException {
    Properties p = new Properties();
    p.putAll(c);
    try (OutputStream o = Files.newOutputStream(file)) {
      p.store(o, "in-flight crash test");
    }
  }

  private static Process startChild(Path config) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb =
        new ProcessBuilder(
            java,
            "-cp",
            System.getProperty("java.class.path"),
            "io.sluice.cli.Main",
            "run",
            "--config",
            config.toString());
    pb.redirectErrorStream(true);
    pb.redirectOutput(work.resolve("inflight-child.log").toFile());
    return pb.start();
  }
}
