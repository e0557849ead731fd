package io.sluice.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import io.sluice.cli.Main;
import io.sluice.config.ConfigKeys;
import io.sluice.config.ConfigLoader;
import io.sluice.config.SluiceConfig;
import io.sluice.embedded.EmbeddedStack;
import io.sluice.samples.FraudDemo;
import io.sluice.samples.FraudEvents;
import io.sluice.samples.OutputCollector;
import io.sluice.schemas.CardTransaction;
import io.sluice.serde.AvroDecodeException;
import io.sluice.serde.AvroRecordDecoder;
import io.sluice.serde.RegistrySettings;
import io.sluice.serde.RestSchemaRegistryClient;
import io.sluice.serde.SchemaRegistryClient;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ConnectException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Sluice as operators run it, on a real broker and registry: the metrics endpoint serves every
 * meter with values that match a known number of events, readiness follows the streams, no secret
 * reaches a log line, and a SIGTERM while batches are being scored loses and duplicates nothing.
 */
class OperationsIT {
  private static final Path DATA_DIR =
      Path.of(System.getProperty("sluice.data.dir", "../shared/data"));

  /** Secrets set in every way Sluice takes them; none may appear in any log line. */
  private static final Map<String, String> SECRETS =
      Map.of(
          ConfigKeys.REGISTRY_PASSWORD,
          "registry-pw-3141",
          "kafka.ssl.keystore.password",
          "keystore-pw-2718",
          "kafka.producer.ssl.key.password",
          "key-pw-1618",
          "kafka.sasl.jaas.config",
          "org.apache.kafka.common.security.plain.PlainLoginModule required"
              + " username=\"sluice\" password=\"jaas-pw-1414\";",
          "kafka.sasl.oauthbearer.client.credentials.client.secret",
          "oauth-secret-1732");

  private static final String ENV_SECRET = "truststore-pw-2236";

  @TempDir static Path work;
  private static EmbeddedStack stack;
  private static Path descriptor;
  private static SchemaRegistryClient registry;
  private static List<CardTransaction> events;

