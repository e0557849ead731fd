package io.sluice.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class RocAucTest {

  @Test
  void countsTiedPositiveNegativePairsAsOneHalf() {
    // Positives 0.35, 0.8, 0.4 against negatives 0.1, 0.4. Pairs won by the positive:
    // 0.35>0.1, 0.8>0.1, 0.8>0.4, 0.4>0.1, and 0.4=0.4 counts one half: 4.5 of 6.
    double[] scores = {0.1, 0.4, 0.35, 0.8, 0.4};
    int[] labels = {0, 0, 1, 1, 1};

    assertThat(RocAuc.rocAuc(scores, labels)).isEqualTo(0.75);
  }

  @Test
  void handlesTiesWithinOneClassAndAcrossClasses() {
    // Positives 0.9, 0.5, 0.5; negatives 0.5, 0.2, 0.2, 0.9.
    // Each 0.9 positive: beats 0.5, 0.2, 0.2 and ties 0.9 -> 3.5.
    // Each 0.5 positive: ties 0.5, beats 0.2, 0.2 -> 2.5, twice.
    // Total 8.5 of 12 pairs.
    double[] scores = {0.9, 0.5, 0.5, 0.5, 0.2, 0.2, 0.9};
    int[] labels = {1, 1, 1, 0, 0, 0, 0};

    assertThat(RocAuc.rocAuc(scores, labels)).isCloseTo(8.5 / 12, within(1e-15));
  }

  @Test
  void isOneForAPerfectRankingAndZeroForAnInvertedOne() {
    double[] scores = {0.1, 0.2, 0.3, 0.4};

    assertThat(RocAuc.rocAuc(scores, new int[] {0, 0, 1, 1})).isEqualTo(1.0);
    assertThat(RocAuc.rocAuc(scores, new int[] {1, 1, 0, 0})).isEqualTo(0.0);
  }

  @Test
  void isOneHalfWhenEveryScoreIsTied() {
    assertThat(RocAuc.rocAuc(new double[] {3, 3, 3, 3, 3}, new int[] {1, 0, 0, 1, 0}))
        .isEqualTo(0.5);
  }

  @Test
  void doesNotDependOnTheOrderOfExamples() {
    double[] scores = {0.4, 0.8, 0.35, 0.4, 0.1};
    int[] labels = {1, 1, 1, 0, 0};

    assertThat(RocAuc.rocAuc(scores, labels)).isEqualTo(0.75);
  }

  @Test
  void rejectsASingleClass() {
    assertThatThrownBy(() -> RocAuc.rocAuc(new double[] {0.1, 0.2}, new int[] {1, 1}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("found 2 positives and 0 negatives");
  }

  @Test
  void rejectsLabelsOtherThanZeroAndOne() {
    assertThatThrownBy(() -> RocAuc.rocAuc(new double[] {0.1, 0.2}, new int[] {0, 2}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("found 2 at index 1");
  }

  @Test
  void rejectsNonFiniteScores() {
    assertThatThrownBy(() -> RocAuc.rocAuc(new double[] {Double.NaN, 0.2}, new int[] {0, 1}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("found NaN at index 0");
  }

  @Test
  void rejectsArraysOfDifferentLengths() {
    assertThatThrownBy(() -> RocAuc.rocAuc(new double[] {0.1, 0.2}, new int[] {0}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("found 2 scores and 1 labels");
  }
}
