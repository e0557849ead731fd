package io.sluice.config;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.ValidString;

/**
 * Every configuration key of a Sluice application: its name, type, default and documentation,
 * defined in one place. The README's configuration table is generated from {@link #DEFINITION} and
 * a test checks that the two agree.
 */
public final class ConfigKeys {
  private ConfigKeys() {}

  /** Keys with this prefix are handed to Kafka Streams (and its clients) without the prefix. */
  public static final String KAFKA_PREFIX = "kafka.";

  public static final String APPLICATION_ID = "application.id";
  private static final String APPLICATION_ID_DOC =
      "Kafka Streams application id: consumer group, transactional id prefix and internal topic"
          + " prefix; give each pipeline its own (the demo fills it in).";

  public static final String BOOTSTRAP_SERVERS = "bootstrap.servers";
  private static final String BOOTSTRAP_SERVERS_DOC =
      "Kafka brokers to connect to (host:port,...); the demo fills it in with its embedded broker.";

  public static final String SHUTDOWN_TIMEOUT_MS = "shutdown.timeout.ms";
  private static final String SHUTDOWN_TIMEOUT_MS_DOC =
      "How long a stop (SIGTERM) may take: the stream threads finish the batch in hand and commit."
          + " Keep it below the orchestrator's grace period (docker stop -t, Kubernetes"
          + " terminationGracePeriodSeconds).";

  public static final String TOPICS_CREATE = "topics.create";
  private static final String TOPICS_CREATE_DOC =
      "At start, create the pipeline's topics that do not exist (input, output, alerts, dead"
          + " letters, shadow output) with topics.partitions and topics.replication.factor;"
          + " false: stop at start naming each missing topic.";

  public static final String TOPICS_PARTITIONS = "topics.partitions";
  private static final String TOPICS_PARTITIONS_DOC =
      "Partitions of a topic that topics.create creates.";

  public static final String TOPICS_REPLICATION_FACTOR = "topics.replication.factor";
  private static final String TOPICS_REPLICATION_FACTOR_DOC =
      "Replication factor of a topic that topics.create creates; -1: the broker's default.";

  public static final String METRICS_PORT = "metrics.port";
  private static final String METRICS_PORT_DOC =
      "HTTP port of /metrics (Prometheus), /health/live and /health/ready; 0 picks a free port"
          + " (logged), -1 serves nothing.";

  public static final String METRICS_HOST = "metrics.host";
  private static final String METRICS_HOST_DOC =
      "Address the metrics and health endpoint listens on (0.0.0.0: every interface).";

  public static final String PROCESSING_GUARANTEE = "processing.guarantee";
  private static final String PROCESSING_GUARANTEE_DOC =
      "exactly_once_v2 (default: state, outputs and input offsets commit atomically) or at_least_once.";

  public static final String NUM_STREAM_THREADS = "num.stream.threads";
  private static final String NUM_STREAM_THREADS_DOC =
      "Stream threads in this instance; they share one ONNX Runtime session per model.";

  public static final String STATE_DIR = "state.dir";
  private static final String STATE_DIR_DOC =
      "Directory of the local state stores (changelogged to Kafka as well) and of the schemas"
          + " fetched from the registry; relative to the working directory, beside the trained"
          + " models. Not under the OS temporary directory, which the OS may clean under a running"
          + " instance.";

  public static final String DATA_DIR = "data.dir";
  private static final String DATA_DIR_DOC =
      "Directory of the data sets and pretrained models (see ../shared/data/PROVENANCE.md).";

  public static final String REGISTRY_URL = "schema.registry.url";
  private static final String REGISTRY_URL_DOC =
      "Base URL of a Confluent-compatible Schema Registry API (Confluent, Apicurio /apis/ccompat/v7,"
          + " Karapace, Redpanda). Empty: registry-less mode with the schemas shipped in schemas/.";

  public static final String REGISTRY_USER = "schema.registry.basic.auth.user";
  private static final String REGISTRY_USER_DOC = "User for HTTP basic auth to the registry.";

