package io.sluice.models.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class StratifiedSplitTest {

  /** 1,000 examples, 100 of them positive, the positives first as in the fraud file. */
  private static final int[] LABELS = IntStream.range(0, 1000).map(i -> i < 100 ? 1 : 0).toArray();

  @Test
  void keepsEachClassShareInEveryPart() {
    StratifiedSplit split = StratifiedSplit.of(LABELS, 0.6, 0.2, 42);

    assertThat(positives(split.train())).isEqualTo(60);
    assertThat(split.train()).hasSize(600);
    assertThat(positives(split.validation())).isEqualTo(20);
    assertThat(split.validation()).hasSize(200);
    assertThat(positives(split.test())).isEqualTo(20);
    assertThat(split.test()).hasSize(200);
  }

  @Test
  void putsEveryIndexInExactlyOnePart() {
    StratifiedSplit split = StratifiedSplit.of(LABELS, 0.6, 0.2, 42);

    int[] all =
        IntStream.concat(
                IntStream.concat(Arrays.stream(split.train()), Arrays.stream(split.validation())),
                Arrays.stream(split.test()))
            .sorted()
            .toArray();
    assertThat(all).isEqualTo(IntStream.range(0, LABELS.length).toArray());
  }

  @Test
  void givesTheSameSplitForTheSameSeed() {
    StratifiedSplit first = StratifiedSplit.of(LABELS, 0.6, 0.2, 7);
    StratifiedSplit second = StratifiedSplit.of(LABELS.clone(), 0.6, 0.2, 7);

    assertThat(second.train()).isEqualTo(first.train());
    assertThat(second.validation()).isEqualTo(first.validation());
    assertThat(second.test()).isEqualTo(first.test());
  }

  @Test
  void givesADifferentSplitForAnotherSeed() {
    assertThat(StratifiedSplit.of(LABELS, 0.6, 0.2, 1).test())
        .isNotEqualTo(StratifiedSplit.of(LABELS, 0.6, 0.2, 2).test());
  }

  @Test
  void roundsEachClassAndGivesTheRestToTest() {
    // 7 positives: round(4.2) = 4 train, round(1.4) = 1 validation, 2 test.
    int[] labels = {1, 1, 1, 1, 1, 1, 1, 0, 0, 0};

    StratifiedSplit split = StratifiedSplit.of(labels, 0.6, 0.2, 3);

    assertThat(positives(split.train(), labels)).isEqualTo(4);
    assertThat(positives(split.validation(), labels)).isEqualTo(1);
    assertThat(positives(split.test(), labels)).isEqualTo(2);
  }

  @Test
  void rejectsFractionsThatLeaveNoTestPart() {
    assertThatThrownBy(() -> StratifiedSplit.of(LABELS, 0.8, 0.2, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("found train 0.8 and validation 0.2");
  }

  private static int positives(int[] indices) {
    return positives(indices, LABELS);
  }

  private static int positives(int[] indices, int[] labels) {
    return Arrays.stream(indices).map(i -> labels[i]).sum();
  }
}
