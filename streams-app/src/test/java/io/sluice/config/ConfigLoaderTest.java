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
  @TempDir Path dir;

  @Test
  void defaultsAreValidAndExactlyOnceIsTheDefaultGuarantee() {
    SluiceConfig c = ConfigLoader.load(Optional.empty(), Map.of(), Map.of());
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
            Map.of("SLUICE_PIPELINE_BATCH_MAX_SIZE", "11", "SLUICE_APPLICATION_ID", "from-env"),
            Map.of("application.id", "from-cli"));
    assertThat(c.pipeline().batchMaxLinger()).isEqualTo(Duration.ofMillis(20));
    assertThat(c.pipeline().batchMaxSize()).isEqualTo(11);
    assertThat(c.applicationId()).isEqualTo("from-cli");
    assertThat(c.sources()).containsEntry("application.id", "command line");
  }

  @Test
  void anUnknownKeyStopsTheProgramNamingTheKeyAndItsSource() throws Exception {
    Path file = dir.resolve("app.properties");
    Files.writeString(file, "pipeline.batch.max.sise=10\n");
    assertThatThrownBy(() -> ConfigLoader.load(Optional.of(file), Map.of(), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("pipeline.batch.max.sise")
        .hasMessageContaining(file.toString());
  }

  @Test
  void anUnknownEnvironmentKeyIsRejectedButTheLogLevelVariableIsNot() {
    assertThat(ConfigLoader.load(Optional.empty(), Map.of("SLUICE_LOG_LEVEL", "DEBUG"), Map.of()))
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
                    Optional.empty(), Map.of(), Map.of("pipeline.batch.max.size", "zero")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("pipeline.batch.max.size")
        .hasMessageContaining("zero");
    assertThatThrownBy(
            () ->
                ConfigLoader.load(
                    Optional.empty(), Map.of(), Map.of("processing.guarantee", "exactly_once")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("processing.guarantee");
    assertThatThrownBy(
            () ->
                ConfigLoader.load(
                    Optional.empty(), Map.of(), Map.of("pipeline.alert.threshold", "2")))
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
        ConfigLoader.load(Optional.empty(), Map.of(), Map.of("kafka.commit.interval.ms", "250"));
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
    SluiceConfig c = ConfigLoader.load(Optional.empty(), Map.of(), given);
    String described =
        c.describe(
            ConfigKeys.DEFINITION.parse(Map.of("schema.registry.basic.auth.password", "s3cret")));
    assertThat(described).doesNotContain("s3cret").doesNotContain("secret-jaas");
    assertThat(c.registry().basicAuthPassword().value()).isEqualTo("s3cret");
  }

  @Test
  void aUserWithoutAPasswordIsRejected() {
    assertThatThrownBy(
            () ->
                ConfigLoader.load(
                    Optional.empty(), Map.of(), Map.of("schema.registry.basic.auth.user", "bob")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("schema.registry.basic.auth.password");
  }
}
