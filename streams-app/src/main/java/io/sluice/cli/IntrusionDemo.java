package io.sluice.cli;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.anomaly.DriftRule;
import io.sluice.app.SluiceApplication;
import io.sluice.config.ConfigLoader;
import io.sluice.config.SluiceConfig;
import io.sluice.embedded.EmbeddedStack;
import io.sluice.kinds.classification.ClassificationKeys;
import io.sluice.models.descriptor.ModelDescriptor;
import io.sluice.models.eval.RocAuc;
import io.sluice.models.eval.ThresholdMetrics;
import io.sluice.models.intrusion.IntrusionModelTrainer;
import io.sluice.models.intrusion.NslKdd;
import io.sluice.schemas.Alert;
import io.sluice.schemas.NetworkConnection;
import io.sluice.schemas.Prediction;
import io.sluice.serde.RecordPart;
import io.sluice.serde.RegistrySettings;
import io.sluice.serde.RestSchemaRegistryClient;
import io.sluice.serde.SchemaRegistryClient;
import io.sluice.serde.SpecificAvroSerde;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The intrusion-detection demo: streams the NSL-KDD test connections through a classification
 * pipeline on the embedded broker and registry, keyed by the target service so that the cooldown
 * turns floods into a few alerts, and reports attack detection as measured on the stream's output.
 */
public final class IntrusionDemo {
  public static final String INPUT = "connections";
  public static final String PREDICTIONS = "intrusion-predictions";
  public static final String ALERTS = "intrusion-alerts";
  public static final String DEAD_LETTERS = "intrusion-dead-letters";
  static final int PARTITIONS = 2;

  private final Path dataDir;
  private final Path modelsDir;
  private final PrintStream out;

  public IntrusionDemo(Path dataDir, Path modelsDir, PrintStream out) {
    this.dataDir = dataDir;
    this.modelsDir = modelsDir;
    this.out = out;
  }

  /** The descriptor of the intrusion model, trained first if it is not there yet. */
  public static Path ensureModel(Path dataDir, Path modelsDir) throws Exception {
    Path descriptor = modelsDir.resolve("intrusion").resolve(IntrusionModelTrainer.DESCRIPTOR_FILE);
    if (!Files.exists(descriptor)) {
      IntrusionModelTrainer.train(dataDir, descriptor.getParent(), 42);
    }
    return descriptor;
  }

  /** Configuration of the intrusion pipeline against the embedded stack. */
  public static Map<String, String> pipelineConfig(
      EmbeddedStack stack, Path descriptor, String applicationId, Path stateDir) {
    Map<String, String> c =
        Demo.pipelineConfig(
            stack,
            applicationId,
            stateDir,
            "intrusion",
            descriptor,
            INPUT,
            PREDICTIONS,
            ALERTS,
            DEAD_LETTERS);
    // Event fields carry the connection features under the model's names; text ones are one-hot.
    c.put(ClassificationKeys.FEATURES, "*");
    c.put(ClassificationKeys.ALERT_DRIFT_METRICS, DriftRule.SCORE);
    // One alert per service and ten minutes of event time, with the count held back.
    c.put(ClassificationKeys.ALERT_COOLDOWN_MS, "600000");
    return c;
  }

  /** Creates the pipeline's topics on the embedded broker. */
  public static void createTopics(EmbeddedStack stack) {
    stack.kafka().createTopics(PARTITIONS, INPUT, PREDICTIONS, ALERTS, DEAD_LETTERS);
  }

