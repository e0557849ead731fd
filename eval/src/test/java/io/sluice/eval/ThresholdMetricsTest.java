package io.sluice.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ThresholdMetricsTest {

  @Test
  void countsOutcomesOfFlaggingScoresAtOrAboveTheThreshold() {
    double[] scores = {0.9, 0.7, 0.5, 0.5, 0.2};
    int[] labels = {1, 0, 1, 0, 1};

    ThresholdMetrics metrics = ThresholdMetrics.at(scores, labels, 0.5);

    assertThat(metrics).isEqualTo(new ThresholdMetrics(0.5, 2, 2, 1, 0));
    assertThat(metrics.precision()).isEqualTo(0.5);
    assertThat(metrics.recall()).isEqualTo(2.0 / 3);
    assertThat(metrics.f1()).isEqualTo(4.0 / 7);
  }

  @Test
  void choosesTheCutWithTheHighestF1HalfwayBetweenScores() {
    // Scores are binary fractions so that the midpoints are exact.
    // Cuts from the top: {0.875} F1 2/4; {.., 0.75} 4/5; {.., 0.625} 4/6; {.., 0.375} 6/7;
    // {.., 0.125} 6/8.
    double[] scores = {0.125, 0.375, 0.625, 0.75, 0.875};
    int[] labels = {0, 1, 0, 1, 1};

    ThresholdMetrics best = ThresholdMetrics.maxF1(scores, labels);

    assertThat(best.threshold()).isEqualTo(0.25);
    assertThat(best.f1()).isEqualTo(6.0 / 7);
    assertThat(best).isEqualTo(new ThresholdMetrics(0.25, 3, 1, 0, 1));
  }

  @Test
  void prefersTheHigherThresholdWhenF1Ties() {
    // Flagging {0.875} gives F1 2/3 (one of two positives); flagging all four gives 4/6 too.
    double[] scores = {0.875, 0.5, 0.375, 0.25};
    int[] labels = {1, 0, 0, 1};

    assertThat(ThresholdMetrics.maxF1(scores, labels).threshold()).isEqualTo(0.6875);
  }

  @Test
  void keepsTiedScoresOnTheSameSideOfTheThreshold() {
    double[] scores = {0.5, 0.5, 0.5, 0.25};
    int[] labels = {1, 0, 1, 0};

    ThresholdMetrics best = ThresholdMetrics.maxF1(scores, labels);

    assertThat(best).isEqualTo(new ThresholdMetrics(0.375, 2, 1, 0, 1));
  }

  @Test
  void rejectsDataWithoutPositives() {
    assertThatThrownBy(() -> ThresholdMetrics.maxF1(new double[] {0.1, 0.2}, new int[] {0, 0}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("found none");
  }
}
