package io.sluice.anomaly;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ThresholdRuleTest {
  private final ThresholdRule rule = new ThresholdRule(0.8, "CRITICAL");

  @Test
  void firesAtAndAboveTheThresholdWithTheNumbersItCompared() {
    Firing f = rule.evaluate(0.8, "1").orElseThrow();
    assertThat(f.kind()).isEqualTo(ThresholdRule.KIND);
    assertThat(f.severity()).isEqualTo("CRITICAL");
    assertThat(f.metric()).isEqualTo("score");
    assertThat(f.compared()).containsEntry("score", 0.8).containsEntry("threshold", 0.8);
    assertThat(f.reason())
        .isEqualTo("probability of '1' 0.8000 is at or above the alert threshold 0.8000");
    assertThat(rule.evaluate(0.79, "1")).isEmpty();
  }

  @Test
  void aDescriptorsThresholdGivesWayToTheScoringVersionsOwn() {
    ThresholdRule fromDescriptor = new ThresholdRule(0.8, "CRITICAL", true);

    // A canary whose descriptor says 0.6: its score 0.7 alerts, by its own threshold.
    ThresholdRule canary = fromDescriptor.forVersion(0.6);
    assertThat(canary.threshold()).isEqualTo(0.6);
    assertThat(canary.severity()).isEqualTo("CRITICAL");
    assertThat(canary.evaluate(0.7, "1")).isPresent();
    // A version without a threshold, or with the same one: the configured rule.
    assertThat(fromDescriptor.forVersion(Double.NaN)).isSameAs(fromDescriptor);
    assertThat(fromDescriptor.forVersion(0.8)).isSameAs(fromDescriptor);
    // A threshold set in the configuration judges every version.
    assertThat(rule.forVersion(0.6)).isSameAs(rule);
  }

  @Test
  void refusesAThresholdOutsideZeroToOne() {
    assertThatThrownBy(() -> new ThresholdRule(1.5, "INFO")).hasMessageContaining("[0, 1]");
  }

  @Test
  void writesItsNumbersAsStringFormatWould() {
    Random random = new Random(42);
    List<Double> values = new ArrayList<>(List.of(0.0, -0.0, 1.0, 0.5, 0.00005, 0.99995, 0.12345));
    values.addAll(
        List.of(0.8, 0.123449999, 1e-9, -1e-9, 0.0000499999, 2.5e-5, 0.30000000000000004));
    for (int i = 0; i < 100_000; i++) {
      values.add(random.nextDouble());
      values.add((double) random.nextFloat());
      values.add(Math.round(random.nextDouble() * 100_000) / 100_000.0 + 0.00005);
    }
    for (double v : values) {
      assertThat(ThresholdRule.fourDecimals(v))
          .as("%s", v)
          .isEqualTo(String.format(Locale.ROOT, "%.4f", v));
    }
  }
}
