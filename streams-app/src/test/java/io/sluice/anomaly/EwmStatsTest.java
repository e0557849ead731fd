package io.sluice.anomaly;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class EwmStatsTest {
  private static final double ALPHA = EwmStats.alpha(20);

  @Test
  void theFirstValuesGiveThePlainMeanAndPopulationVariance() {
    EwmStats s = EwmStats.EMPTY;
    for (double x : new double[] {2, 4, 4, 4, 5, 5, 7, 9}) {
      s = s.update(x, ALPHA);
    }
    assertThat(s.count()).isEqualTo(8);
    assertThat(s.mean()).isCloseTo(5.0, within(1e-12));
    assertThat(s.variance()).isCloseTo(4.0, within(1e-12));
    assertThat(s.stddev()).isCloseTo(2.0, within(1e-12));
  }

  @Test
  void aStepIsHalfForgottenAfterOneHalfLifeOnceTheHistoryIsLong() {
    EwmStats s = EwmStats.EMPTY;
    for (int i = 0; i < 1_000; i++) {
      s = s.update(0, ALPHA);
    }
    for (int i = 0; i < 20; i++) {
      s = s.update(1, ALPHA);
    }
    assertThat(s.mean()).isCloseTo(0.5, within(1e-9));
  }

  @Test
  void theZScoreFloorsTheStandardDeviation() {
    EwmStats constant = EwmStats.EMPTY.update(3, ALPHA).update(3, ALPHA);
    assertThat(constant.variance()).isZero();
    assertThat(constant.zScore(3.5, 0.1)).isCloseTo(5.0, within(1e-9));
    EwmStats spread = new EwmStats(10, 0, 4);
    assertThat(spread.zScore(-6, 0)).isEqualTo(-3.0);
  }

  @Test
  void theWeightHalvesEveryHalfLife() {
    assertThat(Math.pow(1 - EwmStats.alpha(5), 5)).isCloseTo(0.5, within(1e-12));
    assertThatThrownBy(() -> EwmStats.alpha(0)).hasMessageContaining("half-life");
  }
}
