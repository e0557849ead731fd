package io.sluice.loadtests;

import java.nio.file.Path;

/** Where the benchmarks find the data and the project's trained models by default. */
public final class BenchmarkDefaults {
  /** The project's trained models, relative to the repository root (shared with the demo). */
  public static final Path MODELS_DIR = Path.of(".sluice", "models");

  private BenchmarkDefaults() {}

  /**
   * The data directory: {@code SLUICE_DATA_DIR}, else the system property {@code sluice.data.dir},
   * else {@code ../shared/data}.
   */
  public static Path dataDir() {
    String env = System.getenv("SLUICE_DATA_DIR");
    if (env != null && !env.isBlank()) {
      return Path.of(env);
    }
    return Path.of(System.getProperty("sluice.data.dir", "../shared/data"));
  }
}
