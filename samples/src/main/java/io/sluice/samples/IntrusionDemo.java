package io.sluice.samples;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.anomaly.DriftRule;
import io.sluice.app.SluiceApplication;
import io.sluice.config.SluiceConfig;
import io.sluice.descriptor.ModelDescriptor;
import io.sluice.embedded.EmbeddedStack;
import io.sluice.eval.RocAuc;
import io.sluice.eval.ThresholdMetrics;
import io.sluice.kinds.classification.ClassificationKeys;
import io.sluice.models.intrusion.IntrusionModelTrainer;
import io.sluice.models.intrusion.NslKdd;
import io.sluice.schemas.Alert;
import io.sluice.schemas.NetworkConnection;
import io.sluice.schemas.Prediction;
import io.sluice.serde.SchemaRegistryClient;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The intrusion-detection demo: streams the NSL-KDD test connections through a classification
 * pipeline on the embedded broker and registry, keyed by the target service so that the cooldown
 * turns floods into a few alerts, and reports attack detection as measured on the stream's output.
 */
public record IntrusionDemo(Path dataDir, Path modelsDir, PrintStream out) {
  private static final Demo.Topics TOPICS =
      new Demo.Topics(
          "connections", "intrusion-predictions", "intrusion-alerts", "intrusion-dead-letters");

  /** The descriptor of the intrusion model, trained first if it is not there yet. */
  public static Path ensureModel(Path dataDir, Path modelsDir) throws Exception {
    Path descriptor = modelsDir.resolve("intrusion").resolve(IntrusionModelTrainer.DESCRIPTOR_FILE);
    return Demo.ensureModel(descriptor, dir -> IntrusionModelTrainer.train(dataDir, dir, 42));
  }

  /** Configuration of the intrusion pipeline against the embedded stack. */
  public static Map<String, String> pipelineConfig(
      EmbeddedStack stack, Path descriptor, String applicationId, Path stateDir) {
    Map<String, String> c =
        Demo.pipelineConfig(stack, "intrusion", TOPICS, descriptor, applicationId, stateDir);
    // Event fields carry the connection features under the model's names; text ones are one-hot.
    c.put(ClassificationKeys.FEATURES, "*");
    c.put(ClassificationKeys.ALERT_DRIFT_METRICS, DriftRule.SCORE);
    // One alert per service and ten minutes of event time, with the count held back.
    c.put(ClassificationKeys.ALERT_COOLDOWN_MS, "600000");
    return c;
  }

  /** Creates the pipeline's topics on the embedded broker. */
  public static void createTopics(EmbeddedStack stack) {
    TOPICS.create(stack);
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
    return SampleProducer.produceAll(
        bootstrapServers,
        registry,
        NetworkConnection.class,
        topic,
        events,
        NetworkConnection::getService);
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
        descriptor.alertThreshold().getAsDouble());
    createTopics(stack);
    List<NetworkConnection> events = IntrusionEvents.read(dataDir);
    SluiceConfig config =
        Demo.loadSingleInstance(
            pipelineConfig(
                stack,
                descriptorPath,
                "sluice-demo-intrusion",
                Demo.newStateDir("sluice-demo-intrusion")));
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    try (SchemaRegistryClient registry = Demo.registry(stack);
        SluiceApplication app = SluiceApplication.create(config, meters);
        OutputCollector collector = TOPICS.collector(stack, registry)) {
      app.start();
      long started = System.nanoTime();
      int produced = produce(stack.kafka().bootstrapServers(), registry, TOPICS.input(), events);
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
    Detection d = Detection.of(c.predictions(), descriptor.alertThreshold().getAsDouble());
    ThresholdMetrics m = d.metrics();
    out.println();
    out.printf(
        Locale.ROOT, "events in        %,d connections of KDDTest+ (keyed by service)%n", produced);
    out.printf(Locale.ROOT, "predictions out  %,d%n", c.predictions().size());
    out.printf(Locale.ROOT, "dead letters     %,d%n", c.deadLetters().size());
    Demo.printThroughput(out, produced, seconds);
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

    Demo.printDrift(
        out,
        meters,
        "drift of %s    %d windows judged against the training split, largest PSI %.4f%n");
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
                    Demo.contributions(a, "%s=%s (%+.2f)")));
  }
}
