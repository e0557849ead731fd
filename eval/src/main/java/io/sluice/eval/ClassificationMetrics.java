package io.sluice.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The quality of one model version's binary scores against the labels: ranking (ROC-AUC, PR-AUC),
 * the alert rule at its threshold (confusion matrix, precision, recall, F1), calibration, and the
 * curves and histograms a report draws. Pure computation; a value.
 *
 * @param records scored records with a label
 * @param positives records labelled positive
 * @param rocAuc area under the ROC curve, ties counted half ({@link RocAuc})
 * @param prAuc area under the precision-recall curve as average precision (the step-wise sum over
 *     the positives of the precision at their rank, tied scores taken as one step)
 * @param confusion the counts of {@code score >= threshold}
 */
public record ClassificationMetrics(
    int records,
    int positives,
    double rocAuc,
    double prAuc,
    double threshold,
    double precision,
    double recall,
    double f1,
    Confusion confusion,
    List<CalibrationBin> calibration,
    List<Point> rocCurve,
    List<Point> prCurve,
    Histogram scoresOfPositives,
    Histogram scoresOfNegatives) {

  /** Calibration bins and score histogram bins over [0, 1]. */
  static final int BINS = 10;

  static final int HISTOGRAM_BINS = 20;

  /** At most this many points per curve in a report. */
  static final int CURVE_POINTS = 200;

  /** The confusion matrix of the alert rule. */
  public record Confusion(
      int truePositives, int falsePositives, int falseNegatives, int trueNegatives) {}

  /** Records whose score falls in [low, high): their mean score and the share that is positive. */
  public record CalibrationBin(
      double low, double high, int count, double meanScore, double positiveRate) {}

  /** A point of a curve: (x, y), FPR/TPR for ROC, recall/precision for PR. */
  public record Point(double x, double y) {}

  /** Counts of scores in equal-width bins over [0, 1]; the last bin includes 1. */
  public record Histogram(double low, double high, List<Integer> counts) {
    public Histogram {
      counts = List.copyOf(counts);
    }
  }

  /**
   * Computes the metrics.
   *
   * @param scores the positive-class score of each record, in [0, 1]
   * @param labels 1 for a positive record, 0 otherwise
   * @throws IllegalArgumentException if the arrays differ in length, a label is not 0 or 1, or
   *     there are no records
   */
  public static ClassificationMetrics of(double[] scores, int[] labels, double threshold) {
    if (scores.length == 0) {
      throw new IllegalArgumentException("Expected at least one labelled record, found none");
    }
    ThresholdMetrics at = ThresholdMetrics.at(scores, labels, threshold);
    int positives = at.truePositives() + at.falseNegatives();
    boolean bothClasses = positives > 0 && positives < scores.length;
    return new ClassificationMetrics(
        scores.length,
        positives,
        bothClasses ? RocAuc.rocAuc(scores, labels) : Double.NaN,
        positives > 0 ? averagePrecision(scores, labels) : Double.NaN,
        threshold,
        at.precision(),
        at.recall(),
        at.f1(),
        new Confusion(
            at.truePositives(), at.falsePositives(), at.falseNegatives(), at.trueNegatives()),
        calibration(scores, labels),
        bothClasses ? curve(scores, labels, true) : List.of(),
        positives > 0 ? curve(scores, labels, false) : List.of(),
        histogram(scores, labels, 1),
        histogram(scores, labels, 0));
  }

  /** Average precision (PR-AUC); tied scores are one step, so the order of ties does not matter. */
  public static double averagePrecision(double[] scores, int[] labels) {
    Integer[] order = Scores.descending(scores);
    int positives = Scores.positives(labels);
    double sum = 0;
    int tp = 0;
    int seen = 0;
    int i = 0;
    while (i < order.length) {
      int j = i;
      int tpBefore = tp;
      while (j < order.length && scores[order[j]] == scores[order[i]]) {
        tp += labels[order[j]];
        j++;
      }
      seen = j;
      sum += (tp - tpBefore) * ((double) tp / seen);
      i = j;
    }
    return sum / positives;
  }

  /** ROC (FPR, TPR) or PR (recall, precision) points at each distinct score, thinned. */
  private static List<Point> curve(double[] scores, int[] labels, boolean roc) {
    Integer[] order = Scores.descending(scores);
    int positives = Scores.positives(labels);
    int negatives = labels.length - positives;
    List<Point> all = new ArrayList<>();
    all.add(roc ? new Point(0, 0) : new Point(0, 1));
    int tp = 0;
    int fp = 0;
    int i = 0;
    while (i < order.length) {
      int j = i;
      while (j < order.length && scores[order[j]] == scores[order[i]]) {
        if (labels[order[j]] == 1) {
          tp++;
        } else {
          fp++;
        }
        j++;
      }
      all.add(
          roc
              ? new Point((double) fp / negatives, (double) tp / positives)
              : new Point((double) tp / positives, (double) tp / (tp + fp)));
      i = j;
    }
    return thin(all);
  }

  /** Keeps at most {@link #CURVE_POINTS} points, always the first and the last. */
  private static List<Point> thin(List<Point> points) {
    if (points.size() <= CURVE_POINTS) {
      return List.copyOf(points);
    }
    List<Point> kept = new ArrayList<>(CURVE_POINTS);
    double step = (points.size() - 1) / (double) (CURVE_POINTS - 1);
    for (int k = 0; k < CURVE_POINTS; k++) {
      kept.add(points.get((int) Math.round(k * step)));
    }
    return List.copyOf(kept);
  }

  private static int bin(double score, int bins) {
    return Math.min(bins - 1, Math.max(0, (int) Math.floor(score * bins)));
  }

  private static List<CalibrationBin> calibration(double[] scores, int[] labels) {
    int[] count = new int[BINS];
    double[] sum = new double[BINS];
    int[] pos = new int[BINS];
    for (int i = 0; i < scores.length; i++) {
      int b = bin(scores[i], BINS);
      count[b]++;
      sum[b] += scores[i];
      pos[b] += labels[i];
    }
    List<CalibrationBin> out = new ArrayList<>(BINS);
    for (int b = 0; b < BINS; b++) {
      out.add(
          new CalibrationBin(
              (double) b / BINS,
              (double) (b + 1) / BINS,
              count[b],
              count[b] == 0 ? Double.NaN : sum[b] / count[b],
              count[b] == 0 ? Double.NaN : (double) pos[b] / count[b]));
    }
    return List.copyOf(out);
  }

  private static Histogram histogram(double[] scores, int[] labels, int label) {
    Integer[] counts = new Integer[HISTOGRAM_BINS];
    Arrays.fill(counts, 0);
    for (int i = 0; i < scores.length; i++) {
      if (labels[i] == label) {
        counts[bin(scores[i], HISTOGRAM_BINS)]++;
      }
    }
    return new Histogram(0, 1, Arrays.asList(counts));
  }
}