  @BeforeAll
  static void startStack() throws Exception {
    stack = EmbeddedStack.start();
    descriptor = FraudDemo.ensureModel(DATA_DIR, work.resolve("models"));
    registry = new RestSchemaRegistryClient(RegistrySettings.of(stack.registry().url()));
    events = FraudEvents.read(DATA_DIR);
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

  private static Map<String, String> config(String name) {
    Map<String, String> c =
        new HashMap<>(
            FraudDemo.pipelineConfig(
                stack, descriptor, "it-" + name, work.resolve("state-" + name)));
    c.put(ConfigKeys.INPUT_TOPIC, "tx-" + name);
    c.put(ConfigKeys.OUTPUT_TOPIC, "pred-" + name);
    c.put(ConfigKeys.ALERTS_TOPIC, "alerts-" + name);
    c.put(ConfigKeys.DLQ_TOPIC, "dlq-" + name);
    c.put(ConfigKeys.METRICS_HOST, "127.0.0.1");
    c.put(ConfigKeys.METRICS_PORT, "0");
    c.put(ConfigKeys.BATCH_MAX_SIZE, "64");
    c.put(ConfigKeys.BATCH_MAX_LINGER_MS, "100");
    stack.kafka().createTopics(2, "tx-" + name, "pred-" + name, "alerts-" + name, "dlq-" + name);
    return c;
  }

  private static OutputCollector collector(String name) {
    return new OutputCollector(
        stack.kafka().bootstrapServers(),
        registry,
        "pred-" + name,
        "alerts-" + name,
        "dlq-" + name);
  }

  @Test
  void readinessIsFalseUntilTheStreamsRunAndTrueAfter() throws Exception {
    SluiceConfig config = ConfigLoader.load(Optional.empty(), Map.of(), config("ready"));
    int port;
    try (SluiceService service = SluiceService.create(config)) {
      port = service.metricsPort().orElseThrow();
      assertThat(Prometheus.get(port, "/health/live").status()).isEqualTo(200);
      Prometheus.Response before = Prometheus.get(port, "/health/ready");
      assertThat(before.status()).isEqualTo(503);
      assertThat(before.body()).startsWith("NOT READY").contains("pipeline fraud NEW");

      service.start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      Prometheus.Response after = Prometheus.get(port, "/health/ready");
      while (after.status() != 200 && System.nanoTime() < deadline) {
        Thread.sleep(100);
        after = Prometheus.get(port, "/health/ready");
      }
      assertThat(after.status()).isEqualTo(200);
      assertThat(after.body())
          .startsWith("READY")
          .contains("pipeline fraud RUNNING, streams RUNNING, model fraud-logreg:");
      assertThat(Prometheus.get(port, "/health/live").status()).isEqualTo(200);
    }
    assertThatThrownBy(() -> Prometheus.get(port, "/health/ready"))
        .as("the endpoint closes with the service")
        .isInstanceOf(ConnectException.class);
  }

  @Test
  void servesEveryMetricWithValuesThatMatchTheEventsAndLogsNoSecret() throws Exception {
    Map<String, String> c = config("metrics");
    c.put(ConfigKeys.REGISTRY_USER, "sluice");
    c.putAll(SECRETS);
    LogCapture logs = LogCapture.start();
    Prometheus m;
    int produced;
    List<OutputCollector.DeadLetterRecord> deadLetters;
    int predictions;
    int alerts;
    String version;
    try {
      SluiceConfig config =
          ConfigLoader.load(
              Optional.empty(),
              Map.of("SLUICE_SCHEMA_REGISTRY_SSL_TRUSTSTORE_PASSWORD", ENV_SECRET),
              c);
      try (SluiceService service = SluiceService.create(config);
          OutputCollector out = collector("metrics")) {
        service.start();
        version = service.application().model().version();
        produced =
            FraudDemo.produce(
                stack.kafka().bootstrapServers(),
                registry,
                "tx-metrics",
                events.subList(0, 3000),
                true);
        assertThat(out.awaitOutputs(produced, Duration.ofMinutes(2))).isTrue();
        out.poll(Duration.ofSeconds(1));
        int port = service.metricsPort().orElseThrow();
        m = Prometheus.scrape(port);
        // Kept for people writing dashboards: every series a running pipeline serves.
        Files.writeString(
            Path.of("target", "operations-it-metrics.txt"),
            Prometheus.get(port, "/metrics").body());
        deadLetters = out.deadLetters();
        predictions = out.predictions().size();
        alerts = out.alerts().size();
      }
    } finally {
      logs.stop();
    }
    String[] fraud = {"pipeline", "fraud", "model", "fraud-logreg", "version", version};

    // 3000 events and 6 corrupt records in; every one is a prediction or a dead letter
    assertThat(produced).isEqualTo(3006);
    assertThat(predictions).isEqualTo(3000);
    assertThat(m.sum("sluice_records_in_total", fraud)).isEqualTo(produced);
    assertThat(m.sum("sluice_predictions_out_total", fraud)).isEqualTo(predictions);

    // dead letters by stage and reason, exactly as the dead-letter topic's headers say
    Map<String, Long> byReason =
        deadLetters.stream()
            .collect(
                Collectors.groupingBy(
                    d -> d.stage() + "/" + d.reason(), TreeMap::new, Collectors.counting()));
    assertThat(byReason.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(6);
    for (Map.Entry<String, Long> e : byReason.entrySet()) {
      String[] sr = e.getKey().split("/");
      assertThat(m.sum("sluice_dead_letters_total", "stage", sr[0], "reason", sr[1]))
          .as(e.getKey())
          .isEqualTo(e.getValue().doubleValue());
    }
    assertThat(m.sum("sluice_dead_letters_total", fraud)).isEqualTo(6);

    // alerts by kind and severity
    assertThat(alerts).isPositive();
    assertThat(m.sum("sluice_alerts_total", "kind", "score-threshold", "severity", "WARNING"))
        .isEqualTo(alerts);

    // batch size histogram: one observation per model batch, all records, none above the limit
    double batches = m.sum("sluice_batches_total", fraud);
    assertThat(m.sum("sluice_batch_size_count", fraud)).isEqualTo(batches);
    assertThat(m.sum("sluice_batch_size_sum", fraud)).isEqualTo(produced);
    assertThat(m.sum("sluice_batch_size_bucket", "le", "64.0")).isEqualTo(batches);
    assertThat(m.sum("sluice_batch_size_max", fraud)).isBetween(1.0, 64.0);
    assertThat(m.sum("sluice_batches_total", "trigger", "size")).isPositive();
    assertThat(m.sum("sluice_batches_total", "trigger", "linger")).isPositive();

    // batch linger: a half-full batch waited at least the linger time, and not forever
    assertThat(m.sum("sluice_batch_linger_seconds_count", fraud)).isBetween(1.0, batches);
    assertThat(m.sum("sluice_batch_linger_seconds_max", fraud)).isBetween(0.1, 30.0);

    // inference time: at most one model call per batch here (nothing to bisect), each quick
    double calls = m.sum("sluice_inference_duration_seconds_count", fraud);
    assertThat(calls).isBetween(1.0, batches);
    assertThat(m.sum("sluice_inference_duration_seconds_sum", fraud) / calls).isBetween(0.0, 1.0);
    assertThat(m.find("sluice_inference_duration_seconds_bucket", fraud)).hasSizeGreaterThan(5);

    // end-to-end latency, record timestamp to output: one per prediction, seconds not minutes
    assertThat(m.sum("sluice_end_to_end_latency_seconds_count", fraud)).isEqualTo(predictions);
    double meanLatency =
        m.sum("sluice_end_to_end_latency_seconds_sum", fraud)
            / m.sum("sluice_end_to_end_latency_seconds_count", fraud);
    assertThat(meanLatency).isBetween(0.0, 60.0);
    assertThat(m.sum("sluice_end_to_end_latency_seconds_max", fraud)).isBetween(0.0, 120.0);

    // model load event and the execution provider in use
    assertThat(m.sum("sluice_model_events_total", "pipeline", "fraud", "event", "load"))
        .isEqualTo(1);
    assertThat(m.sum("sluice_model_execution_provider", "provider", "cpu")).isEqualTo(1);

    // Kafka Streams' clients through Micrometer's binder, consumer lag among them
    assertThat(m.sum("kafka_stream_thread_process_total", "pipeline", "fraud"))
        .isGreaterThanOrEqualTo(produced);
    assertThat(m.find("kafka_consumer_fetch_manager_records_lag_max")).isNotEmpty();

    // the JVM, off-heap (direct buffers) included
    assertThat(m.sum("jvm_buffer_memory_used_bytes", "id", "direct")).isPositive();
    assertThat(m.sum("jvm_memory_used_bytes", "area", "heap")).isPositive();

    // the Grafana dashboard of the docker-compose stack asks only for series that are served
    String dashboard =
        Files.readString(Path.of("..", "docker", "grafana", "dashboards", "sluice.json"));
    Matcher queried = Pattern.compile("\\b(?:sluice|kafka|jvm)_[a-z_]+").matcher(dashboard);
    int checked = 0;
    while (queried.find()) {
      assertThat(m.names()).as("series in the dashboard").contains(queried.group());
      checked++;
    }
    assertThat(checked).isGreaterThan(10);

    // no secret in any log line, though the effective configuration was logged
    String logged = logs.text();
    assertThat(logged)
        // the whole configuration at DEBUG (this capture's level), only the keys set at INFO
        .contains("effective configuration")
        .contains("kafka.sasl.jaas.config = [hidden] (command line)")
        .contains("schema.registry.basic.auth.password = [hidden] (command line)")
        .contains("schema.registry.ssl.truststore.password = [hidden] (environment)");
    assertThat(logged).contains("ConsumerConfig values"); // Kafka's own dump was captured too
    for (String secret : SECRETS.values()) {
      assertThat(logged).doesNotContain(secret);
    }
    assertThat(logged).doesNotContain("jaas-pw-1414").doesNotContain(ENV_SECRET);
  }

  @Test
  void aSigtermWhileBatchesAreScoredLosesNothingAndDuplicatesNothing() throws Exception {
    Map<String, String> c = config("sigterm");
    Path file = work.resolve("sigterm.properties");
    ChildJvm.writeProperties(file, c, "operations test");
    List<CardTransaction> some = events.subList(0, 4000);
    Process child = ChildJvm.run(file, work.resolve("sigterm-child.log"));
    try (OutputCollector out = collector("sigterm")) {
      // Events arrive steadily, 200 every 100 ms, while the child scores them in batches.
      CompletableFuture<Integer> producing =
          CompletableFuture.supplyAsync(
              () -> {
                int sent = 0;
                for (int from = 0; from < some.size(); from += 200) {
                  sent +=
                      FraudDemo.produce(
                          stack.kafka().bootstrapServers(),
                          registry,
                          "tx-sigterm",
                          some.subList(from, Math.min(some.size(), from + 200)),
                          false);
                  sleep(100);
                }
                return sent;
              });
      assertThat(out.pollUntil(() -> out.predictions().size() >= 400, Duration.ofMinutes(1)))
          .as("the child scores while events arrive")
          .isTrue();

      child.destroy(); // SIGTERM
      assertThat(child.waitFor(60, TimeUnit.SECONDS)).as("the child stops").isTrue();
      String childLog = Files.readString(work.resolve("sigterm-child.log"));
      assertThat(childLog).contains("pipeline fraud stopping").contains("pipeline fraud stopped");
      assertThat(childLog).doesNotContain("did not stop within");
      out.poll(Duration.ofSeconds(1));
      int beforeRestart = out.predictions().size();
      int produced = producing.get(2, TimeUnit.MINUTES);
      assertThat(beforeRestart).as("stopped mid-stream").isBetween(400, produced - 1);

      c.put(ConfigKeys.METRICS_PORT, "-1");
      try (SluiceService second =
          SluiceService.create(ConfigLoader.load(Optional.empty(), Map.of(), c))) {
        second.start();
        assertThat(out.awaitOutputs(produced, Duration.ofMinutes(2))).isTrue();
        out.poll(Duration.ofSeconds(2));
      }
      FraudScenario.assertEachScoredOnce(out, some);
    } finally {
      child.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void produceStreamsTheSampleEventsAtTheGivenRateWithCorruptRecordsAmongThem() throws Exception {
    stack.kafka().createTopics(1, "tx-produce");
    StringWriter err = new StringWriter();
    long started = System.nanoTime();
    int rc =
        Main.execute(
            new PrintWriter(new StringWriter(), true),
            new PrintWriter(err, true),
            "produce",
            "fraud",
            "--bootstrap-servers=" + stack.kafka().bootstrapServers(),
            "--schema-registry-url=" + stack.registry().url(),
            "--topic=tx-produce",
            "--rate=500",
            "--count=300",
            "--poison-every=100",
            "--data-dir=" + DATA_DIR);
    double seconds = (System.nanoTime() - started) / 1e9;
    assertThat(rc).as(err.toString()).isZero();
    assertThat(seconds).as("300 events at 500 per second").isGreaterThan(0.55);

    AvroRecordDecoder<CardTransaction> decoder =
        AvroRecordDecoder.specific(registry, CardTransaction.class);
    int good = 0;
    int corrupt = 0;
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(
            Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka().bootstrapServers()),
            new ByteArrayDeserializer(),
            new ByteArrayDeserializer())) {
      TopicPartition tp = new TopicPartition("tx-produce", 0);
      consumer.assign(List.of(tp));
      consumer.seekToBeginning(List.of(tp));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (good + corrupt < 303 && System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          try {
            decoder.decode(r.value());
            good++;
          } catch (AvroDecodeException e) {
            corrupt++;
          }
        }
      }
    }
    assertThat(good).isEqualTo(300);
    assertThat(corrupt).isEqualTo(3);
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * Captures every log event of the process, with Kafka's clients at INFO (where they print their
   * configuration) and Sluice at DEBUG; the console gets none of it meanwhile.
   */
  private static final class LogCapture {
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    private final Logger kafka = (Logger) LoggerFactory.getLogger("org.apache.kafka");
    private final Logger sluice = (Logger) LoggerFactory.getLogger("io.sluice");
    private final Level kafkaLevel = kafka.getLevel();
    private final Level sluiceLevel = sluice.getLevel();
    private final ch.qos.logback.core.Appender<ILoggingEvent> console = root.getAppender("STDERR");

    static LogCapture start() {
      LogCapture c = new LogCapture();
      c.kafka.setLevel(Level.INFO);
      c.sluice.setLevel(Level.DEBUG);
      c.appender.start();
      c.root.addAppender(c.appender);
      if (c.console != null) {
        c.root.detachAppender(c.console);
      }
      return c;
    }

    void stop() {
      if (console != null) {
        root.addAppender(console);
      }
      root.detachAppender(appender);
      appender.stop();
      kafka.setLevel(kafkaLevel);
      sluice.setLevel(sluiceLevel);
    }

    /** Everything captured; call after {@link #stop}. */
    String text() {
      StringBuilder sb = new StringBuilder();
      for (ILoggingEvent e : appender.list) {
        sb.append(e.getFormattedMessage()).append('\n');
        if (e.getThrowableProxy() != null) {
          sb.append(ThrowableProxyUtil.asString(e.getThrowableProxy())).append('\n');
        }
      }
      return sb.toString();
    }
  }
}
