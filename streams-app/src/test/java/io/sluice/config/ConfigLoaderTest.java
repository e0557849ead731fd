package io.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  /** The keys without a default. */
  private static final Map<String, String> REQUIRED =
      Map.of("bootstrap.servers", "broker:9092", "application.id", "test-app");

  @TempDir Path dir;

  private static Map<String, String> with(Map<String, String> more) {
    Map<String, String> all = new java.util.HashMap<>(REQUIRED);
    all.putAll(more);
    return all;
  }

  @Test
  void defaultsAreValidAndExactlyOnceIsTheDefaultGuarantee() {
    SluiceConfig c = ConfigLoader.load(Optional.empty(), Map.of(), REQUIRED);
    assertThat(c.processingGuarantee()).isEqualTo("exactly_once_v2");
    assertThat(c.pipeline().batchMaxSize()).isEqualTo(64);
    assertThat(c.pipeline().batchMaxLinger()).isEqualTo(Duration.ofMillis(50));
    assertThat(c.registry().enabled()).isFalse();
  }

  @Test
  void laterSourcesOverrideEarlierOnes() throws Exception {
    Path file = dir.resolve("app.properties");
    Files.writeString(
        file,
        "pipeline.batch.max.size=10\npipeline.batch.max.linger.ms=20\napplication.id=from-file\n");
    SluiceConfig c =
        ConfigLoader.load(
            Optional.of(file),
            Map.of(
                "SLUICE_PIPELINE_BATCH_MAX_SIZE",
                "11",
                "SLUICE_APPLICATION_ID",
                "from-env",
                "SLUICE_BOOTSTRAP_SERVERS",
                "broker:9092"),
            Map.of("application.id", "from-cli"));
    assertThat(c.pipeline().batchMaxLinger()).isEqualTo(Duration.ofMillis(20));
    assertThat(c.pipeline().batchMaxSize()).isEqualTo(11);
    assertThat(c.applicationId()).isEqualTo("from-cli");
    assertThat(c.sources()).containsEntry("application.id", "command line");
  }

  @Test
  void anUnknownKeyStopsTheProgramNamingTheKeyAndItsSource() throws Exception {
    Path file = dir.resolve("app.properties");
    // An unknown pipeline.* key is refused once the pipeline's kind is known: PipelineKindsTest.
    Files.writeString(file, "metrics.prot=10\n");
    assertThatThrownBy(() -> ConfigLoader.load(Optional.of(file), Map.of(), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("metrics.prot")
        .hasMessageContaining(file.toString());
  }

  @Test
  void anUnknownEnvironmentKeyIsRejectedButTheLogLevelVariableIsNot() {
    assertThat(ConfigLoader.load(Optional.empty(), Map.of("SLUICE_LOG_LEVEL", "DEBUG"), REQUIRED))
        .isNotNull();
    assertThatThrownBy(
            () -> ConfigLoader.load(Optional.empty(), Map.of("SLUICE_BATCH_SIZE", "3"), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("batch.size")
        .hasMessageContaining("environment");
  }

  @Test
  void aBadValueIsRejectedNamingTheKeyAndTheValue() {
    assertThatThrownBy(
            () ->
                ConfigLoader.load(
                    Optional.empty(), Map.of(), with(Map.of("pipeline.batch.max.size", "zero"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("pipeline.batch.max.size")
        .hasMessageContaining("zero");
    assertThatThrownBy(
            () ->
                ConfigLoader.load(
                    Optional.empty(),
                    Map.of(),
                    with(Map.of("processing.guarantee", "exactly_once"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("processing.guarantee");
    assertThatThrownBy(
            () ->
                ConfigLoader.load(
                    Optional.empty(), Map.of(), with(Map.of("pipeline.alert.threshold", "2"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("pipeline.alert.threshold");
  }

  @Test
  void aMissingConfigurationFileIsNamed() {
    Path missing = dir.resolve("nope.properties");
    assertThatThrownBy(() -> ConfigLoader.load(Optional.of(missing), Map.of(), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("nope.properties");
  }

  @Test
  void kafkaPrefixedKeysArePassedThroughWithoutThePrefix() {
    SluiceConfig c =
        ConfigLoader.load(
            Optional.empty(), Map.of(), with(Map.of("kafka.commit.interval.ms", "250")));
    assertThat(c.kafka()).containsEntry("commit.interval.ms", "250");
  }

  @Test
  void theEffectiveConfigurationHidesSecrets() {
    Map<String, String> given =
        Map.of(
            "schema.registry.url", "https://registry:8081",
            "schema.registry.basic.auth.user", "alice",
            "schema.registry.basic.auth.password", "s3cret",
            "kafka.sasl.jaas.config", "secret-jaas");
    SluiceConfig c = ConfigLoader.load(Optional.empty(), Map.of(), with(given));
    String described =
        c.describe(
            ConfigKeys.DEFINITION.parse(
                with(Map.of("schema.registry.basic.auth.password", "s3cret"))));
    assertThat(described).doesNotContain("s3cret").doesNotContain("secret-jaas");
    assertThat(c.registry().basicAuthPassword().value()).isEqualTo("s3cret");
  }

  @Test
  void aUserWithoutAPasswordIsRejected() {
    assertThatThrownBy(
            () ->
                ConfigLoader.load(
                    Optional.empty(),
                    Map.of(),
                    with(Map.of("schema.registry.basic.auth.user", "bob"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("schema.registry.basic.auth.password");
  }

  @Test
  void aMissingRequiredKeyIsNamedWithTheWaysToSetIt() {
    assertThatThrownBy(
            () -> ConfigLoader.load(Optional.empty(), Map.of(), Map.of("application.id", "a")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("Missing required configuration key 'bootstrap.servers'")
        .hasMessageContaining("SLUICE_BOOTSTRAP_SERVERS")
        .hasMessageContaining("--set bootstrap.servers=");
    assertThatThrownBy(
            () ->
                ConfigLoader.load(
                    Optional.empty(), Map.of(), Map.of("bootstrap.servers", "broker:9092")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("'application.id'");
  }

  @Test
  void aValueOfTheWrongTypeIsNamed() {
    assertThatThrownBy(
            () ->
                ConfigLoader.load(
                    Optional.empty(),
                    Map.of("SLUICE_SCHEMA_REGISTRY_AUTO_REGISTER", "sometimes"),
                    REQUIRED))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("schema.registry.auto.register")
        .hasMessageContaining("sometimes");
    assertThatThrownBy(
            () ->
                ConfigLoader.load(
                    Optional.empty(), Map.of(), with(Map.of("metrics.port", "70000"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("metrics.port");
  }

  @Test
  void theEffectiveConfigurationHidesKafkaClientSecretsWithOrWithoutAClientPrefix() {
    Map<String, String> given =
        Map.of(
            "kafka.ssl.keystore.password", "ks-secret",
            "kafka.producer.ssl.key.password", "key-secret",
            "kafka.ssl.truststore.certificates", "pem-secret",
            "kafka.sasl.oauthbearer.client.credentials.client.secret", "oauth-secret",
            "kafka.security.protocol", "SASL_SSL",
            "schema.registry.ssl.keystore.password", "registry-ks-secret");
    SluiceConfig c = ConfigLoader.load(Optional.empty(), Map.of(), with(given));
    String described = c.describe(ConfigKeys.DEFINITION.parse(with(Map.of())));
    assertThat(described)
        .doesNotContain("ks-secret", "key-secret", "pem-secret", "oauth-secret")
        .contains("kafka.security.protocol = SASL_SSL (command line)")
        .contains("kafka.producer.ssl.key.password = [hidden] (command line)");
  }

  @Test
  void kafkaPasswordSettingsAreSecretsAndOrdinarySettingsAreNot() {
    assertThat(Secrets.isKafkaSecret("sasl.jaas.config")).isTrue();
    assertThat(Secrets.isKafkaSecret("main.consumer.ssl.keystore.key")).isTrue();
    assertThat(Secrets.isKafkaSecret("ssl.keystore.location")).isFalse();
    assertThat(Secrets.isKafkaSecret("commit.interval.ms")).isFalse();
    assertThat(Secrets.isSecret("schema.registry.basic.auth.password")).isTrue();
    assertThat(Secrets.isSecret("schema.registry.basic.auth.user")).isFalse();
  }
}
