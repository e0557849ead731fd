package io.sluice.embedded;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedRegistryTest {

  @Test
  void refusesToStartAnUnbuiltRegistryAndSaysHowToBuildIt(@TempDir Path empty) {
    assertThatThrownBy(
            () -> EmbeddedRegistry.start(empty, empty, EmbeddedRegistry.DEFAULT_STARTUP_TIMEOUT))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(empty.resolve("quarkus-run.jar").toString())
        .hasMessageContaining("./mvnw install -DskipTests");
  }

  @Test
  void reportsTheExitCodeAndLogTailWhenTheChildDiesBeforeAnswering(@TempDir Path dir)
      throws Exception {
    Path app = Files.createDirectories(dir.resolve("quarkus-app"));
    Files.writeString(app.resolve("quarkus-run.jar"), "not a jar");
    Path work = dir.resolve("work");

    assertThatThrownBy(() -> EmbeddedRegistry.start(app, work, Duration.ofSeconds(30)))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("exited with code 1")
        .hasMessageContaining(work.resolve("registry.log").toString())
        .hasMessageContaining("Invalid or corrupt jarfile");
  }

  @Test
  void reportsTheConfiguredAppDirectoryWhenItHoldsNoRegistry(@TempDir Path empty) {
    String previous = System.getProperty(EmbeddedRegistry.APP_DIR_PROPERTY);
    System.setProperty(EmbeddedRegistry.APP_DIR_PROPERTY, empty.toString());
    try {
      assertThatThrownBy(EmbeddedRegistry::locateApp)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining(empty.toString());
    } finally {
      if (previous == null) {
        System.clearProperty(EmbeddedRegistry.APP_DIR_PROPERTY);
      } else {
        System.setProperty(EmbeddedRegistry.APP_DIR_PROPERTY, previous);
      }
    }
  }
}
