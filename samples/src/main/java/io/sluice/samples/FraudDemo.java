package io.sluice.samples;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.anomaly.KeyBehaviourRule;
import io.sluice.anomaly.ThresholdRule;
import io.sluice.app.SluiceApplication;
import io.sluice.config.SluiceConfig;
import io.sluice.descriptor.ModelDescriptor;
import io.sluice.embedded.EmbeddedStack;
import io.sluice.eval.RocAuc;
import io.sluice.kinds.classification.Alerting;
import io.sluice.kinds.classification.ClassificationKeys;
import io.sluice.models.fraud.FraudModelTrainer;
import io.sluice.pipeline.PipelineKinds;
import io.sluice.schemas.Alert;
import io.sluice.schemas.CardTransaction;
import io.sluice.schemas.Prediction;
import io.sluice.serde.SchemaRegistryClient;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The fraud-scoring demo: streams the credit-card data through the fraud pipeline on the embedded
 * broker and registry, with a few corrupt records mixed in, and prints what came out.
 */
public record FraudDemo(Path dataDir, Path modelsDir, PrintStream out) {
  /** The input topic, also the default of {@code sluice produce fraud}. */
  public static final String INPUT = "transactions";

  private static final Demo.Topics TOPICS =
      new Demo.Topics(INPUT, "fraud-predictions", "fraud-alerts", "fraud-dead-letters");

  /**
   * The descriptor of the fraud model, trained first if it is not there yet or was written before
   * descriptors had the linear explanation and the reference distributions.
   */
  public static Path ensureModel(Path dataDir, Path modelsDir) throws Exception {
    Path descriptor = modelsDir.resolve("fraud").resolve(FraudModelTrainer.DESCRIPTOR_FILE);
    return Demo.ensureModel(
        descriptor, isCurrent(descriptor), dir -> FraudModelTrainer.train(dataDir, dir, 42));
  }

  /** Whether a descriptor exists and has what the anomaly rules read. */
  static boolean isCurrent(Path descriptor) throws java.io.IOException {
    if (!Files.exists(descriptor)) {
      return false;
    }
    ModelDescriptor d = ModelDescriptor.read(descriptor);
    return d.linear().isPresent() && !d.reference().isEmpty();
  }

  /** Configuration of the fraud pipeline against the embedded stack. */
  public static Map<String, String> pipelineConfig(
      EmbeddedStack stack, Path descriptor, String applicationId, Path stateDir) {
    return Demo.pipelineConfig(stack, "fraud", TOPICS, descriptor, applicationId, stateDir);
  }

  /** Configuration of the fraud pipeline against any broker and registry (the demo's topics). */
  public static Map<String, String> pipelineConfig(
      String bootstrapServers,
      String registryUrl,
      Path descriptor,
      String applicationId,
      Path stateDir) {
    return Demo.pipelineConfig(
        bootstrapServers, registryUrl, "fraud", TOPICS, descriptor, applicationId, stateDir);
  }

  /**
   * The alert rules the demo adds to the fraud pipeline: the per-key rule over the score, the
   * amount and the rate, and drift of the score and the amount. No cooldown (the default): the demo
   * compares the rules event by event ({@link RuleComparison}).
   */
  public static Map<String, String> alertRules() {
    Map<String, String> c = new LinkedHashMap<>();
    c.put(ClassificationKeys.ALERT_KEY_METRICS, "score,Amount,rate");
    // Card ids are drawn at random per row, so a card has about 9 events: judge from the 6th.
    c.put(ClassificationKeys.ALERT_KEY_WARMUP_EVENTS, "5");
    c.put(ClassificationKeys.ALERT_DRIFT_METRICS, "score,Amount");
    return c;
  }

  /** Creates the pipeline's topics on the embedded broker. */
  public static void createTopics(EmbeddedStack stack) {
    TOPICS.create(stack);
  }

  /** Records that must each end up in the dead-letter topic, with the reason expected. */
  public record PoisonPill(String description, String expectedReason, byte[] value) {}

