package io.sluice.anomaly;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class LinearExplainerTest {
  private final LinearExplainer explainer =
      new LinearExplainer(
          List.of("Amount", "V1", "V2"),
          List.of(100.0, 0.0, 1.0),
          List.of(50.0, 1.0, 2.0),
          List.of(1.5, -2.0, 0.5),
          -4);

  @Test
  void theLogOddsAreTheInterceptPlusEveryContribution() {
    float[] x = {300, 1, 5};
    // 1.5 * 4 - 2 * 1 + 0.5 * 2 - 4
    assertThat(explainer.logOdds(x)).isCloseTo(1.0, within(1e-9));
  }

  @Test
  void namesTheLargestContributionsFirst() {
    List<LinearExplainer.Contribution> top = explainer.top(new float[] {300, 1, 5}, 2);

    assertThat(top)
        .containsExactly(
            new LinearExplainer.Contribution("Amount", 300, 6.0),
            new LinearExplainer.Contribution("V2", 5, 1.0));
    assertThat(explainer.top(new float[] {300, 1, 5}, 10)).hasSize(3);
  }

  @Test
  void refusesListsOfDifferentLengthsAndNonPositiveScales() {
    assertThatThrownBy(
            () ->
                new LinearExplainer(List.of("a", "b"), List.of(0.0), List.of(1.0), List.of(1.0), 0))
        .hasMessageContaining("expected 2 means, scales and coefficients");
    assertThatThrownBy(
            () -> new LinearExplainer(List.of("a"), List.of(0.0), List.of(0.0), List.of(1.0), 0))
        .hasMessage("scale of a must be positive, was 0.0");
  }
}
