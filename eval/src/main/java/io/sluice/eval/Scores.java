package io.sluice.eval;

import java.util.Arrays;
import java.util.Comparator;

/** What every binary metric does first: check scores against labels, count, and rank. */
final class Scores {
  private Scores() {}

  /**
   * Checks that there is one 0/1 label per score and that the scores are numbers.
   *
   * @param finite whether infinite scores are refused too (NaN always is)
   * @throws IllegalArgumentException naming the index, what was expected and what was found
   */
  static void check(double[] scores, int[] labels, boolean finite) {
    if (scores.length != labels.length) {
      throw new IllegalArgumentException(
          "Expected as many labels as scores, found "
              + scores.length
              + " scores and "
              + labels.length
              + " labels");
    }
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] != 0 && labels[i] != 1) {
        throw new IllegalArgumentException(
            "Expected labels 0 or 1, found " + labels[i] + " at index " + i);
      }
      if (finite ? !Double.isFinite(scores[i]) : Double.isNaN(scores[i])) {
        throw new IllegalArgumentException(
            "Expected "
                + (finite ? "finite " : "")
                + "scores, found "
                + scores[i]
                + " at index "
                + i);
      }
    }
  }

  /** The number of labels that are 1. */
  static int positives(int[] labels) {
    int positives = 0;
    for (int label : labels) {
      positives += label;
    }
    return positives;
  }

  /** Indices of {@code scores}, highest score first; ties keep index order. */
  static Integer[] descending(double[] scores) {
    Integer[] order = indices(scores.length);
    Arrays.sort(order, Comparator.comparingDouble((Integer i) -> scores[i]).reversed());
    return order;
  }

  /** Indices of {@code scores}, lowest score first; ties keep index order. */
  static Integer[] ascending(double[] scores) {
    Integer[] order = indices(scores.length);
    Arrays.sort(order, Comparator.comparingDouble(i -> scores[i]));
    return order;
  }

  private static Integer[] indices(int n) {
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    return order;
  }
}
