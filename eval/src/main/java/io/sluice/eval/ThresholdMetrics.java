package io.sluice.eval;

/**
 * The confusion counts of a binary alert rule {@code score >= threshold}, and the rule for choosing
 * the threshold that maximises F1.
 *
 * @param threshold the score at or above which an example is flagged
 * @param truePositives positives flagged
 * @param falsePositives negatives flagged
 * @param falseNegatives positives not flagged
 * @param trueNegatives negatives not flagged
 */
public record ThresholdMetrics(
    double threshold,
    int truePositives,
    int falsePositives,
    int falseNegatives,
    int trueNegatives) {

  /** Describes {@link #maxF1(double[], int[])} for reports and model descriptors. */
  public static final String MAX_F1_RULE =
      "alert when p(positive) >= threshold; threshold maximises F1 on the validation split"
          + " (ties: the higher threshold), placed halfway between the lowest flagged and the"
          + " highest unflagged validation score";

  /** Precision: flagged examples that are positive; 0 when nothing is flagged. */
  public double precision() {
    int flagged = truePositives + falsePositives;
    return flagged == 0 ? 0 : (double) truePositives / flagged;
  }

  /** Recall: positives that are flagged; 0 when there are no positives. */
  public double recall() {
    int positives = truePositives + falseNegatives;
    return positives == 0 ? 0 : (double) truePositives / positives;
  }

  /** Accuracy: examples flagged or not flagged correctly; 0 when there are none. */
  public double accuracy() {
    int all = truePositives + falsePositives + falseNegatives + trueNegatives;
    return all == 0 ? 0 : (double) (truePositives + trueNegatives) / all;
  }

  /** Harmonic mean of precision and recall; 0 when both are 0. */
  public double f1() {
    int denominator = 2 * truePositives + falsePositives + falseNegatives;
    return denominator == 0 ? 0 : 2.0 * truePositives / denominator;
  }

  /**
   * Counts the outcomes of flagging {@code score >= threshold}.
   *
   * @throws IllegalArgumentException if the arrays differ in length, a label is not 0 or 1, or a
   *     score is NaN
   */
  public static ThresholdMetrics at(double[] scores, int[] labels, double threshold) {
    Scores.check(scores, labels, false);
    int tp = 0;
    int fp = 0;
    int fn = 0;
    int tn = 0;
    for (int i = 0; i < scores.length; i++) {
      boolean flagged = scores[i] >= threshold;
      if (labels[i] == 1) {
        if (flagged) {
          tp++;
        } else {
          fn++;
        }
      } else if (flagged) {
        fp++;
      } else {
        tn++;
      }
    }
    return new ThresholdMetrics(threshold, tp, fp, fn, tn);
  }

  /**
   * Chooses the threshold with the highest F1 over all cuts between distinct scores, as {@link
   * #MAX_F1_RULE} describes, and returns the counts at it.
   *
   * @throws IllegalArgumentException if the arrays differ in length, hold a label other than 0 or 1
   *     or a NaN score, or there is no positive
   */
  public static ThresholdMetrics maxF1(double[] scores, int[] labels) {
    Scores.check(scores, labels, false);
    int positives = Scores.positives(labels);
    if (positives == 0) {
      throw new IllegalArgumentException("Expected at least one positive label, found none");
    }
    Integer[] order = Scores.descending(scores);
    // Sweep the cut down through the distinct scores, flagging one run of ties at a time.
    int truePositives = 0;
    int flagged = 0;
    double bestF1 = -1;
    double bestThreshold = Double.NaN;
    int start = 0;
    while (start < order.length) {
      double score = scores[order[start]];
      int end = start;
      while (end < order.length && scores[order[end]] == score) {
        truePositives += labels[order[end]];
        flagged++;
        end++;
      }
      double f1 = 2.0 * truePositives / (flagged + positives);
      if (f1 > bestF1) {
        bestF1 = f1;
        bestThreshold = end == order.length ? score : (score + scores[order[end]]) / 2;
      }
      start = end;
    }
    return at(scores, labels, bestThreshold);
  }
}
