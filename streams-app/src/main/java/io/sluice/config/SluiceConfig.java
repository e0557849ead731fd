package io.sluice.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.TreeMap;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

/**
 * The resolved, validated, immutable configuration of one Sluice application running one pipeline.
 * Built by {@link ConfigLoader}; every value has been checked against {@link
 * ConfigKeys#DEFINITION}.
 *
 * @param kafka keys given with the {@code kafka.} prefix, without it, for Kafka Streams
 * @param sources where each explicitly set key came from (file, environment, command line)
 * @param kindSettings the {@code pipeline.*} keys the engine does not define, as given: the
 *     pipeline kind's own keys, which the kind defines, parses and checks (and refuses if they are
 *     another kind's)
 * @param models the model lifecycle: control and status topics, warm-up, history
 */
public record SluiceConfig(
    String applicationId,
    String bootstrapServers,
    String processingGuarantee,
    int numStreamThreads,
    Path stateDir,
    Path dataDir,
    Duration shutdownTimeout,
    Metrics metrics,
    Registry registry,
    Pipeline pipeline,
    Topics topics,
    Map<String, String> kafka,
    Map<String, String> sources,
    Map<String, String> kindSettings,
    Models models) {

  public SluiceConfig {
    kafka = Map.copyOf(kafka);
    sources = Map.copyOf(sources);
    kindSettings = Map.copyOf(kindSettings);
  }

  /**
   * The model lifecycle: whether the instance follows the control topic, the topics' names (never
   * empty here), this instance's name in the status topic, the warm-up runs of a new version, and
   * how many previous champions the control topic remembers.
   */
  public record Models(
      boolean controlEnabled,
      String controlTopic,
      String statusTopic,
      String instanceId,
      int warmupRuns,
      int historySize) {

    static Models of(
        boolean enabled,
        String control,
        String status,
        String instance,
        int warmupRuns,
        int historySize,
        String applicationId) {
      return new Models(
          enabled,
          control.isEmpty() ? applicationId + "-model-control" : control,
          status.isEmpty() ? applicationId + "-model-status" : status,
          instance.isEmpty() ? defaultInstance() : instance,
          warmupRuns,
          historySize);
    }

    private static String defaultInstance() {
      String host;
      try {
        host = java.net.InetAddress.getLocalHost().getHostName();
      } catch (java.net.UnknownHostException e) {
        host = "localhost";
      }
      return host + "-" + ProcessHandle.current().pid();
    }
  }

  /**
   * Where the metrics and health endpoint listens.
   *
   * @param port a TCP port, 0 for any free port, -1 for no endpoint
   */
  public record Metrics(String host, int port) {
    public boolean enabled() {
      return port >= 0;
    }
  }

  /**
   * What to do at start about the pipeline's topics that do not exist.
   *
   * @param create create them (else stop, naming them)
   * @param partitions partitions of a created topic
   * @param replicationFactor replication factor of a created topic; -1 for the broker's default
   */
  public record Topics(boolean create, int partitions, short replicationFactor) {}

  /** How to reach the schema registry; an empty url means registry-less mode. */
  public record Registry(
      String url,
      String basicAuthUser,
      Password basicAuthPassword,
      String truststoreLocation,
      Password truststorePassword,
      String truststoreType,
      String keystoreLocation,
      Password keystorePassword,
      String keystoreType,
      boolean autoRegister,
      Duration requestTimeout,
      int maxRetries,
      Duration retryBackoff,
      Duration retryBackoffMax) {

    public boolean enabled() {
      return !url.isBlank();
    }
  }

  /** One pipeline: topics, feature mapping, model, batching limits and alert rules. */
  public record Pipeline(
      String name,
      String kind,
      String inputTopic,
      String outputTopic,
      String alertsTopic,
      String dlqTopic,
      String eventIdField,
      String eventTimeField,
      String labelField,
      Path modelDescriptor,
      String executionProvider,
      int cudaDevice,
      int intraOpThreads,
      int batchMaxSize,
      Duration batchMaxLinger,
      int batchMaxInFlight,
      Duration batchOffloadMin,
      Duration batchLatencyTarget,
      OptionalDouble alertThreshold,
      String alertSeverity,
      Optional<Shadow> shadow) {}

  /**
   * A challenger model scored beside the pipeline's model, its predictions on their own topic.
   *
   * @param modelDescriptor the challenger's descriptor; null: none at start, the model control
   *     topic may put one in shadow
   * @param outputTopic where its predictions go; never the pipeline's own output or alert topic
   */
  public record Shadow(Path modelDescriptor, String outputTopic) {}

  static SluiceConfig fromParsed(
      Map<String, Object> v,
      Map<String, String> kafka,
      Map<String, String> sources,
      Map<String, String> kindSettings) {
    Registry registry =
        new Registry(
            str(v, ConfigKeys.REGISTRY_URL),
            str(v, ConfigKeys.REGISTRY_USER),
            (Password) v.get(ConfigKeys.REGISTRY_PASSWORD),
            str(v, ConfigKeys.REGISTRY_TRUSTSTORE),
            (Password) v.get(ConfigKeys.REGISTRY_TRUSTSTORE_PASSWORD),
            str(v, ConfigKeys.REGISTRY_TRUSTSTORE_TYPE),
            str(v, ConfigKeys.REGISTRY_KEYSTORE),
            (Password) v.get(ConfigKeys.REGISTRY_KEYSTORE_PASSWORD),
            str(v, ConfigKeys.REGISTRY_KEYSTORE_TYPE),
            (Boolean) v.get(ConfigKeys.REGISTRY_AUTO_REGISTER),
            Duration.ofMillis((Integer) v.get(ConfigKeys.REGISTRY_TIMEOUT_MS)),
            (Integer) v.get(ConfigKeys.REGISTRY_RETRIES),
            Duration.ofMillis((Integer) v.get(ConfigKeys.REGISTRY_BACKOFF_MS)),
            Duration.ofMillis((Integer) v.get(ConfigKeys.REGISTRY_BACKOFF_MAX_MS)));
    if (!registry.basicAuthUser().isBlank() && registry.basicAuthPassword().value().isEmpty()) {
      throw new ConfigException(
          ConfigKeys.REGISTRY_PASSWORD,
          Secrets.HIDDEN,
          "must be set when " + ConfigKeys.REGISTRY_USER + " is set");
    }
    Pipeline pipeline =
        new Pipeline(
            str(v, ConfigKeys.PIPELINE_NAME),
            str(v, ConfigKeys.PIPELINE_KIND),
            str(v, ConfigKeys.INPUT_TOPIC),
            str(v, ConfigKeys.OUTPUT_TOPIC),
            str(v, ConfigKeys.ALERTS_TOPIC),
            str(v, ConfigKeys.DLQ_TOPIC),
            str(v, ConfigKeys.EVENT_ID_FIELD),
            str(v, ConfigKeys.EVENT_TIME_FIELD),
            str(v, ConfigKeys.LABEL_FIELD),
            descriptorPath(ConfigKeys.MODEL_DESCRIPTOR, str(v, ConfigKeys.MODEL_DESCRIPTOR)),
            str(v, ConfigKeys.EXECUTION_PROVIDER),
            (Integer) v.get(ConfigKeys.CUDA_DEVICE),
            (Integer) v.get(ConfigKeys.INTRA_OP_THREADS),
            (Integer) v.get(ConfigKeys.BATCH_MAX_SIZE),
            Duration.ofMillis((Long) v.get(ConfigKeys.BATCH_MAX_LINGER_MS)),
            (Integer) v.get(ConfigKeys.BATCH_MAX_IN_FLIGHT),
            Duration.ofNanos(Math.round((Double) v.get(ConfigKeys.BATCH_OFFLOAD_MIN_MS) * 1e6)),
            Duration.ofMillis((Long) v.get(ConfigKeys.BATCH_LATENCY_TARGET_MS)),
            threshold(ConfigKeys.ALERT_THRESHOLD, str(v, ConfigKeys.ALERT_THRESHOLD)),
            str(v, ConfigKeys.ALERT_SEVERITY),
            shadow(v));
    return new SluiceConfig(
        str(v, ConfigKeys.APPLICATION_ID),
        str(v, ConfigKeys.BOOTSTRAP_SERVERS),
        str(v, ConfigKeys.PROCESSING_GUARANTEE),
        (Integer) v.get(ConfigKeys.NUM_STREAM_THREADS),
        Path.of(str(v, ConfigKeys.STATE_DIR)),
        Path.of(str(v, ConfigKeys.DATA_DIR)),
        Duration.ofMillis((Long) v.get(ConfigKeys.SHUTDOWN_TIMEOUT_MS)),
        new Metrics(str(v, ConfigKeys.METRICS_HOST), (Integer) v.get(ConfigKeys.METRICS_PORT)),
        registry,
        pipeline,
        new Topics(
            (Boolean) v.get(ConfigKeys.TOPICS_CREATE),
            (Integer) v.get(ConfigKeys.TOPICS_PARTITIONS),
            (Short) v.get(ConfigKeys.TOPICS_REPLICATION_FACTOR)),
        kafka,
        sources,
        kindSettings,
        Models.of(
            (Boolean) v.get(ConfigKeys.MODEL_CONTROL_ENABLED),
            str(v, ConfigKeys.MODEL_CONTROL_TOPIC),
            str(v, ConfigKeys.MODEL_STATUS_TOPIC),
            str(v, ConfigKeys.MODEL_INSTANCE_ID),
            (Integer) v.get(ConfigKeys.MODEL_WARMUP_RUNS),
            (Integer) v.get(ConfigKeys.MODEL_HISTORY_SIZE),
            str(v, ConfigKeys.APPLICATION_ID)));
  }

  /** A descriptor key's path; an ONNX file in its place is the common slip, said so. */
  private static Path descriptorPath(String key, String value) {
    if (value.toLowerCase(Locale.ROOT).endsWith(".onnx")) {
      throw new ConfigException(
          key,
          value,
          "is an ONNX model, not its descriptor: point the key at the model's descriptor (the"
              + " JSON file `sluice train` writes beside the .onnx file)");
    }
    return Path.of(value);
  }

  private static Optional<Shadow> shadow(Map<String, Object> v) {
    String descriptor = str(v, ConfigKeys.SHADOW_MODEL_DESCRIPTOR).trim();
    String topic = str(v, ConfigKeys.SHADOW_OUTPUT_TOPIC).trim();
    if (descriptor.isEmpty() && topic.isEmpty()) {
      return Optional.empty();
    }
    if (topic.isEmpty()) {
      throw new ConfigException(
          ConfigKeys.SHADOW_OUTPUT_TOPIC,
          topic,
          "must be set when " + ConfigKeys.SHADOW_MODEL_DESCRIPTOR + " is set");
    }
    for (String live :
        List.of(
            ConfigKeys.INPUT_TOPIC,
            ConfigKeys.OUTPUT_TOPIC,
            ConfigKeys.ALERTS_TOPIC,
            ConfigKeys.DLQ_TOPIC)) {
      if (topic.equals(str(v, live))) {
        throw new ConfigException(
            ConfigKeys.SHADOW_OUTPUT_TOPIC,
            topic,
            "is also " + live + "; shadow predictions need a topic of their own");
      }
    }
    return Optional.of(
        new Shadow(
            descriptor.isEmpty()
                ? null
                : descriptorPath(ConfigKeys.SHADOW_MODEL_DESCRIPTOR, descriptor),
            topic));
  }

  /** The effective configuration, one {@code key = value (source)} per line, secrets hidden. */
  public String describe(Map<String, Object> parsed) {
    StringBuilder sb = new StringBuilder();
    new TreeMap<>(parsed).forEach((key, value) -> line(sb, key, value));
    new TreeMap<>(kindSettings).forEach((key, value) -> line(sb, key, value));
    new TreeMap<>(kafka).forEach((key, value) -> line(sb, ConfigKeys.KAFKA_PREFIX + key, value));
    return sb.toString();
  }

  private void line(StringBuilder sb, String key, Object value) {
    sb.append(key)
        .append(" = ")
        .append(Secrets.isSecret(key) ? Secrets.HIDDEN : value)
        .append(" (")
        .append(sources.getOrDefault(key, "default"))
        .append(")\n");
  }

  private static String str(Map<String, Object> v, String key) {
    Object o = v.get(key);
    return o == null ? "" : o.toString().trim();
  }

  /**
   * A probability threshold given as text; empty: none.
   *
   * @throws ConfigException naming the key, if it is not a number in [0, 1]
   */
  public static OptionalDouble threshold(String key, String text) {
    if (text.isBlank()) {
      return OptionalDouble.empty();
    }
    double t;
    try {
      t = Double.parseDouble(text);
    } catch (NumberFormatException e) {
      throw new ConfigException(key, text, "expected a number in [0, 1]");
    }
    if (!(t >= 0.0 && t <= 1.0)) {
      throw new ConfigException(key, text, "expected a number in [0, 1]");
    }
    return OptionalDouble.of(t);
  }
}
