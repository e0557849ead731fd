package io.sluice.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class ProbabilitiesTest {
  @Test
  void softmaxSumsToOneAndSurvivesHugeLogits() {
    double[] p = Probabilities.softmax(new float[] {5732.7f, 1575.2f, -4795.5f});
    assertThat(p[0]).isEqualTo(1.0);
    assertThat(p[1]).isZero();
    double[] q = Probabilities.softmax(new float[] {0f, (float) Math.log(3)});
    assertThat(q[0]).isCloseTo(0.25, within(1e-7));
    assertThat(q[1]).isCloseTo(0.75, within(1e-7));
  }

  @Test
  void topKListsTheLargestFirstAndTiesInIndexOrder() {
    double[] p = {0.1, 0.3, 0.05, 0.3, 0.25};
    assertThat(Probabilities.topK(p, 3)).containsExactly(1, 3, 4);
    assertThat(Probabilities.topK(p, 10)).containsExactly(1, 3, 4, 0, 2);
  }

  @Test
  void topKPutsNanLast() {
    assertThat(Probabilities.topK(new double[] {Double.NaN, 0.2, 0.1}, 3)).containsExactly(1, 2, 0);
  }
}
