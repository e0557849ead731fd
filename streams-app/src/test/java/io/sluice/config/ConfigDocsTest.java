package io.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.pipeline.PipelineKind;
import io.sluice.pipeline.PipelineKinds;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The README's table lists the engine's keys and every pipeline kind's. */
class ConfigDocsTest {
  private static final Path README = Path.of("..", "README.md");

  /** The engine's keys, then those of every kind it ships (not the tests' toy kinds). */
  private static String table() {
    return ConfigDocs.markdownTable(
        PipelineKinds.all().stream()
            .filter(k -> k.getClass().getPackageName().startsWith("io.sluice.kinds."))
            .map(PipelineKind::configKeys)
            .toList());
  }

  /** Run with -Dsluice.update.readme=true to rewrite the table after changing a key. */
  @Test
  void theReadmeListsEveryConfigurationKeyAsDefined() throws Exception {
    String readme = Files.readString(README, StandardCharsets.UTF_8);
    int begin = readme.indexOf(ConfigDocs.BEGIN);
    int end = readme.indexOf(ConfigDocs.END);
    assertThat(begin).as("README has the config table markers").isNotNegative();
    assertThat(end).isGreaterThan(begin);
    String current = readme.substring(begin, end + ConfigDocs.END.length() + 1);
    if (Boolean.getBoolean("sluice.update.readme")) {
      Files.writeString(README, readme.replace(current, table()), StandardCharsets.UTF_8);
      return;
    }
    assertThat(current)
        .as("README.md's configuration table; regenerate with -Dsluice.update.readme=true")
        .isEqualTo(table());
  }
}