  public static final String REGISTRY_PASSWORD = "schema.registry.basic.auth.password";
  private static final String REGISTRY_PASSWORD_DOC =
      "Password for HTTP basic auth to the registry.";

  public static final String REGISTRY_TRUSTSTORE = "schema.registry.ssl.truststore.location";
  private static final String REGISTRY_TRUSTSTORE_DOC =
      "Trust store for TLS to the registry (default: the JVM's trust store).";

  public static final String REGISTRY_TRUSTSTORE_PASSWORD =
      "schema.registry.ssl.truststore.password";
  private static final String REGISTRY_TRUSTSTORE_PASSWORD_DOC = "Password of the trust store.";

  public static final String REGISTRY_TRUSTSTORE_TYPE = "schema.registry.ssl.truststore.type";
  private static final String REGISTRY_TRUSTSTORE_TYPE_DOC =
      "Type of the trust store (PKCS12, JKS).";

  public static final String REGISTRY_KEYSTORE = "schema.registry.ssl.keystore.location";
  private static final String REGISTRY_KEYSTORE_DOC =
      "Key store with a client certificate for mutual TLS to the registry.";

  public static final String REGISTRY_KEYSTORE_PASSWORD = "schema.registry.ssl.keystore.password";
  private static final String REGISTRY_KEYSTORE_PASSWORD_DOC = "Password of the key store.";

  public static final String REGISTRY_KEYSTORE_TYPE = "schema.registry.ssl.keystore.type";
  private static final String REGISTRY_KEYSTORE_TYPE_DOC = "Type of the key store (PKCS12, JKS).";

  public static final String REGISTRY_AUTO_REGISTER = "schema.registry.auto.register";
  private static final String REGISTRY_AUTO_REGISTER_DOC =
      "Register output schemas on first use; if false they must already be registered.";

  public static final String REGISTRY_TIMEOUT_MS = "schema.registry.request.timeout.ms";
  private static final String REGISTRY_TIMEOUT_MS_DOC = "Timeout of one registry HTTP request.";

  public static final String REGISTRY_RETRIES = "schema.registry.max.retries";
  private static final String REGISTRY_RETRIES_DOC =
      "Retries of a registry request that failed with an I/O error, 429 or 5xx.";

  public static final String REGISTRY_BACKOFF_MS = "schema.registry.retry.backoff.ms";
  private static final String REGISTRY_BACKOFF_MS_DOC =
      "First retry backoff; doubles per retry, with jitter, up to schema.registry.retry.backoff.max.ms.";

  public static final String REGISTRY_BACKOFF_MAX_MS = "schema.registry.retry.backoff.max.ms";
  private static final String REGISTRY_BACKOFF_MAX_MS_DOC = "Largest retry backoff.";

  public static final String PIPELINE_NAME = "pipeline.name";
  private static final String PIPELINE_NAME_DOC =
      "Name of the pipeline, used in logs, metrics and dead-letter headers.";

  public static final String PIPELINE_KIND = "pipeline.kind";
  private static final String PIPELINE_KIND_DOC =
      "What the pipeline does with the model: classification (tabular features in, class"
          + " probabilities and alerts out), recommendation (rating events in, a top-K"
          + " list per event out, from per-user recent-items state) or image-classification (image"
          + " events in, top-k classes and low-confidence alerts out).";

  public static final String INPUT_TOPIC = "pipeline.input.topic";
  private static final String INPUT_TOPIC_DOC =
      "Topic of input events (Avro, Confluent wire format), read as raw bytes.";

  public static final String OUTPUT_TOPIC = "pipeline.output.topic";
  private static final String OUTPUT_TOPIC_DOC = "Topic the predictions (Avro Prediction) go to.";

  public static final String ALERTS_TOPIC = "pipeline.alerts.topic";
  private static final String ALERTS_TOPIC_DOC = "Topic the anomaly alerts (Avro Alert) go to.";

  public static final String DLQ_TOPIC = "pipeline.dlq.topic";
  private static final String DLQ_TOPIC_DOC =
      "Dead-letter topic: records that could not be decoded, featurized or scored, with their"
          + " original key, value and headers plus headers that say why.";

