package io.sluice.anomaly;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
  void refusesAThresholdOutsideZeroToOne() {
    assertThatThrownBy(() -> new ThresholdRule(1.5, "INFO")).hasMessageContaining("[0, 1]");
  }
}
