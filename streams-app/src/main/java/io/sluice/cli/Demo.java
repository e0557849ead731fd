package io.sluice.cli;

import java.nio.file.Path;

/** Shared defaults of the demo and training commands. */
final class Demo {
  /** Where the project's own trained models go, relative to the working directory. */
  static final Path MODELS_DIR = Path.of(".sluice", "models");

  private Demo() {}

  /**
   * The repository's descriptors of the pretrained vision models: under {@code SLUICE_HOME} (set by
   * the {@code sluice} launcher to the repository root), else under the working directory.
   */
  static Path visionDescriptorsDir() {
    String home = System.getenv("SLUICE_HOME");
    Path root = home == null || home.isBlank() ? Path.of("") : Path.of(home);
    return root.resolve("models").resolve("descriptors").resolve("vision").toAbsolutePath();
  }

  /**
   * The data directory: {@code SLUICE_DATA_DIR}, else the system property {@code sluice.data.dir},
   * else {@code ../shared/data}.
   */
  static Path defaultDataDir() {
    String env = System.getenv("SLUICE_DATA_DIR");
    if (env != null && !env.isBlank()) {
      return Path.of(env);
    }
    return Path.of(System.getProperty("sluice.data.dir", "../shared/data"));
  }
}