  public static final String EVENT_ID_FIELD = "pipeline.event.id.field";
  private static final String EVENT_ID_FIELD_DOC =
      "Event field with the event's id (empty: topic-partition@offset).";

  public static final String EVENT_TIME_FIELD = "pipeline.event.time.field";
  private static final String EVENT_TIME_FIELD_DOC =
      "Event field with the event time in epoch ms (empty: the record timestamp).";

  public static final String LABEL_FIELD = "pipeline.label.field";
  private static final String LABEL_FIELD_DOC =
      "Event field with a known label, copied into predictions for evaluation (empty: none).";

  public static final String MODEL_DESCRIPTOR = "pipeline.model.descriptor";
  private static final String MODEL_DESCRIPTOR_DOC =
      "Model descriptor JSON (name, version, ONNX file, sha256, inputs, outputs, labels).";

  public static final String EXECUTION_PROVIDER = "pipeline.model.execution.provider";
  private static final String EXECUTION_PROVIDER_DOC =
      "auto (CUDA if it loads, else CPU), cpu, or cuda (fail at start if CUDA is not available).";

  public static final String CUDA_DEVICE = "pipeline.model.cuda.device";
  private static final String CUDA_DEVICE_DOC = "CUDA device id when the CUDA provider is used.";

  public static final String INTRA_OP_THREADS = "pipeline.model.intra.op.threads";
  private static final String INTRA_OP_THREADS_DOC =
      "ONNX Runtime intra-op threads of the shared session (1 is fastest when every stream thread"
          + " calls the model).";

  public static final String BATCH_MAX_SIZE = "pipeline.batch.max.size";
  private static final String BATCH_MAX_SIZE_DOC =
      "A batch is scored as soon as it holds this many records.";

  public static final String BATCH_MAX_IN_FLIGHT = "pipeline.batch.max.in.flight";
  private static final String BATCH_MAX_IN_FLIGHT_DOC =
      "Batches per task scored off the stream thread at once, on the instance's scoring threads"
          + " (one per core); their outputs are forwarded in input order, at the latest before"
          + " the commit of their offsets. At the limit the stream thread waits for the oldest."
          + " 0: each batch is scored on the stream thread when it is cut.";

  public static final String BATCH_OFFLOAD_MIN_MS = "pipeline.batch.offload.min.ms";
  private static final String BATCH_OFFLOAD_MIN_MS_DOC =
      "Batches go off the stream thread (see pipeline.batch.max.in.flight) only while the task's"
          + " recent batches took at least this long to score; quicker ones are scored on the"
          + " stream thread, where handing a batch over would cost more than it saves. 0: always"
          + " off the stream thread.";

  public static final String BATCH_MAX_LINGER_MS = "pipeline.batch.max.linger.ms";
  private static final String BATCH_MAX_LINGER_MS_DOC =
      "A batch is scored when its oldest record has waited this long (wall clock), full or not.";

  public static final String BATCH_LATENCY_TARGET_MS = "pipeline.batch.latency.target.ms";
  private static final String BATCH_LATENCY_TARGET_MS_DOC =
      "The p99 of processing latency (the stream thread taking a record to its outputs being"
          + " forwarded) to size batches for: each task then chooses its batch size and linger"
          + " online from the measured service time per batch size and the arrival rate, with"
          + " pipeline.batch.max.size and pipeline.batch.max.linger.ms as upper bounds. 0 (the"
          + " default): no target, batches are cut at those two limits.";

  public static final String ALERT_THRESHOLD = "pipeline.alert.threshold";
  private static final String ALERT_THRESHOLD_DOC =
      "Alert when the positive-label score is at or above this; empty: the descriptor's"
          + " alertThreshold (chosen on validation data at training time).";

  public static final String ALERT_SEVERITY = "pipeline.alert.severity";
  private static final String ALERT_SEVERITY_DOC = "Severity of threshold alerts.";

  public static final String SHADOW_MODEL_DESCRIPTOR = "pipeline.shadow.model.descriptor";
  private static final String SHADOW_MODEL_DESCRIPTOR_DOC =
      "Classification pipelines: a challenger's model descriptor, scored beside the model on every"
          + " batch (same features); its predictions go to pipeline.shadow.output.topic, never to"
          + " alerts (empty: none).";

