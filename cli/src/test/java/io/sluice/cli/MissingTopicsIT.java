package io.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.app.SluiceApplication;
import io.sluice.config.ConfigLoader;
import io.sluice.embedded.EmbeddedKafka;
import io.sluice.samples.FraudDemo;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.TopicDescription;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pipeline whose topics are missing stops at start naming each one (or creates them when
 * configured to), and so does {@code produce}; on a real broker with automatic creation off.
 */
class MissingTopicsIT {
  private static final Path DATA_DIR =
      Path.of(System.getProperty("sluice.data.dir", "../shared/data"));

  @TempDir static Path work;
  private static EmbeddedKafka kafka;
  private static Path descriptor;

  @BeforeAll
  static void start() throws Exception {
    kafka = new EmbeddedKafka().start();
    descriptor = FraudDemo.ensureModel(DATA_DIR, work.resolve("models"));
  }

  @AfterAll
  static void stop() {
    if (kafka != null) {
      kafka.close();
    }
  }

  private record Result(int exitCode, String err) {}

  private static Result sluice(String... args) {
    StringWriter err = new StringWriter();
    int rc =
        Main.execute(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true), args);
    return new Result(rc, err.toString());
  }

  private static Path pipeline(String name) throws Exception {
    Path file = work.resolve(name + ".properties");
    Files.writeString(
        file,
        String.join(
            "\n",
            "application.id=" + name,
            "bootstrap.servers=" + kafka.bootstrapServers(),
            "metrics.port=-1",
            "state.dir=" + work.resolve("state-" + name).toString().replace("\\", "/"),
            "data.dir=" + DATA_DIR.toAbsolutePath().toString().replace("\\", "/"),
            "pipeline.model.descriptor=" + descriptor.toString().replace("\\", "/"),
            "pipeline.input.topic=" + name + "-in",
            "pipeline.output.topic=" + name + "-out",
            "pipeline.alerts.topic=" + name + "-alerts",
            "pipeline.dlq.topic=" + name + "-dlq",
            ""));
    return file;
  }

  @Test
  void runStopsAtStartNamingEveryMissingTopicAndItsKey() throws Exception {
    kafka.createTopics(1, "partial-in", "partial-out");
    Result r = sluice("run", "--config", pipeline("partial").toString());
    assertThat(r.exitCode()).as(r.err()).isEqualTo(2);
    assertThat(r.err())
        .contains("missing topics 'partial-alerts' (pipeline.alerts.topic)")
        .contains("'partial-dlq' (pipeline.dlq.topic)")
        .contains("topics.create=true")
        .doesNotContain("'partial-in'")
        .doesNotContain("'partial-out'");
  }

  @Test
  void aMissingInputTopicIsNamedToo() throws Exception {
    kafka.createTopics(1, "noinput-out", "noinput-alerts", "noinput-dlq");
    Result r = sluice("run", "--config", pipeline("noinput").toString());
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("missing topic 'noinput-in' (pipeline.input.topic)");
  }

  @Test
  void topicsCreateMakesTheMissingTopicsWithTheConfiguredPartitions() throws Exception {
    var config =
        ConfigLoader.load(
            Optional.of(pipeline("created")),
            Map.of(),
            Map.of("topics.create", "true", "topics.partitions", "3"));
    try (SluiceApplication app = SluiceApplication.create(config, new SimpleMeterRegistry())) {
      app.start();
      Map<String, TopicDescription> topics =
          kafka
              .admin()
              .describeTopics(
                  java.util.List.of("created-in", "created-out", "created-alerts", "created-dlq"))
              .allTopicNames()
              .get();
      assertThat(topics.values()).allSatisfy(t -> assertThat(t.partitions()).hasSize(3));
    }
  }

  @Test
  void produceToAMissingTopicStopsAtOnceNamingIt() {
    Result r =
        sluice(
            "produce",
            "fraud",
            "--bootstrap-servers",
            kafka.bootstrapServers(),
            "--schema-registry-url",
            "http://localhost:1",
            "--topic",
            "nowhere",
            "--data-dir",
            DATA_DIR.toString());
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("missing topic 'nowhere' (--topic)").contains("--create-topic");
  }
}
