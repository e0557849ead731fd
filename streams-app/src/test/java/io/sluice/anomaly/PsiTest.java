package io.sluice.anomaly;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PsiTest {
  private static final ReferenceDistribution QUARTERS =
      new ReferenceDistribution(List.of(1.0, 2.0, 3.0), List.of(0.25, 0.25, 0.25, 0.25));

  @Test
  void isZeroForTheReferenceItself() {
    assertThat(Psi.of(new long[] {10, 10, 10, 10}, QUARTERS)).isZero();
  }

  @Test
  void sumsTheShiftOfEachBinWeightedByItsLogRatio() {
    double expected = (0.5 - 0.25) * Math.log(2) + (0.0001 - 0.25) * Math.log(0.0001 / 0.25) + 0;
    // shares 0.5, 0, 0.25, 0.25: the empty bin counts at the floor
    assertThat(Psi.of(new long[] {2, 0, 1, 1}, QUARTERS)).isCloseTo(expected, within(1e-12));
  }

  @Test
  void staysFarBelowTheUsualThresholdForSamplesOfTheReference() {
    ReferenceDistribution deciles =
        new ReferenceDistribution(
            List.of(1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0),
            List.of(0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1));
    Random random = new Random(3);
    double worst = 0;
    for (int trial = 0; trial < 200; trial++) {
      long[] counts = new long[10];
      for (int i = 0; i < 200; i++) {
        counts[deciles.bin(random.nextDouble() * 10)]++;
      }
      worst = Math.max(worst, Psi.of(counts, deciles));
    }
    assertThat(worst).isLessThan(0.25);
  }

  @Test
  void refusesCountsOfAnotherBinning() {
    assertThatThrownBy(() -> Psi.of(new long[] {1, 2}, QUARTERS))
        .hasMessage("expected 4 bin counts, found 2");
    assertThatThrownBy(() -> Psi.of(new long[4], QUARTERS)).hasMessage("no values to compare");
  }
}
