package io.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.config.ConfigLoader;
import io.sluice.config.SluiceConfig;
import io.sluice.pipeline.PipelineKinds;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The pipeline files under {@code samples/pipelines/} (README's walkthrough and the docker-compose
 * stack run them) are valid: every key known, every value of its type, the kind's keys its own.
 */
class SamplePipelinesTest {

  static List<Path> files() throws IOException {
    try (Stream<Path> files = Files.list(Path.of("..", "samples", "pipelines"))) {
      return files.filter(f -> f.toString().endsWith(".properties")).sorted().toList();
    }
  }

  @ParameterizedTest
  @MethodSource("files")
  void loadsWithTheEnvironmentThatSluiceStackPrints(Path file) {
    SluiceConfig config =
        ConfigLoader.load(
            Optional.of(file),
            Map.of(
                "SLUICE_BOOTSTRAP_SERVERS", "127.0.0.1:9092",
                "SLUICE_SCHEMA_REGISTRY_URL", "http://127.0.0.1:8081"),
            Map.of());
    assertThat(PipelineKinds.resolve(config).kind().name()).isEqualTo(config.pipeline().kind());
    assertThat(config.topics().create()).isTrue();
  }

  @Test
  void everyDemoPipelineHasAFile() throws IOException {
    assertThat(files().stream().map(f -> f.getFileName().toString()))
        .containsExactly(
            "fraud.properties", "intrusion.properties", "recs.properties", "vision.properties");
  }
}
