package io.sluice.app;

import io.sluice.samples.FraudDemo;
import io.sluice.samples.FraudEvents;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.ConfluentKafkaContainer;

/**
 * The fraud scenario of {@link FraudPipelineIT} against Confluent's own images (cp-kafka in KRaft
 * mode and cp-schema-registry) in Docker, the images the docker-compose users run. Where there is
 * no Docker, JUnit reports the class skipped with the reason.
 */
@Testcontainers(disabledWithoutDocker = true)
class ConfluentImagesIT {
  private static final String CONFLUENT_VERSION = "8.0.0";
  private static final Path DATA_DIR =
      Path.of(System.getProperty("sluice.data.dir", "../shared/data"));

  private static final Network NETWORK = Network.newNetwork();

  @Container
  private static final ConfluentKafkaContainer KAFKA =
      new ConfluentKafkaContainer("confluentinc/cp-kafka:" + CONFLUENT_VERSION)
          .withNetwork(NETWORK)
          .withListener("kafka:19092");

  @Container
  private static final GenericContainer<?> REGISTRY =
      new GenericContainer<>("confluentinc/cp-schema-registry:" + CONFLUENT_VERSION)
          .withNetwork(NETWORK)
          .withExposedPorts(8081)
          .withEnv("SCHEMA_REGISTRY_HOST_NAME", "schema-registry")
          .withEnv("SCHEMA_REGISTRY_LISTENERS", "http://0.0.0.0:8081")
          .withEnv("SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS", "PLAINTEXT://kafka:19092")
          .dependsOn(KAFKA)
          .waitingFor(Wait.forHttp("/subjects").forStatusCode(200));

  @TempDir static Path work;

  @Test
  void everyEventComesOutOnceAsAPredictionOrADeadLetterWithOfflineScores() throws Exception {
    Path descriptor = FraudDemo.ensureModel(DATA_DIR, work.resolve("models"));
    FraudScenario.runAndCheck(
        KAFKA.getBootstrapServers(),
        "http://" + REGISTRY.getHost() + ":" + REGISTRY.getMappedPort(8081),
        descriptor,
        work,
        FraudEvents.read(DATA_DIR),
        "confluent");
  }
}
