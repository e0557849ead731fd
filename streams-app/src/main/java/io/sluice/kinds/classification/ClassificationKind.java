package io.sluice.kinds.classification;

import io.sluice.anomaly.Cooldown;
import io.sluice.anomaly.DriftRule;
import io.sluice.anomaly.HealthRule;
import io.sluice.anomaly.KeyBehaviourRule;
import io.sluice.anomaly.LinearExplainer;
import io.sluice.anomaly.ReferenceDistribution;
import io.sluice.anomaly.ThresholdRule;
import io.sluice.batching.BatchStages;
import io.sluice.config.ConfigKeys;
import io.sluice.config.SluiceConfig;
import io.sluice.descriptor.ModelDescriptor;
import io.sluice.eval.ClassificationMetrics;
import io.sluice.eval.PairedBootstrap;
import io.sluice.inference.ModelRunner;
import io.sluice.metrics.PipelineMetrics;
import io.sluice.pipeline.PipelineContext;
import io.sluice.pipeline.PipelineKind;
import io.sluice.pipeline.PipelineParts;
import io.sluice.pipeline.ReplayEvaluator;
import io.sluice.schemas.Alert;
import io.sluice.schemas.Prediction;
import io.sluice.serde.AvroRecordDecoder;
import io.sluice.serde.SchemaRegistryClient;
import io.sluice.topology.EventDecoder;
import io.sluice.topology.EventFields;
import io.sluice.topology.KeyRulesProcessor;
import io.sluice.topology.ModelMonitorProcessor;
import io.sluice.topology.TopologyFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tabular classification (fraud scoring, intrusion detection): event fields mapped to the model's
 * features (one-hot encoding the descriptor's categorical inputs), class probabilities out as
 * {@link Prediction}s, and the anomaly stage: the score threshold, the per-key behaviour rule with
 * a cooldown per key, drift of the score and chosen features against the descriptor's reference,
 * and the model's health.
 */
public final class ClassificationKind implements PipelineKind {
  private static final Logger LOG = LoggerFactory.getLogger(ClassificationKind.class);

  /** How close the descriptor's linear block must come to its golden outputs. */
  private static final double LINEAR_TOLERANCE = 1e-4;

  @Override
  public String name() {
    return "classification";
  }

  @Override
  public ConfigDef configKeys() {
    return ClassificationKeys.DEFINITION;
  }

  @Override
  public boolean supportsShadow() {
    return true;
  }

  /**
   * The shadow's stages: the same decoding and features (the shadow must take the same feature
   * rows), its own name, version and labels. Only its predictions are kept.
   */
  @Override
  public BatchStages<?, ?> shadowStages(PipelineContext model, PipelineContext shadow) {
    ModelDescriptor d = shadow.runner().descriptor();
    List<String> features = model.runner().descriptor().features();
    if (!d.features().equals(features)) {
      throw new ConfigException(
          ConfigKeys.SHADOW_MODEL_DESCRIPTOR,
          d.path().toString(),
          "the shadow model takes features "
              + d.features()
              + ", the model "
              + features
              + "; a shadow must take the same rows");
    }
    return BatchStages.of(handler(shadow));
  }

  @Override
  public PipelineParts live(PipelineContext c) {
    SluiceConfig.Pipeline p = c.pipeline();
    ModelDescriptor descriptor = c.runner().descriptor();
    ClassificationHandler handler = handler(c);
    Alerting alerting = Alerting.from(c.settings());
    TopologyFactory.Sink<Prediction> predictions = c.avroSink(TopologyFactory.PREDICTIONS);
    TopologyFactory.Sink<Alert> alerts = c.avroSink(TopologyFactory.ALERTS);
    TopologyFactory.AnomalyStage anomaly =
        new TopologyFactory.AnomalyStage(
            keyRules(p, alerting, descriptor), monitor(p, alerting, descriptor), alerts);
    return new PipelineParts(
        BatchStages.of(handler), predictions, List.of(), Optional.empty(), Optional.of(anomaly));
  }

  @Override
  public ReplayEvaluator evaluator(PipelineContext c) {
    SluiceConfig.Pipeline p = c.pipeline();
    ModelDescriptor d = c.runner().descriptor();
    if (d.positiveLabel().isEmpty()) {
      throw new ConfigException(
          "--model",
          d.path().toString(),
          "its descriptor names no positiveLabel; replay measures binary classifiers");
    }
    double threshold =
        p.alertThreshold().isPresent()
            ? p.alertThreshold().getAsDouble()
            : d.alertThreshold().orElse(0.5);
    return new Evaluator(live(c), d.labels(), d.positiveLabel().get(), threshold);
  }

  /**
   * A binary classifier in a replay: ROC and PR metrics against the labels the events carry, and an
   * alert counted for each score at or over the live pipeline's threshold.
   */
  private static final class Evaluator implements ReplayEvaluator {
    private final PipelineParts parts;
    private final List<String> labels;
    private final String positiveLabel;
    private final double threshold;

    Evaluator(PipelineParts parts, List<String> labels, String positiveLabel, double threshold) {
      this.parts = parts;
      this.labels = labels;
      this.positiveLabel = positiveLabel;
      this.threshold = threshold;
    }

    @Override
    public PipelineParts parts() {
      return parts;
    }

    @Override
    public Outcome outcome(Object prediction) {
      Prediction p = (Prediction) prediction;
      boolean flagged = p.getScore() >= threshold;
      // The class this version decides on is its alert rule's, at its own threshold, not the
      // most probable class (which would be a 0.5 cut).
      return Outcome.of(
          p,
          p.getScore(),
          p.getLabel(),
          flagged ? positiveLabel : negativeLabel(),
          flagged,
          List.of());
    }

    private String negativeLabel() {
      List<String> others = labels.stream().filter(l -> !l.equals(positiveLabel)).toList();
      return others.size() == 1 ? others.get(0) : "not " + positiveLabel;
    }

    /**
     * ROC-AUC, PR-AUC, and recall, precision and F1 at equal alert volume: each version's threshold
     * is the one at which it would raise as many alerts as the champion does at its own threshold
     * on the paired labelled records, since operations teams budget alerts, not thresholds.
     */
    @Override
    public List<Headline> headlines(List<Outcome> mine, List<Outcome> theirs) {
      List<Integer> use = new ArrayList<>();
      for (int i = 0; i < mine.size(); i++) {
        String label = mine.get(i).label();
        if (label != null && labels.contains(label)) {
          use.add(i);
        }
      }
      int n = use.size();
      int[] y = new int[n];
      double[] a = new double[n];
      double[] b = new double[n];
      int alerts = 0;
      int positives = 0;
      for (int k = 0; k < n; k++) {
        int i = use.get(k);
        y[k] = mine.get(i).label().equals(positiveLabel) ? 1 : 0;
        a[k] = mine.get(i).score();
        b[k] = theirs.get(i).score();
        alerts += mine.get(i).flagged() ? 1 : 0;
        positives += y[k];
      }
      if (positives == 0 || positives == n) {
        return List.of(); // no ranking metric is defined with one class
      }
      double challengerThreshold = PairedBootstrap.thresholdForAlerts(b, alerts);
      String volume =
          String.format(
              Locale.ROOT,
              "at the champion's alert volume, %d alerts: champion threshold %.4f, challenger"
                  + " threshold %.4f",
              alerts,
              threshold,
              challengerThreshold);
      return List.of(
          new Headline(
              "ROC-AUC", "", n, PairedBootstrap.rocAuc(a, y), PairedBootstrap.rocAuc(b, y)),
          new Headline(
              "PR-AUC",
              "",
              n,
              PairedBootstrap.averagePrecision(a, y),
              PairedBootstrap.averagePrecision(b, y)),
          new Headline(
              "recall at equal alert volume",
              volume,
              n,
              PairedBootstrap.recallAt(a, y, threshold),
              PairedBootstrap.recallAt(b, y, challengerThreshold)),
          new Headline(
              "precision at equal alert volume",
              volume,
              n,
              PairedBootstrap.precisionAt(a, y, threshold),
              PairedBootstrap.precisionAt(b, y, challengerThreshold)),
          new Headline(
              "F1 at equal alert volume",
              volume,
              n,
              PairedBootstrap.f1At(a, y, threshold),
              PairedBootstrap.f1At(b, y, challengerThreshold)));
    }

    @Override
    public Evaluation evaluate(List<Outcome> outcomes) {
      List<Outcome> labelled =
          outcomes.stream().filter(o -> o.label() != null && labels.contains(o.label())).toList();
      ClassificationMetrics metrics =
          labelled.isEmpty()
              ? null
              : ClassificationMetrics.of(
                  labelled.stream().mapToDouble(Outcome::score).toArray(),
                  labelled.stream()
                      .mapToInt(o -> o.label().equals(positiveLabel) ? 1 : 0)
                      .toArray(),
                  threshold);
      return new Evaluation(metrics, null, null, outcomes.size() - labelled.size());
    }

    /** Two binary classifiers disagree when one would alert and the other not. */
    @Override
    public boolean disagree(Outcome mine, Outcome theirs) {
      return mine.flagged() != theirs.flagged();
    }
  }

  /**
   * The steps of a classification pipeline around its model: decode, featurize (one-hot encoding
   * the descriptor's categorical inputs), and turn scores into predictions (and observations for
   * the anomaly stage). Public so that the benchmarks run exactly this code without the
   * micro-batcher.
   *
   * @throws ConfigException naming the key, if the feature mapping does not fit the model
   */
  public static ClassificationHandler handler(PipelineContext c) {
    return handler(
        c.pipeline(),
        c.settings().getString(ClassificationKeys.FEATURES),
        c.runner(),
        c.registry(),
        c.metrics());
  }

  /** As {@link #handler(PipelineContext)}, from its parts. */
  public static ClassificationHandler handler(
      SluiceConfig.Pipeline p,
      String features,
      ModelRunner model,
      SchemaRegistryClient registry,
      PipelineMetrics metrics) {
    ModelDescriptor descriptor = model.descriptor();
    return new ClassificationHandler(
        EventDecoder.avro(AvroRecordDecoder.generic(registry)),
        FeatureMapping.parse(
            ClassificationKeys.FEATURES, features, descriptor.features(), oneHot(descriptor)),
        new ClassificationHandler.ModelInfo(
            model.name(),
            model.version(),
            descriptor.labels(),
            descriptor.positiveLabel().orElse(null)),
        new EventFields(p.eventIdField(), p.eventTimeField(), p.labelField()),
        metrics);
  }

  /** The descriptor's categorical inputs and their values, for one-hot encoding. */
  private static Map<String, List<String>> oneHot(ModelDescriptor descriptor) {
    Map<String, List<String>> oneHot = new LinkedHashMap<>();
    descriptor.categoricals().forEach(cat -> oneHot.put(cat.name(), cat.values()));
    return oneHot;
  }

  static KeyRulesProcessor.Settings keyRules(
      SluiceConfig.Pipeline p, Alerting a, ModelDescriptor d) {
    Alerting.KeyRules k = a.key();
    KeyBehaviourRule keyRule = null;
    if (!k.metrics().isEmpty()) {
      List<KeyBehaviourRule.Metric> metrics = new ArrayList<>();
      for (String name : k.metrics()) {
        if (name.equals(KeyBehaviourRule.SCORE)) {
          metrics.add(KeyBehaviourRule.Metric.score());
        } else if (name.equals(KeyBehaviourRule.RATE)) {
          metrics.add(KeyBehaviourRule.Metric.rate());
        } else {
          metrics.add(
              KeyBehaviourRule.Metric.feature(
                  name,
                  column(
                      ClassificationKeys.ALERT_KEY_METRICS, k.metrics(), name, d, "score, rate")));
        }
      }
      keyRule =
          new KeyBehaviourRule(
              new KeyBehaviourRule.Settings(
                  metrics, k.zThreshold(), k.warmupEvents(), k.halfLifeEvents(), k.severity()));
    }
    ThresholdRule threshold = thresholdRule(p, d);
    KeyRulesProcessor.Settings settings =
        new KeyRulesProcessor.Settings(
            TopologyFactory.keyStoreName(p.name()),
            TopologyFactory.ALERTS_SINK,
            threshold,
            d.positiveLabel().orElse(null),
            keyRule,
            new Cooldown(a.cooldown().toMillis()),
            k.maxKeys(),
            k.idle(),
            explainer(d),
            a.topFeatures(),
            d.name(),
            d.version());
    LOG.info(
        "pipeline {} event alerts: threshold {}, per-key {} (z >= {}, warm-up {} events), cooldown"
            + " {} s per key and kind, up to {} keys per partition",
        p.name(),
        threshold == null ? "off" : String.format(Locale.ROOT, "%.4f", threshold.threshold()),
        k.metrics().isEmpty() ? "off" : k.metrics(),
        k.zThreshold(),
        k.warmupEvents(),
        a.cooldown().toSeconds(),
        k.maxKeys());
    return settings;
  }

  static ModelMonitorProcessor.Settings monitor(
      SluiceConfig.Pipeline p, Alerting a, ModelDescriptor d) {
    Alerting.DriftRules drift = a.drift();
    List<DriftRule> rules = new ArrayList<>();
    for (String metric : drift.metrics()) {
      ModelDescriptor.Distribution reference = d.reference().get(metric);
      if (reference == null) {
        throw new ConfigException(
            ClassificationKeys.ALERT_DRIFT_METRICS,
            String.join(",", drift.metrics()),
            "model descriptor "
                + d.path()
                + " has no reference distribution for '"
                + metric
                + "'; it has "
                + d.reference().keySet());
      }
      int column =
          metric.equals(DriftRule.SCORE)
              ? -1
              : column(ClassificationKeys.ALERT_DRIFT_METRICS, drift.metrics(), metric, d, "score");
      rules.add(
          new DriftRule(
              new DriftRule.Settings(
                  metric,
                  column,
                  new ReferenceDistribution(reference.edges(), reference.proportions()),
                  drift.psiThreshold(),
                  drift.minEvents(),
                  drift.severity())));
    }
    Alerting.HealthRules h = a.health();
    LOG.info(
        "pipeline {} model alerts: drift {} (PSI > {} per {} s of event time), dead letters > {},"
            + " model errors > {} per {} s",
        p.name(),
        drift.metrics().isEmpty() ? "off" : drift.metrics(),
        drift.psiThreshold(),
        drift.window().toSeconds(),
        h.deadLetterRate(),
        h.modelErrorRate(),
        h.window().toSeconds());
    return new ModelMonitorProcessor.Settings(
        TopologyFactory.monitorStoreName(p.name()),
        TopologyFactory.ALERTS_SINK,
        TopologyFactory.DLQ_SINK,
        rules,
        drift.window(),
        new HealthRule(
            new HealthRule.Settings(
                h.minEvents(), h.deadLetterRate(), h.modelErrorRate(), h.severity())),
        h.window(),
        d.name(),
        d.version());
  }

  /** The model input column of a feature named in a rule's configuration. */
  private static int column(
      String key, List<String> value, String name, ModelDescriptor d, String alternatives) {
    int column = d.features().indexOf(name);
    if (column < 0) {
      throw new ConfigException(
          key,
          String.join(",", value),
          "'"
              + name
              + "' is not "
              + alternatives
              + " or one of the model's features "
              + d.features());
    }
    return column;
  }

  /**
   * Explains linear models' alerts, if the descriptor has a linear block; the block must give the
   * descriptor's golden outputs, or it would explain another model.
   */
  private static LinearExplainer explainer(ModelDescriptor d) {
    if (d.linear().isEmpty()) {
      return null;
    }
    ModelDescriptor.Linear l = d.linear().get();
    LinearExplainer explainer =
        new LinearExplainer(d.features(), l.means(), l.scales(), l.coefficients(), l.intercept());
    int positive = d.labels().indexOf(l.positiveLabel());
    if (d.golden().isPresent() && positive >= 0) {
      ModelDescriptor.Golden golden = d.golden().get();
      for (int i = 0; i < golden.inputs().size(); i++) {
        double p = 1 / (1 + Math.exp(-explainer.logOdds(golden.inputs().get(i))));
        double expected = golden.outputs().get(i)[positive];
        if (!(Math.abs(p - expected) <= LINEAR_TOLERANCE)) {
          throw new ConfigException(
              ConfigKeys.MODEL_DESCRIPTOR,
              d.path().toString(),
              String.format(
                  Locale.ROOT,
                  "its linear block gives p(%s) = %.6f for golden row %d, the model gives %.6f",
                  l.positiveLabel(),
                  p,
                  i,
                  expected));
        }
      }
    }
    return explainer;
  }

  private static ThresholdRule thresholdRule(SluiceConfig.Pipeline p, ModelDescriptor d) {
    if (d.positiveLabel().isEmpty()) {
      return null;
    }
    if (p.alertThreshold().isPresent()) {
      return new ThresholdRule(p.alertThreshold().getAsDouble(), p.alertSeverity());
    }
    if (d.alertThreshold().isPresent()) {
      return new ThresholdRule(d.alertThreshold().getAsDouble(), p.alertSeverity(), true);
    }
    LOG.warn(
        "pipeline {}: no {} and no alertThreshold in the model descriptor: no threshold alerts",
        p.name(),
        ConfigKeys.ALERT_THRESHOLD);
    return null;
  }
}