  public static final String SHADOW_OUTPUT_TOPIC = "pipeline.shadow.output.topic";
  private static final String SHADOW_OUTPUT_TOPIC_DOC =
      "Topic for the shadow model's predictions; required with pipeline.shadow.model.descriptor.";

  public static final String MODEL_CONTROL_ENABLED = "model.control.enabled";
  private static final String MODEL_CONTROL_ENABLED_DOC =
      "Follow the model control topic: the desired champion, canary or shadow of the pipeline, set"
          + " with `sluice model`; false: serve pipeline.model.descriptor until the process stops.";

  public static final String MODEL_CONTROL_TOPIC = "model.control.topic";
  private static final String MODEL_CONTROL_TOPIC_DOC =
      "Compacted topic of the desired model versions, keyed by pipeline name (created if missing);"
          + " empty: <application.id>-model-control.";

  public static final String MODEL_STATUS_TOPIC = "model.status.topic";
  private static final String MODEL_STATUS_TOPIC_DOC =
      "Compacted topic where each instance says which versions it serves and refused, keyed by"
          + " <pipeline>/<instance> (created if missing); empty: <application.id>-model-status.";

  public static final String MODEL_INSTANCE_ID = "model.instance.id";
  private static final String MODEL_INSTANCE_ID_DOC =
      "This instance's name in the model status topic; empty: <host>-<pid>.";

  public static final String MODEL_WARMUP_RUNS = "model.warmup.runs";
  private static final String MODEL_WARMUP_RUNS_DOC =
      "Runs on the golden (or zero) rows a new model version must pass before it serves.";

  public static final String MODEL_HISTORY_SIZE = "model.history.size";
  private static final String MODEL_HISTORY_SIZE_DOC =
      "Previous champions the control topic remembers, for `sluice model rollback`.";