  /**
   * Produces the connections keyed by their service in one producer (idempotent, acks=all).
   *
   * @return the number of records produced
   */
  public static int produce(
      String bootstrapServers,
      SchemaRegistryClient registry,
      String topic,
      List<NetworkConnection> events) {
    Serializer<NetworkConnection> serializer =
        new SpecificAvroSerde<>(registry, NetworkConnection.class, RecordPart.VALUE, true)
            .serializer();
    Map<String, Object> config =
        Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            bootstrapServers,
            ProducerConfig.ACKS_CONFIG,
            "all",
            ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
            true,
            ProducerConfig.LINGER_MS_CONFIG,
            5);
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer())) {
      for (NetworkConnection e : events) {
        producer.send(new ProducerRecord<>(topic, e.getService(), serializer.serialize(topic, e)));
      }
      producer.flush();
    }
    return events.size();
  }

  /**
   * Attack detection as measured on the stream's predictions: an attack is predicted when its score
   * is at or above the threshold.
   *
   * @param labelled predictions whose event carried a label
   */
  public record Detection(ThresholdMetrics metrics, double rocAuc, int labelled) {

    /** Measures the predictions that carry a label. */
    public static Detection of(List<Prediction> predictions, double threshold) {
      List<Prediction> labelled = predictions.stream().filter(p -> p.getLabel() != null).toList();
      double[] scores = labelled.stream().mapToDouble(Prediction::getScore).toArray();
      int[] labels =
          labelled.stream().mapToInt(p -> NslKdd.ATTACK.equals(p.getLabel()) ? 1 : 0).toArray();
      return new Detection(
          ThresholdMetrics.at(scores, labels, threshold),
          RocAuc.rocAuc(scores, labels),
          labelled.size());
    }
  }

  /** Runs the demo on a started embedded stack; returns the process exit code. */
  public int run(EmbeddedStack stack) throws Exception {
    out.println("== Sluice demo: intrusion detection (NSL-KDD) ==");
    Path descriptorPath = ensureModel(dataDir, modelsDir);
    ModelDescriptor descriptor = ModelDescriptor.read(descriptorPath);
    out.printf(
        Locale.ROOT,
        "model %s:%s  %d input columns (protocol, service and flag one-hot)  alert threshold %.4f%n",
        descriptor.name(),
        descriptor.version(),
        descriptor.features().size(),
        descriptor.alertThreshold());
    createTopics(stack);
    List<NetworkConnection> events = IntrusionEvents.read(dataDir);
    Path stateDir = Files.createTempDirectory("sluice-demo-state");
    SluiceConfig config =
        ConfigLoader.load(
            Optional.empty(),
            Map.of(),
            pipelineConfig(stack, descriptorPath, "sluice-demo-intrusion", stateDir));
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    try (SchemaRegistryClient registry =
            new RestSchemaRegistryClient(RegistrySettings.of(stack.registry().url()));
        SluiceApplication app = SluiceApplication.create(config, meters);
        OutputCollector collector =
            new OutputCollector(
                stack.kafka().bootstrapServers(), registry, PREDICTIONS, ALERTS, DEAD_LETTERS)) {
      app.start();
      long started = System.nanoTime();
      int produced = produce(stack.kafka().bootstrapServers(), registry, INPUT, events);
      boolean complete = collector.awaitOutputs(produced, Duration.ofMinutes(5));
      collector.poll(Duration.ofMillis(500));
      double seconds = (collector.lastReceivedNanos() - started) / 1e9;
      report(produced, collector, descriptor, meters, seconds);
      return complete ? 0 : 1;
    }
  }

  private void report(
      int produced,
      OutputCollector c,
      ModelDescriptor descriptor,
      SimpleMeterRegistry meters,
      double seconds) {
    Detection d = Detection.of(c.predictions(), descriptor.alertThreshold());
    ThresholdMetrics m = d.metrics();
    out.println();
    out.printf(
        Locale.ROOT, "events in        %,d connections of KDDTest+ (keyed by service)%n", produced);
    out.printf(Locale.ROOT, "predictions out  %,d%n", c.predictions().size());
    out.printf(Locale.ROOT, "dead letters     %,d%n", c.deadLetters().size());
    out.printf(
        Locale.ROOT,
        "throughput       %,.0f events/s end to end (%.1f s)%n",
        produced / seconds,
        seconds);
    out.println();
    out.printf(
        Locale.ROOT,
        "attack detection measured on the stream (p(attack) >= %.4f, %,d labelled predictions):%n",
        m.threshold(),
        d.labelled());
    out.printf(
        Locale.ROOT,
        "  accuracy %.4f  precision %.4f  recall %.4f  F1 %.4f  ROC-AUC %.4f%n",
        m.accuracy(),
        m.precision(),
        m.recall(),
        m.f1(),
        d.rocAuc());
    out.printf(
        Locale.ROOT,
        "  TP %,d  FP %,d  FN %,d  TN %,d%n",
        m.truePositives(),
        m.falsePositives(),
        m.falseNegatives(),
        m.trueNegatives());
    if (descriptor.training() != null && descriptor.training().get("testAccuracy") != null) {
      out.printf(
          Locale.ROOT,
          "  (offline at training time: accuracy %.4f  precision %.4f  recall %.4f)%n",
          ((Number) descriptor.training().get("testAccuracy")).doubleValue(),
          ((Number) descriptor.training().get("testPrecision")).doubleValue(),
          ((Number) descriptor.training().get("testRecall")).doubleValue());
    }
    out.println();
    long summaries = c.alerts().stream().filter(a -> a.getSuppressedCount() > 0).count();
    long reported = c.alerts().stream().mapToLong(Alert::getSuppressedCount).sum();
    out.printf(
        Locale.ROOT,
        "alerts           %,d sent: %s%n"
            + "                 %,.0f held back by the cooldown per service and rule; %,d of them"
            + " reported in %,d summaries, the rest when their cooldowns end%n",
        c.alerts().size(),
        c.alerts().stream()
            .collect(Collectors.groupingBy(Alert::getKind, TreeMap::new, Collectors.counting())),
        meters.find("sluice.alerts.suppressed").counters().stream()
            .mapToDouble(Counter::count)
            .sum(),
        reported,
        summaries);

    for (var summary : meters.find("sluice.drift.psi").summaries()) {
      out.printf(
          Locale.ROOT,
          "drift of %s    %d windows judged against the training split, largest PSI %.4f%n",
          summary.getId().getTag("metric"),
          summary.count(),
          summary.max());
    }
    out.println(
        "  (KDDTest+ was made to differ from the training data: 18 of its attack types, 3,752"
            + " rows, are not in the training file)");
    c.alerts().stream()
        .filter(a -> a.getKind().equals(DriftRule.KIND))
        .limit(3)
        .forEach(a -> out.printf(Locale.ROOT, "  [%s] %s%n", a.getSeverity(), a.getReason()));
    out.println("first alerts:");
    c.alerts().stream()
        .filter(a -> a.getKey() != null && a.getSuppressedCount() == 0)
        .limit(3)
        .forEach(
            a ->
                out.printf(
                    Locale.ROOT,
                    "  [%s] %s service=%s: %s%n      top features %s%n",
                    a.getSeverity(),
                    a.getEventId(),
                    a.getKey(),
                    a.getReason(),
                    a.getContributions().stream()
                        .map(
                            f ->
                                String.format(
                                    Locale.ROOT,
                                    "%s=%s (%+.2f)",
                                    f.getFeature(),
                                    f.getValue(),
                                    f.getContribution()))
                        .toList()));
  }
}
