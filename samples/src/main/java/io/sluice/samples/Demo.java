package io.sluice.samples;

import io.sluice.config.ConfigKeys;
import io.sluice.embedded.EmbeddedStack;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Shared defaults of the demos and of the demo and training commands. */
public final class Demo {
  /** Where the project's own trained models go, relative to the working directory. */
  public static final Path MODELS_DIR = Path.of(".sluice", "models");

  private Demo() {}

  /**
   * The configuration every demo pipeline shares: the embedded stack, its own application id and
   * state directory, its name, model and topics.
   *
   * @param alerts the alerts topic, or null for a pipeline that writes no alerts
   */
  static Map<String, String> pipelineConfig(
      EmbeddedStack stack,
      String applicationId,
      Path stateDir,
      String name,
      Path descriptor,
      String input,
      String output,
      String alerts,
      String deadLetters) {
    Map<String, String> c = new LinkedHashMap<>();
    c.put(ConfigKeys.APPLICATION_ID, applicationId);
    c.put(ConfigKeys.BOOTSTRAP_SERVERS, stack.kafka().bootstrapServers());
    c.put(ConfigKeys.REGISTRY_URL, stack.registry().url());
    c.put(ConfigKeys.STATE_DIR, stateDir.toString());
    c.put(ConfigKeys.PIPELINE_NAME, name);
    c.put(ConfigKeys.INPUT_TOPIC, input);
    c.put(ConfigKeys.OUTPUT_TOPIC, output);
    if (alerts != null) {
      c.put(ConfigKeys.ALERTS_TOPIC, alerts);
    }
    c.put(ConfigKeys.DLQ_TOPIC, deadLetters);
    c.put(ConfigKeys.MODEL_DESCRIPTOR, descriptor.toString());
    return c;
  }

  /**
   * The repository's descriptors of the pretrained vision models: under {@code SLUICE_HOME} (set by
   * the {@code sluice} launcher to the repository root), else under the working directory.
   */
  public static Path visionDescriptorsDir() {
    String home = System.getenv("SLUICE_HOME");
    Path root = home == null || home.isBlank() ? Path.of("") : Path.of(home);
    return root.resolve("models").resolve("descriptors").resolve("vision").toAbsolutePath();
  }

  /**
   * The data directory: {@code SLUICE_DATA_DIR}, else the system property {@code sluice.data.dir},
   * else {@code ../shared/data}.
   */
  public static Path defaultDataDir() {
    String env = System.getenv("SLUICE_DATA_DIR");
    if (env != null && !env.isBlank()) {
      return Path.of(env);
    }
    return Path.of(System.getProperty("sluice.data.dir", "../shared/data"));
  }
}