  /** One of each kind of bad input, built from a good event. */
  public static List<PoisonPill> poisonPills(
      Serializer<CardTransaction> serializer, String topic, CardTransaction good) {
    byte[] valid = serializer.serialize(topic, good);
    byte[] wrongMagic = valid.clone();
    wrongMagic[0] = 0x7b;
    byte[] unknownId = valid.clone();
    unknownId[1] = 0x7f;
    byte[] truncated = Arrays.copyOf(valid, valid.length / 2);
    byte[] random = new byte[64];
    new java.util.Random(7).nextBytes(random);
    random[0] = 0;
    random[1] = 0x55;
    CardTransaction shortFeatures =
        CardTransaction.newBuilder(good)
            .setId("bad-feature-count")
            .setFeatures(good.getFeatures().subList(0, 27))
            .build();
    List<Double> withNaN = new ArrayList<>(good.getFeatures());
    withNaN.set(3, Double.NaN);
    CardTransaction nan =
        CardTransaction.newBuilder(good).setId("bad-nan").setFeatures(withNaN).build();
    return List.of(
        new PoisonPill("random bytes behind a zero magic byte", "UNKNOWN_SCHEMA_ID", random),
        new PoisonPill("wrong magic byte", "WRONG_MAGIC_BYTE", wrongMagic),
        new PoisonPill("unknown schema id", "UNKNOWN_SCHEMA_ID", unknownId),
        new PoisonPill("truncated record", "MALFORMED_AVRO", truncated),
        new PoisonPill(
            "27 features instead of 28",
            "WRONG_FEATURE_COUNT",
            serializer.serialize(topic, shortFeatures)),
        new PoisonPill("NaN feature", "NOT_FINITE", serializer.serialize(topic, nan)));
  }

  /**
   * Produces the events keyed by card id, with the poison pills spread among them, in one producer
   * (idempotent, acks=all).
   *
   * @return the number of records produced
   */
  public static int produce(
      String bootstrapServers,
      SchemaRegistryClient registry,
      String topic,
      List<CardTransaction> events,
      boolean withPoisonPills) {
    Serializer<CardTransaction> serializer =
        SampleProducer.serializer(registry, CardTransaction.class);
    List<PoisonPill> pills =
        withPoisonPills ? poisonPills(serializer, topic, events.get(0)) : List.of();
    int every =
        pills.isEmpty() ? Integer.MAX_VALUE : Math.max(1, events.size() / (pills.size() + 1));
    try (KafkaProducer<String, byte[]> producer = SampleProducer.create(bootstrapServers)) {
      int pill = 0;
      for (int i = 0; i < events.size(); i++) {
        CardTransaction e = events.get(i);
        producer.send(new ProducerRecord<>(topic, e.getCardId(), serializer.serialize(topic, e)));
        if (pill < pills.size() && (i + 1) % every == 0) {
          producer.send(new ProducerRecord<>(topic, "poison-" + pill, pills.get(pill).value()));
          pill++;
        }
      }
      producer.flush();
      return events.size() + pill;
    }
  }

  /** Runs the demo on a started embedded stack; returns the process exit code. */
  public int run(EmbeddedStack stack) throws Exception {
    out.println("== Sluice demo: fraud scoring ==");
    Path descriptorPath = ensureModel(dataDir, modelsDir);
    ModelDescriptor descriptor = ModelDescriptor.read(descriptorPath);
    Object trainedAuc =
        descriptor.training() == null ? null : descriptor.training().get("testRocAuc");
    out.printf(
        Locale.ROOT,
        "model %s:%s  held-out ROC-AUC %s  alert threshold %.4f%n",
        descriptor.name(),
        descriptor.version(),
        trainedAuc == null
            ? "n/a"
            : String.format(Locale.ROOT, "%.4f", ((Number) trainedAuc).doubleValue()),
        descriptor.alertThreshold().getAsDouble());
    createTopics(stack);
    List<CardTransaction> events = FraudEvents.read(dataDir);
    Map<String, String> settings =
        pipelineConfig(
            stack, descriptorPath, "sluice-demo-fraud", Demo.newStateDir("sluice-demo-fraud"));
    settings.putAll(alertRules());
    SluiceConfig config = Demo.loadSingleInstance(settings);

    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    try (SchemaRegistryClient registry = Demo.registry(stack);
        SluiceApplication app = SluiceApplication.create(config, meters);
        OutputCollector collector = TOPICS.collector(stack, registry)) {
      app.start();
      Demo.printEnvironment(out, stack, app);
      long started = System.nanoTime();
      int produced = produce(stack.kafka().bootstrapServers(), registry, INPUT, events, true);
      boolean complete = collector.awaitOutputs(produced, Duration.ofMinutes(3));
      // Alerts commit in the same transactions as predictions; drain what is left.
      collector.poll(Duration.ofMillis(500));
      double seconds = (collector.lastReceivedNanos() - started) / 1e9;
      report(events.size(), produced, collector, seconds);
      reportAnomalies(
          collector, meters, Alerting.from(PipelineKinds.resolve(config).settings()).drift());
      return complete ? 0 : 1;
    }
  }

