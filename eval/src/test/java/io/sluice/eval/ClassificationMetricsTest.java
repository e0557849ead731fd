package io.sluice.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class ClassificationMetricsTest {
  private static final double[] SCORES = {0.9, 0.8, 0.7, 0.6, 0.2};
  private static final int[] LABELS = {1, 0, 1, 0, 0};

  @Test
  void ranksScoresAgainstLabels() {
    ClassificationMetrics m = ClassificationMetrics.of(SCORES, LABELS, 0.65);
    // positive 0.9 outranks all three negatives, 0.7 outranks two of them
    assertThat(m.rocAuc()).isCloseTo(5.0 / 6, within(1e-12));
    // precision 1/1 at the first positive, 2/3 at the second
    assertThat(m.prAuc()).isCloseTo((1 + 2.0 / 3) / 2, within(1e-12));
    assertThat(m.records()).isEqualTo(5);
    assertThat(m.positives()).isEqualTo(2);
  }

  @Test
  void countsTheAlertRuleAtTheThreshold() {
    ClassificationMetrics m = ClassificationMetrics.of(SCORES, LABELS, 0.65);
    assertThat(m.confusion()).isEqualTo(new ClassificationMetrics.Confusion(2, 1, 0, 2));
    assertThat(m.precision()).isCloseTo(2.0 / 3, within(1e-12));
    assertThat(m.recall()).isEqualTo(1.0);
    assertThat(m.f1()).isCloseTo(0.8, within(1e-12));
  }

  @Test
  void calibrationBinsHoldMeanScoreAndPositiveRate() {
    ClassificationMetrics m = ClassificationMetrics.of(SCORES, LABELS, 0.5);
    assertThat(m.calibration()).hasSize(10);
    ClassificationMetrics.CalibrationBin top = m.calibration().get(9);
    assertThat(top.count()).isEqualTo(1);
    assertThat(top.meanScore()).isCloseTo(0.9, within(1e-12));
    assertThat(top.positiveRate()).isEqualTo(1.0);
    assertThat(m.calibration().get(8).positiveRate()).isEqualTo(0.0);
    assertThat(m.calibration().get(0).count()).isZero();
    assertThat(m.calibration().get(0).meanScore()).isNaN();
  }

  @Test
  void tiedScoresAreOneStepWhateverTheirOrder() {
    assertThat(ClassificationMetrics.averagePrecision(new double[] {0.5, 0.5}, new int[] {1, 0}))
        .isEqualTo(0.5);
    assertThat(ClassificationMetrics.averagePrecision(new double[] {0.5, 0.5}, new int[] {0, 1}))
        .isEqualTo(0.5);
  }

  @Test
  void curvesRunFromCornerToCornerAndHistogramsCountEveryRecord() {
    ClassificationMetrics m = ClassificationMetrics.of(SCORES, LABELS, 0.5);
    assertThat(m.rocCurve().get(0)).isEqualTo(new ClassificationMetrics.Point(0, 0));
    assertThat(m.rocCurve().get(m.rocCurve().size() - 1))
        .isEqualTo(new ClassificationMetrics.Point(1, 1));
    assertThat(m.prCurve().get(m.prCurve().size() - 1).x()).isEqualTo(1.0);
    assertThat(m.scoresOfPositives().counts().stream().mapToInt(Integer::intValue).sum())
        .isEqualTo(2);
    assertThat(m.scoresOfNegatives().counts().stream().mapToInt(Integer::intValue).sum())
        .isEqualTo(3);
  }

  @Test
  void oneClassOnlyHasNoRocAuc() {
    ClassificationMetrics m =
        ClassificationMetrics.of(new double[] {0.1, 0.2}, new int[] {0, 0}, 0.5);
    assertThat(m.rocAuc()).isNaN();
    assertThat(m.prAuc()).isNaN();
    assertThat(m.rocCurve()).isEmpty();
  }

  @Test
  void refusesNoRecords() {
    assertThatThrownBy(() -> ClassificationMetrics.of(new double[0], new int[0], 0.5))
        .hasMessageContaining("at least one labelled record");
  }
}
