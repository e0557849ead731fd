package io.sluice.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PairedBootstrapTest {

  /** 1,000 records, 10% positive; scores drawn so that the model ranks them with some skill. */
  private static final int N = 1000;

  private static int[] labels() {
    int[] labels = new int[N];
    for (int i = 0; i < N; i += 10) {
      labels[i] = 1;
    }
    return labels;
  }

  /** Scores where positives sit {@code separation} standard deviations above the negatives. */
  private static double[] scores(int[] labels, double separation, long seed) {
    Random random = new Random(seed);
    double[] scores = new double[labels.length];
    for (int i = 0; i < labels.length; i++) {
      double z = random.nextGaussian() + separation * labels[i];
      scores[i] = 1 / (1 + Math.exp(-z));
    }
    return scores;
  }

  private static double[] jitter(double[] scores, long seed) {
    Random random = new Random(seed);
    double[] out = new double[scores.length];
    for (int i = 0; i < scores.length; i++) {
      double logit = Math.log(scores[i] / (1 - scores[i])) + 0.2 * random.nextGaussian();
      out[i] = 1 / (1 + Math.exp(-logit));
    }
    return out;
  }

  private static int[] ones(int n) {
    int[] w = new int[n];
    Arrays.fill(w, 1);
    return w;
  }

  @Test
  void identicalVersionsDifferByZeroWithAnIntervalContainingZero() {
    int[] labels = labels();
    double[] scores = scores(labels, 1.5, 1);

    PairedBootstrap.Result r =
        PairedBootstrap.compare(
            "ROC-AUC",
            N,
            PairedBootstrap.rocAuc(scores, labels),
            PairedBootstrap.rocAuc(scores.clone(), labels));

    assertThat(r.difference()).isZero();
    assertThat(r.low()).isLessThanOrEqualTo(0);
    assertThat(r.high()).isGreaterThanOrEqualTo(0);
    assertThat(r.verdict()).isEqualTo(PairedBootstrap.Verdict.NO_SIGNIFICANT_DIFFERENCE);
    assertThat(r.sentence()).startsWith("no significant difference on 1000 labelled records");
  }

  @Test
  void aClearlyBetterModelIsBetterAndTheReverseIsWorse() {
    int[] labels = labels();
    double[] weak = scores(labels, 0.5, 2);
    double[] strong = scores(labels, 3.0, 3);

    PairedBootstrap.Result better =
        PairedBootstrap.compare(
            "ROC-AUC",
            N,
            PairedBootstrap.rocAuc(weak, labels),
            PairedBootstrap.rocAuc(strong, labels));
    PairedBootstrap.Result worse =
        PairedBootstrap.compare(
            "PR-AUC",
            N,
            PairedBootstrap.averagePrecision(strong, labels),
            PairedBootstrap.averagePrecision(weak, labels));

    assertThat(better.verdict()).isEqualTo(PairedBootstrap.Verdict.BETTER);
    assertThat(better.low()).isGreaterThan(0);
    assertThat(better.low()).isLessThan(better.difference());
    assertThat(better.high()).isGreaterThan(better.difference());
    assertThat(better.sentence()).startsWith("better: ROC-AUC +");
    assertThat(worse.verdict()).isEqualTo(PairedBootstrap.Verdict.WORSE);
    assertThat(worse.high()).isLessThan(0);
  }

  @Test
  void twoEquallyGoodModelsWithTheirOwnSmallNoiseShowNoSignificantDifference() {
    // As two model families trained on the same data: one shared signal, a little noise each.
    int[] labels = labels();
    double[] shared = scores(labels, 1.5, 4);
    double[] a = jitter(shared, 5);
    double[] b = jitter(shared, 6);

    PairedBootstrap.Result r =
        PairedBootstrap.compare(
            "ROC-AUC", N, PairedBootstrap.rocAuc(a, labels), PairedBootstrap.rocAuc(b, labels));

    assertThat(r.difference()).isNotZero();
    assertThat(r.low()).isLessThan(0);
    assertThat(r.high()).isGreaterThan(0);
    assertThat(r.verdict()).isEqualTo(PairedBootstrap.Verdict.NO_SIGNIFICANT_DIFFERENCE);
  }

  @Test
  void theSameSeedGivesTheSameIntervalAndAnotherSeedAnotherOne() {
    int[] labels = labels();
    double[] a = scores(labels, 1.0, 6);
    double[] b = scores(labels, 1.3, 7);
    PairedBootstrap.Metric champion = PairedBootstrap.rocAuc(a, labels);
    PairedBootstrap.Metric challenger = PairedBootstrap.rocAuc(b, labels);

    PairedBootstrap.Result first =
        PairedBootstrap.compare("ROC-AUC", N, champion, challenger, 1000, 42);
    PairedBootstrap.Result again =
        PairedBootstrap.compare("ROC-AUC", N, champion, challenger, 1000, 42);
    PairedBootstrap.Result other =
        PairedBootstrap.compare("ROC-AUC", N, champion, challenger, 1000, 43);

    assertThat(again).isEqualTo(first);
    assertThat(other.difference()).isEqualTo(first.difference());
    assertThat(other.low()).isNotEqualTo(first.low());
  }

  @Test
  void weightedRocAucAndAveragePrecisionEqualTheUnweightedOnesOnDuplicatedRecords() {
    double[] scores = {0.9, 0.5, 0.5, 0.5, 0.2, 0.2, 0.9};
    int[] labels = {1, 1, 1, 0, 0, 0, 0};
    int[] weights = {2, 0, 1, 3, 1, 0, 1};
    double[] expandedScores = {0.9, 0.9, 0.5, 0.5, 0.5, 0.5, 0.2, 0.9};
    int[] expandedLabels = {1, 1, 1, 0, 0, 0, 0, 0};

    assertThat(PairedBootstrap.rocAuc(scores, labels).of(ones(7)))
        .isCloseTo(RocAuc.rocAuc(scores, labels), within(1e-15));
    assertThat(PairedBootstrap.rocAuc(scores, labels).of(weights))
        .isCloseTo(RocAuc.rocAuc(expandedScores, expandedLabels), within(1e-15));
    assertThat(PairedBootstrap.averagePrecision(scores, labels).of(ones(7)))
        .isCloseTo(ClassificationMetrics.averagePrecision(scores, labels), within(1e-15));
    assertThat(PairedBootstrap.averagePrecision(scores, labels).of(weights))
        .isCloseTo(
            ClassificationMetrics.averagePrecision(expandedScores, expandedLabels), within(1e-15));
  }

  @Test
  void equalAlertVolumeThresholdFlagsThatManyRecords() {
    double[] scores = {0.1, 0.7, 0.3, 0.9, 0.5};
    int[] labels = {0, 1, 0, 1, 0};

    double threshold = PairedBootstrap.thresholdForAlerts(scores, 3);

    assertThat(threshold).isEqualTo(0.5);
    assertThat(PairedBootstrap.recallAt(scores, labels, threshold).of(ones(5))).isEqualTo(1.0);
    assertThat(PairedBootstrap.precisionAt(scores, labels, threshold).of(ones(5)))
        .isCloseTo(2.0 / 3, within(1e-15));
    // F1 = 2PR / (P + R) = 2 * (2/3) * 1 / (5/3) = 0.8; weighted: record 4 twice, record 2 out
    assertThat(PairedBootstrap.f1At(scores, labels, threshold).of(ones(5)))
        .isCloseTo(0.8, within(1e-15));
    assertThat(PairedBootstrap.f1At(scores, labels, threshold).of(new int[] {1, 1, 0, 2, 1}))
        .isCloseTo(2.0 * 3 / (4 + 3), within(1e-15));
    assertThat(PairedBootstrap.thresholdForAlerts(scores, 0)).isInfinite();
  }

  @Test
  void meanIsTheWeightedShareOfHits() {
    double[] hits = {1, 0, 1, 1};

    assertThat(PairedBootstrap.mean(hits).of(ones(4))).isEqualTo(0.75);
    assertThat(PairedBootstrap.mean(hits).of(new int[] {0, 3, 1, 0})).isEqualTo(0.25);
  }
}