  private void reportAnomalies(
      OutputCollector c, SimpleMeterRegistry meters, Alerting.DriftRules drift) {
    out.println();
    out.println("alerts by rule:");
    c.alerts().stream()
        .collect(
            Collectors.groupingBy(
                a -> a.getKind() + " " + a.getMetric(), TreeMap::new, Collectors.counting()))
        .forEach((kind, n) -> out.printf(Locale.ROOT, "  %-28s %,d%n", kind, n));
    out.println();
    out.println(
        "frauds caught at equal alert volume (card ids are random per row, so a card's history"
            + " says little here):");
    out.println(RuleComparison.of(c.predictions(), c.alerts(), "1").describe());
    out.println();
    out.printf(
        Locale.ROOT,
        "drift of %s against the training split, per %d-minute window and partition:%n",
        drift.metrics(),
        drift.window().toMinutes());
    Demo.printDrift(
        out,
        meters,
        "  %-7s %d windows judged, largest PSI %.4f (alert above %.2f)%n",
        drift.psiThreshold());
    out.println();
    out.println("first per-key behaviour alerts:");
    c.alerts().stream()
        .filter(a -> a.getKind().equals(KeyBehaviourRule.KIND))
        .limit(3)
        .forEach(
            a ->
                out.printf(
                    Locale.ROOT,
                    "  [%s] %s: %s%n      top features %s%n",
                    a.getSeverity(),
                    a.getEventId(),
                    a.getReason(),
                    Demo.contributions(a, "%s=%.2f (%+.2f)")));
  }

  private void report(int events, int produced, OutputCollector c, double seconds) {
    List<Prediction> predictions = c.predictions();
    double[] scores = new double[predictions.size()];
    int[] labels = new int[predictions.size()];
    int labelled = 0;
    for (Prediction p : predictions) {
      if (p.getLabel() != null) {
        scores[labelled] = p.getScore();
        labels[labelled] = Integer.parseInt(p.getLabel());
        labelled++;
      }
    }
    double auc = RocAuc.rocAuc(Arrays.copyOf(scores, labelled), Arrays.copyOf(labels, labelled));
    Set<String> frauds =
        predictions.stream()
            .filter(p -> "1".equals(p.getLabel()))
            .map(Prediction::getEventId)
            .collect(Collectors.toSet());
    long caught =
        c.alerts().stream()
            .filter(a -> a.getKind().equals(ThresholdRule.KIND))
            .map(Alert::getEventId)
            .filter(frauds::contains)
            .count();
    Map<String, Long> byReason =
        c.deadLetters().stream()
            .collect(
                Collectors.groupingBy(
                    d -> d.stage() + "/" + d.reason(), TreeMap::new, Collectors.counting()));
    out.println();
    out.printf(
        Locale.ROOT,
        "events in        %,d (%,d transactions + %,d corrupt records)%n",
        produced,
        events,
        produced - events);
    out.printf(Locale.ROOT, "predictions out  %,d%n", predictions.size());
    long thresholdAlerts =
        c.alerts().stream().filter(a -> a.getKind().equals(ThresholdRule.KIND)).count();
    out.printf(
        Locale.ROOT,
        "alerts           %,d, %,d of them from the score threshold (%,d real frauds)%n",
        c.alerts().size(),
        thresholdAlerts,
        caught);
    out.printf(Locale.ROOT, "dead letters     %,d %s%n", c.deadLetters().size(), byReason);
    out.printf(Locale.ROOT, "streamed ROC-AUC %.4f over %,d labelled predictions%n", auc, labelled);
    Demo.printThroughput(out, produced, seconds);
    out.println();
    out.println("first predictions:");
    predictions.stream()
        .limit(5)
        .forEach(
            p ->
                out.printf(
                    Locale.ROOT,
                    "  %s card=%s p(fraud)=%.4f predicted=%s label=%s batch=%d%n",
                    p.getEventId(),
                    p.getKey(),
                    p.getScore(),
                    p.getPredictedLabel(),
                    p.getLabel(),
                    p.getBatchSize()));
    out.println("first alerts:");
    c.alerts().stream()
        .limit(5)
        .forEach(
            a ->
                out.printf(
                    Locale.ROOT,
                    "  [%s] %s card=%s: %s%n",
                    a.getSeverity(),
                    a.getEventId(),
                    a.getKey(),
                    a.getReason()));
    out.println("dead letters:");
    c.deadLetters()
        .forEach(d -> out.printf(Locale.ROOT, "  %s/%s: %s%n", d.stage(), d.reason(), d.message()));
  }
}