  /** The definitions, in the order the README lists them. */
  public static final ConfigDef DEFINITION =
      new ConfigDef()
          .define(
              APPLICATION_ID,
              Type.STRING,
              ConfigDef.NO_DEFAULT_VALUE,
              nonEmpty(),
              Importance.HIGH,
              APPLICATION_ID_DOC)
          .define(
              BOOTSTRAP_SERVERS,
              Type.STRING,
              ConfigDef.NO_DEFAULT_VALUE,
              nonEmpty(),
              Importance.HIGH,
              BOOTSTRAP_SERVERS_DOC)
          .define(
              PROCESSING_GUARANTEE,
              Type.STRING,
              "exactly_once_v2",
              ValidString.in("exactly_once_v2", "at_least_once"),
              Importance.MEDIUM,
              PROCESSING_GUARANTEE_DOC)
          .define(
              NUM_STREAM_THREADS,
              Type.INT,
              1,
              Range.between(1, 64),
              Importance.MEDIUM,
              NUM_STREAM_THREADS_DOC)
          .define(
              STATE_DIR, Type.STRING, ".sluice/state", nonEmpty(), Importance.MEDIUM, STATE_DIR_DOC)
          .define(
              DATA_DIR, Type.STRING, "../shared/data", nonEmpty(), Importance.MEDIUM, DATA_DIR_DOC)
          .define(
              SHUTDOWN_TIMEOUT_MS,
              Type.LONG,
              30_000L,
              Range.between(1, 3_600_000),
              Importance.MEDIUM,
              SHUTDOWN_TIMEOUT_MS_DOC)
          .define(
              METRICS_PORT,
              Type.INT,
              9400,
              Range.between(-1, 65_535),
              Importance.MEDIUM,
              METRICS_PORT_DOC)
          .define(
              METRICS_HOST, Type.STRING, "0.0.0.0", nonEmpty(), Importance.LOW, METRICS_HOST_DOC)
          .define(REGISTRY_URL, Type.STRING, "", Importance.HIGH, REGISTRY_URL_DOC)
          .define(REGISTRY_USER, Type.STRING, "", Importance.LOW, REGISTRY_USER_DOC)
          .define(REGISTRY_PASSWORD, Type.PASSWORD, "", Importance.LOW, REGISTRY_PASSWORD_DOC)
          .define(REGISTRY_TRUSTSTORE, Type.STRING, "", Importance.LOW, REGISTRY_TRUSTSTORE_DOC)
          .define(
              REGISTRY_TRUSTSTORE_PASSWORD,
              Type.PASSWORD,
              "",
              Importance.LOW,
              REGISTRY_TRUSTSTORE_PASSWORD_DOC)
          .define(
              REGISTRY_TRUSTSTORE_TYPE,
              Type.STRING,
              "PKCS12",
              Importance.LOW,
              REGISTRY_TRUSTSTORE_TYPE_DOC)
          .define(REGISTRY_KEYSTORE, Type.STRING, "", Importance.LOW, REGISTRY_KEYSTORE_DOC)
          .define(
              REGISTRY_KEYSTORE_PASSWORD,
              Type.PASSWORD,
              "",
              Importance.LOW,
              REGISTRY_KEYSTORE_PASSWORD_DOC)
          .define(
              REGISTRY_KEYSTORE_TYPE,
              Type.STRING,
              "PKCS12",
              Importance.LOW,
              REGISTRY_KEYSTORE_TYPE_DOC)
          .define(
              REGISTRY_AUTO_REGISTER,
              Type.BOOLEAN,
              true,
              Importance.LOW,
              REGISTRY_AUTO_REGISTER_DOC)
          .define(
              REGISTRY_TIMEOUT_MS,
              Type.INT,
              10_000,
              Range.atLeast(1),
              Importance.LOW,
              REGISTRY_TIMEOUT_MS_DOC)
          .define(
              REGISTRY_RETRIES, Type.INT, 5, Range.atLeast(0), Importance.LOW, REGISTRY_RETRIES_DOC)
          .define(
              REGISTRY_BACKOFF_MS,
              Type.INT,
              100,
              Range.atLeast(1),
              Importance.LOW,
              REGISTRY_BACKOFF_MS_DOC)
          .define(
              REGISTRY_BACKOFF_MAX_MS,
              Type.INT,
              5_000,
              Range.atLeast(1),
              Importance.LOW,
              REGISTRY_BACKOFF_MAX_MS_DOC)
          .define(TOPICS_CREATE, Type.BOOLEAN, false, Importance.MEDIUM, TOPICS_CREATE_DOC)
          .define(
              TOPICS_PARTITIONS,
              Type.INT,
              1,
              Range.atLeast(1),
              Importance.LOW,
              TOPICS_PARTITIONS_DOC)
          .define(
              TOPICS_REPLICATION_FACTOR,
              Type.SHORT,
              (short) -1,
              Range.between(-1, Short.MAX_VALUE),
              Importance.LOW,
              TOPICS_REPLICATION_FACTOR_DOC)
          .define(
              PIPELINE_NAME, Type.STRING, "fraud", nonEmpty(), Importance.HIGH, PIPELINE_NAME_DOC)
          .define(
              PIPELINE_KIND,
              Type.STRING,
              "classification",
              nonEmpty(),
              Importance.HIGH,
              PIPELINE_KIND_DOC)
          .define(
              INPUT_TOPIC,
              Type.STRING,
              "transactions",
              nonEmpty(),
              Importance.HIGH,
              INPUT_TOPIC_DOC)
          .define(
              OUTPUT_TOPIC,
              Type.STRING,
              "predictions",
              nonEmpty(),
              Importance.HIGH,
              OUTPUT_TOPIC_DOC)
          .define(
              ALERTS_TOPIC, Type.STRING, "alerts", nonEmpty(), Importance.HIGH, ALERTS_TOPIC_DOC)
          .define(
              DLQ_TOPIC, Type.STRING, "dead-letters", nonEmpty(), Importance.HIGH, DLQ_TOPIC_DOC)
          .define(EVENT_ID_FIELD, Type.STRING, "id", Importance.LOW, EVENT_ID_FIELD_DOC)
          .define(EVENT_TIME_FIELD, Type.STRING, "eventTime", Importance.LOW, EVENT_TIME_FIELD_DOC)
          .define(LABEL_FIELD, Type.STRING, "label", Importance.LOW, LABEL_FIELD_DOC)
          .define(
              MODEL_DESCRIPTOR,
              Type.STRING,
              ".sluice/models/fraud/fraud-logreg.json",
              nonEmpty(),
              Importance.HIGH,
              MODEL_DESCRIPTOR_DOC)
          .define(
              EXECUTION_PROVIDER,
              Type.STRING,
              "auto",
              ValidString.in("auto", "cpu", "cuda"),
              Importance.MEDIUM,
              EXECUTION_PROVIDER_DOC)
          .define(CUDA_DEVICE, Type.INT, 0, Range.atLeast(0), Importance.LOW, CUDA_DEVICE_DOC)
          .define(
              INTRA_OP_THREADS,
              Type.INT,
              1,
              Range.between(1, 256),
              Importance.LOW,
              INTRA_OP_THREADS_DOC)
          .define(
              BATCH_MAX_SIZE,
              Type.INT,
              64,
              Range.between(1, 100_000),
              Importance.HIGH,
              BATCH_MAX_SIZE_DOC)
          .define(
              BATCH_MAX_IN_FLIGHT,
              Type.INT,
              2,
              Range.between(0, 64),
              Importance.MEDIUM,
              BATCH_MAX_IN_FLIGHT_DOC)
          .define(
              BATCH_OFFLOAD_MIN_MS,
              Type.DOUBLE,
              1.0,
              Range.between(0.0, 60_000.0),
              Importance.LOW,
              BATCH_OFFLOAD_MIN_MS_DOC)
          .define(
              BATCH_MAX_LINGER_MS,
              Type.LONG,
              50L,
              Range.between(1, 3_600_000),
              Importance.HIGH,
              BATCH_MAX_LINGER_MS_DOC)
          .define(
              BATCH_LATENCY_TARGET_MS,
              Type.LONG,
              0L,
              Range.between(0, 3_600_000),
              Importance.MEDIUM,
              BATCH_LATENCY_TARGET_MS_DOC)
          .define(ALERT_THRESHOLD, Type.STRING, "", Importance.MEDIUM, ALERT_THRESHOLD_DOC)
          .define(
              ALERT_SEVERITY,
              Type.STRING,
              "WARNING",
              severity(),
              Importance.LOW,
              ALERT_SEVERITY_DOC)
          .define(
              SHADOW_MODEL_DESCRIPTOR, Type.STRING, "", Importance.LOW, SHADOW_MODEL_DESCRIPTOR_DOC)
          .define(SHADOW_OUTPUT_TOPIC, Type.STRING, "", Importance.LOW, SHADOW_OUTPUT_TOPIC_DOC)
          .define(
              MODEL_CONTROL_ENABLED,
              Type.BOOLEAN,
              true,
              Importance.MEDIUM,
              MODEL_CONTROL_ENABLED_DOC)
          .define(MODEL_CONTROL_TOPIC, Type.STRING, "", Importance.MEDIUM, MODEL_CONTROL_TOPIC_DOC)
          .define(MODEL_STATUS_TOPIC, Type.STRING, "", Importance.MEDIUM, MODEL_STATUS_TOPIC_DOC)
          .define(MODEL_INSTANCE_ID, Type.STRING, "", Importance.LOW, MODEL_INSTANCE_ID_DOC)
          .define(
              MODEL_WARMUP_RUNS,
              Type.INT,
              3,
              Range.atLeast(0),
              Importance.LOW,
              MODEL_WARMUP_RUNS_DOC)
          .define(
              MODEL_HISTORY_SIZE,
              Type.INT,
              5,
              Range.between(1, 100),
              Importance.LOW,
              MODEL_HISTORY_SIZE_DOC);

  private static ConfigDef.Validator severity() {
    return ValidString.in("INFO", "WARNING", "CRITICAL");
  }

  private static ConfigDef.Validator nonEmpty() {
    return new ConfigDef.NonEmptyString();
  }
}
