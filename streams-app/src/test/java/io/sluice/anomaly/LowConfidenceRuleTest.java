package io.sluice.anomaly;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class LowConfidenceRuleTest {
  private final LowConfidenceRule rule = new LowConfidenceRule(0.5, "WARNING");

  @Test
  void firesOnlyUnderTheMinimumConfidence() {
    assertThat(rule.evaluate(0.5, "tabby")).isEmpty();
    assertThat(rule.evaluate(0.4999, "tabby"))
        .hasValueSatisfying(
            f -> {
              assertThat(f.kind()).isEqualTo("low-confidence");
              assertThat(f.value()).isEqualTo(0.4999);
              assertThat(f.threshold()).isEqualTo(0.5);
              assertThat(f.reason())
                  .isEqualTo(
                      "top-1 probability 0.4999 (class 'tabby') is under the minimum confidence"
                          + " 0.5000");
            });
  }

  @Test
  void refusesAMinimumOutsideZeroToOne() {
    assertThatThrownBy(() -> new LowConfidenceRule(1.5, "INFO"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("minConfidence must be in [0, 1], was 1.5");
  }
}
