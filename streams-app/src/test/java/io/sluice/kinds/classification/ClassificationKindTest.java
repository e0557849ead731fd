package io.sluice.kinds.classification;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.config.ConfigKeys;
import io.sluice.config.ConfigLoader;
import io.sluice.config.SluiceConfig;
import io.sluice.descriptor.ModelDescriptor;
import io.sluice.pipeline.PipelineKinds;
import io.sluice.topology.KeyRulesProcessor;
import io.sluice.topology.ModelMonitorProcessor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How the classification kind builds its alert rules from configuration and the descriptor. */
class ClassificationKindTest {
  private static final String DESCRIPTOR =
      """
      { "name": "m", "version": "1", "file": "m.onnx", "sha256": "%s",
        "inputs":  [{"name": "input", "type": "FLOAT", "shape": [-1, 2]}],
        "outputs": [{"name": "output", "type": "FLOAT", "shape": [-1, 2]}],
        "features": ["Amount", "V1"], "labels": ["0", "1"], "positiveLabel": "1",
        "alertThreshold": 0.5,
        "golden": {"inputs": [[100, 1]], "outputs": [[%s, %s]]},
        "linear": {"positiveLabel": "1", "means": [50, 0], "scales": [50, 1],
                   "coefficients": [1, 0.5], "intercept": -1},
        "reference": {"rows": "train split", "count": 10,
                      "distributions": {"score": {"edges": [0.5], "proportions": [0.9, 0.1]}}} }
      """;

  @TempDir Path dir;

  /** A descriptor whose golden output is what its linear block says, times {@code factor}. */
  private ModelDescriptor descriptor(double factor) throws Exception {
    // log-odds at the golden row: -1 + 1 * (100 - 50) / 50 + 0.5 * 1 = 0.5
    double p = factor / (1 + Math.exp(-0.5));
    Path file =
        Files.writeString(dir.resolve("m.json"), DESCRIPTOR.formatted("ab".repeat(32), 1 - p, p));
    return ModelDescriptor.read(file);
  }

  private static SluiceConfig config(Map<String, String> overrides) {
    Map<String, String> c = new HashMap<>(overrides);
    c.put(ConfigKeys.BOOTSTRAP_SERVERS, "unused:9092");
    c.put(ConfigKeys.APPLICATION_ID, "pipeline-test");
    return ConfigLoader.load(Optional.empty(), Map.of(), c);
  }

  private static Alerting alerting(SluiceConfig c) {
    return Alerting.from(PipelineKinds.resolve(c).settings());
  }

  private static KeyRulesProcessor.Settings keyRules(
      Map<String, String> overrides, ModelDescriptor d) {
    SluiceConfig c = config(overrides);
    return ClassificationKind.keyRules(c.pipeline(), alerting(c), d);
  }

  private static ModelMonitorProcessor.Settings monitor(
      Map<String, String> overrides, ModelDescriptor d) {
    SluiceConfig c = config(overrides);
    return ClassificationKind.monitor(c.pipeline(), alerting(c), d);
  }

  @Test
  void buildsThePerKeyRuleOverScoreRateAndNamedFeatures() throws Exception {
    KeyRulesProcessor.Settings s =
        keyRules((Map.of(ClassificationKeys.ALERT_KEY_METRICS, "score, rate, V1")), descriptor(1));

    assertThat(s.keyRule().settings().metrics())
        .extracting(m -> m.name() + "@" + m.column())
        .containsExactly("score@-1", "rate@-1", "V1@1");
    assertThat(s.threshold().threshold()).isEqualTo(0.5);
    assertThat(s.explainer()).isNotNull();
    assertThat(s.cooldown().periodMs()).isZero();
    assertThat(s.keepsState()).isTrue();
  }

  @Test
  void refusesAPerKeyMetricThatIsNotAFeature() throws Exception {
    ModelDescriptor d = descriptor(1);
    Map<String, String> p = (Map.of(ClassificationKeys.ALERT_KEY_METRICS, "score,amount"));

    assertThatThrownBy(() -> keyRules(p, d))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(ClassificationKeys.ALERT_KEY_METRICS)
        .hasMessageContaining(
            "'amount' is not score, rate or one of the model's features [Amount, V1]");
  }

  @Test
  void refusesADriftMetricWithoutAReferenceDistribution() throws Exception {
    ModelDescriptor d = descriptor(1);
    Map<String, String> p = (Map.of(ClassificationKeys.ALERT_DRIFT_METRICS, "score,Amount"));

    assertThatThrownBy(() -> monitor(p, d))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(ClassificationKeys.ALERT_DRIFT_METRICS)
        .hasMessageContaining("has no reference distribution for 'Amount'; it has [score]");
  }

  @Test
  void buildsADriftRulePerMetricAndTheHealthRule() throws Exception {
    ModelMonitorProcessor.Settings s =
        monitor((Map.of(ClassificationKeys.ALERT_DRIFT_METRICS, "score")), descriptor(1));

    assertThat(s.drift()).hasSize(1);
    assertThat(s.drift().get(0).settings().reference().bins()).isEqualTo(2);
    assertThat(s.health().settings().deadLetterRate()).isEqualTo(0.05);
  }

  @Test
  void refusesALinearBlockThatDoesNotGiveTheGoldenOutputs() throws Exception {
    ModelDescriptor d = descriptor(0.9);
    Map<String, String> p = (Map.of());

    assertThatThrownBy(() -> keyRules(p, d))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(ConfigKeys.MODEL_DESCRIPTOR)
        .hasMessageContaining("its linear block gives p(1) = 0.622459 for golden row 0");
  }
}
