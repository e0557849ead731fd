package io.sluice.anomaly;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.stream.IntStream;
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

  @Test
  void picksTheSameFewContributionsAsSortingThemAllTiesInFeatureOrder() {
    int n = 12;
    List<String> names = IntStream.range(0, n).mapToObj(i -> "f" + i).toList();
    // Coefficients with ties (every third equal) and signs either way.
    List<Double> coefficients =
        IntStream.range(0, n)
            .mapToObj(i -> (i % 3 == 0 ? 1.0 : (i % 2 == 0 ? -1.0 : 0.5)))
            .toList();
    LinearExplainer wide =
        new LinearExplainer(
            names, Collections.nCopies(n, 0.0), Collections.nCopies(n, 1.0), coefficients, 0);
    float[] x = new float[n];
    Arrays.fill(x, 2f);
    x[7] = -3f;

    List<LinearExplainer.Contribution> all = wide.top(x, n);
    for (int k = 0; k <= 8; k++) {
      assertThat(wide.top(x, k)).as("top %d", k).isEqualTo(all.subList(0, k));
    }
  }
}
