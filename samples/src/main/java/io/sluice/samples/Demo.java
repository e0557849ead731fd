package io.sluice.samples;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.sluice.app.SluiceApplication;
import io.sluice.config.ConfigKeys;
import io.sluice.config.ConfigLoader;
import io.sluice.config.SluiceConfig;
import io.sluice.embedded.EmbeddedKafka;
import io.sluice.embedded.EmbeddedStack;
import io.sluice.schemas.Alert;
import io.sluice.serde.RegistrySettings;
import io.sluice.serde.RestSchemaRegistryClient;
import io.sluice.serde.SchemaRegistryClient;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

/** What the demos share, and the defaults of the demo, produce and train commands. */
public final class Demo {
  /** Where the project's own trained models go, relative to the working directory. */
  public static final Path MODELS_DIR = Path.of(".sluice", "models");

  /** Partitions of every demo topic. */
  static final int PARTITIONS = 2;

  private Demo() {}

  /**
   * The topics of a demo pipeline.
   *
   * @param alerts the alerts topic, or null for a pipeline that writes no alerts
   */
  record Topics(String input, String output, String alerts, String deadLetters) {

    /** Creates the topics on the embedded broker. */
    void create(EmbeddedStack stack) {
      stack
          .kafka()
          .createTopics(
              PARTITIONS,
              Stream.of(input, output, alerts, deadLetters)
                  .filter(Objects::nonNull)
                  .toArray(String[]::new));
    }

    /** A collector of what the pipeline writes to these topics on the embedded broker. */
    OutputCollector collector(EmbeddedStack stack, SchemaRegistryClient registry) {
      return new OutputCollector(
          stack.kafka().bootstrapServers(), registry, output, alerts, deadLetters);
    }
  }

  /** A client of the embedded stack's schema registry; the caller closes it. */
  static SchemaRegistryClient registry(EmbeddedStack stack) {
    return new RestSchemaRegistryClient(RegistrySettings.of(stack.registry().url()));
  }

  /**
   * An empty state directory for the demo application {@code name}, {@code
   * .sluice/demo-state/<name>} under the working directory: emptied first (the demo's broker is new
   * each time, so earlier state means nothing), and not under the OS temporary directory, which
   * Kafka Streams warns about.
   */
  static Path newStateDir(String name) throws IOException {
    Path dir = Path.of(".sluice", "demo-state", name).toAbsolutePath();
    EmbeddedKafka.deleteRecursively(dir);
    return Files.createDirectories(dir);
  }

  /** The demo pipeline's configuration from its settings alone (no file, no environment). */
  static SluiceConfig load(Map<String, String> settings) {
    return ConfigLoader.load(Optional.empty(), Map.of(), settings);
  }

  /**
   * As {@link #load}, for a demo that runs one instance: no standby replica is asked for (the
   * default of one is for several instances; alone, Kafka Streams warns at every rebalance that it
   * cannot place it).
   */
  static SluiceConfig loadSingleInstance(Map<String, String> settings) {
    Map<String, String> single = new LinkedHashMap<>(settings);
    single.putIfAbsent("kafka.num.standby.replicas", "0");
    return load(single);
  }

  /** Trains a model into a directory. */
  @FunctionalInterface
  interface Trainer {
    void train(Path outDir) throws Exception;
  }

  /** The descriptor of one of the project's own models, trained first if it is not there. */
  static Path ensureModel(Path descriptor, Trainer trainer) throws Exception {
    return ensureModel(descriptor, Files.exists(descriptor), trainer);
  }

  /**
   * The descriptor of one of the project's own models, trained first into its directory unless
   * {@code current}.
   */
  static Path ensureModel(Path descriptor, boolean current, Trainer trainer) throws Exception {
    if (!current) {
      trainer.train(descriptor.getParent());
    }
    return descriptor;
  }

  /**
   * The configuration every demo pipeline shares: the embedded stack, its own application id and
   * state directory, its name, model and topics.
   */
  static Map<String, String> pipelineConfig(
      EmbeddedStack stack,
      String name,
      Topics topics,
      Path descriptor,
      String applicationId,
      Path stateDir) {
    return pipelineConfig(
        stack.kafka().bootstrapServers(),
        stack.registry().url(),
        name,
        topics,
        descriptor,
        applicationId,
        stateDir);
  }

  /** As {@link #pipelineConfig(EmbeddedStack, String, Topics, Path, String, Path)}, any servers. */
  static Map<String, String> pipelineConfig(
      String bootstrapServers,
      String registryUrl,
      String name,
      Topics topics,
      Path descriptor,
      String applicationId,
      Path stateDir) {
    Map<String, String> c = new LinkedHashMap<>();
    c.put(ConfigKeys.APPLICATION_ID, applicationId);
    c.put(ConfigKeys.BOOTSTRAP_SERVERS, bootstrapServers);
    c.put(ConfigKeys.REGISTRY_URL, registryUrl);
    c.put(ConfigKeys.STATE_DIR, stateDir.toString());
    c.put(ConfigKeys.PIPELINE_NAME, name);
    c.put(ConfigKeys.INPUT_TOPIC, topics.input());
    c.put(ConfigKeys.OUTPUT_TOPIC, topics.output());
    if (topics.alerts() != null) {
      c.put(ConfigKeys.ALERTS_TOPIC, topics.alerts());
    }
    c.put(ConfigKeys.DLQ_TOPIC, topics.deadLetters());
    c.put(ConfigKeys.MODEL_DESCRIPTOR, descriptor.toString());
    return c;
  }

  /**
   * Prints one line per drift summary of {@code meters}: {@code format} of its metric, the windows
   * judged and the largest PSI, then {@code more}.
   */
  static void printDrift(PrintStream out, MeterRegistry meters, String format, Object... more) {
    for (DistributionSummary summary : meters.find("sluice.drift.psi").summaries()) {
      Object[] args = new Object[3 + more.length];
      args[0] = summary.getId().getTag("metric");
      args[1] = summary.count();
      args[2] = summary.max();
      System.arraycopy(more, 0, args, 3, more.length);
      out.printf(Locale.ROOT, format, args);
    }
  }

  /**
   * An alert's feature contributions, each as {@code format} of the feature, its value and its
   * contribution.
   */
  static List<String> contributions(Alert alert, String format) {
    return alert.getContributions().stream()
        .map(
            f ->
                String.format(
                    Locale.ROOT, format, f.getFeature(), f.getValue(), f.getContribution()))
        .toList();
  }

  /** Prints the end-to-end throughput of {@code events} events in {@code seconds}. */
  static void printThroughput(PrintStream out, int events, double seconds) {
    out.printf(
        Locale.ROOT,
        "throughput       %,.0f events/s end to end (%.1f s)%n",
        events / seconds,
        seconds);
  }

  /** Prints where the demo runs: the broker, the registry and the model's execution provider. */
  static void printEnvironment(PrintStream out, EmbeddedStack stack, SluiceApplication app) {
    out.printf(
        Locale.ROOT,
        "broker %s  registry %s  execution provider %s%n",
        stack.kafka().bootstrapServers(),
        stack.registry().url(),
        app.model().activeProvider().configName());
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
