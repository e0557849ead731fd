package io.sluice.eval;

/**
 * Exact area under the ROC curve for binary labels.
 *
 * <p>Computed as the Mann-Whitney statistic with midranks for tied scores, which equals the
 * trapezoid area under the ROC curve with ties drawn as diagonal segments: a positive and a
 * negative with the same score count one half. Stateless and thread-safe.
 */
public final class RocAuc {

  private RocAuc() {}

  /**
   * Returns the ROC-AUC of {@code scores} (higher means more likely positive) against {@code
   * labels}.
   *
   * @param scores one finite score per example
   * @param labels one label per example, 1 for positive and 0 for negative
   * @throws IllegalArgumentException if the arrays differ in length, a score is not finite, a label
   *     is not 0 or 1, or either class is absent (the AUC is then undefined)
   */
  public static double rocAuc(double[] scores, int[] labels) {
    Scores.check(scores, labels, true);
    long positives = Scores.positives(labels);
    long negatives = labels.length - positives;
    if (positives == 0 || negatives == 0) {
      throw new IllegalArgumentException(
          "ROC-AUC needs both classes, found "
              + positives
              + " positives and "
              + negatives
              + " negatives");
    }

    Integer[] order = Scores.ascending(scores);
    // Ranks are 1-based; a run of ties shares the mean of its ranks. Twice the rank sum stays an
    // integer, so the sum is exact in a long.
    long twiceRankSumOfPositives = 0;
    int start = 0;
    while (start < order.length) {
      int end = start;
      while (end + 1 < order.length && scores[order[end + 1]] == scores[order[start]]) {
        end++;
      }
      long twiceMidrank = (start + 1L) + (end + 1L);
      for (int k = start; k <= end; k++) {
        if (labels[order[k]] == 1) {
          twiceRankSumOfPositives += twiceMidrank;
        }
      }
      start = end + 1;
    }
    long twiceU = twiceRankSumOfPositives - positives * (positives + 1);
    return twiceU / (2.0 * positives * negatives);
  }
}
