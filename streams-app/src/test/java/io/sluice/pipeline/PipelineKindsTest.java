package io.sluice.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.app.SluiceApplication;
import io.sluice.config.ConfigLoader;
import io.sluice.config.SluiceConfig;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

/** {@code pipeline.kind} and the kinds' own keys, as the engine resolves them at start. */
class PipelineKindsTest {

  private static SluiceConfig config(Map<String, String> extra) {
    Map<String, String> c = new HashMap<>();
    c.put("application.id", "kinds-test");
    c.put("bootstrap.servers", "unused:9092");
    c.putAll(extra);
    return ConfigLoader.load(Optional.empty(), Map.of(), c);
  }

  @Test
  void theShippedKindsAreFoundThroughTheServiceLoader() {
    assertThat(PipelineKinds.all())
        .extracting(PipelineKind::name)
        .contains("classification", "image-classification", "recommendation");
  }

  @Test
  void aKeyOfAnotherKindIsRefusedAtStartNamingTheKey() {
    SluiceConfig config = config(Map.of("pipeline.recs.k", "5"));
    assertThatThrownBy(() -> SluiceApplication.create(config, new SimpleMeterRegistry()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("pipeline.recs.k")
        .hasMessageContaining("recommendation")
        .hasMessageContaining("classification");
  }

  @Test
  void theKindsOwnKeysAreParsedWithTheirTypesAndDefaults() {
    PipelineKinds.Resolved recs =
        PipelineKinds.resolve(
            config(Map.of("pipeline.kind", "recommendation", "pipeline.recs.k", "7")));
    assertThat(recs.kind().name()).isEqualTo("recommendation");
    assertThat(recs.settings().getInt("pipeline.recs.k")).isEqualTo(7);
    assertThat(recs.settings().getInt("pipeline.recs.recent.items")).isEqualTo(10);
    assertThatThrownBy(
            () ->
                PipelineKinds.resolve(
                    config(Map.of("pipeline.kind", "recommendation", "pipeline.recs.k", "many"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("pipeline.recs.k");
  }

  @Test
  void anUnknownKeyIsRefusedNamingTheKeyAndItsSource() {
    assertThatThrownBy(() -> PipelineKinds.resolve(config(Map.of("pipeline.batch.max.sise", "3"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("Unknown configuration key 'pipeline.batch.max.sise'")
        .hasMessageContaining("command line");
  }

  @Test
  void anUnknownKindIsRefusedListingTheKnownOnes() {
    assertThatThrownBy(() -> PipelineKinds.resolve(config(Map.of("pipeline.kind", "regression"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("pipeline.kind")
        .hasMessageContaining("classification")
        .hasMessageContaining("recommendation");
  }
}
