package io.sluice.topology;

import java.util.List;

/** Class probabilities from a model's output row, and the most probable classes. */
public final class Probabilities {
  private Probabilities() {}

  /** The softmax of logits, computed in double precision (stable: shifted by the maximum). */
  public static double[] softmax(float[] logits) {
    double max = Double.NEGATIVE_INFINITY;
    for (float l : logits) {
      max = Math.max(max, l);
    }
    double[] p = new double[logits.length];
    double sum = 0;
    for (int i = 0; i < logits.length; i++) {
      p[i] = Math.exp(logits[i] - max);
      sum += p[i];
    }
    for (int i = 0; i < p.length; i++) {
      p[i] /= sum;
    }
    return p;
  }

  /** An output row that already holds probabilities, widened to double. */
  public static double[] of(float[] probabilities) {
    double[] p = new double[probabilities.length];
    for (int i = 0; i < p.length; i++) {
      p[i] = probabilities[i];
    }
    return p;
  }

  /**
   * The indices of the {@code k} largest values, largest first; equal values in index order. NaN
   * counts as smaller than any number.
   */
  public static int[] topK(double[] p, int k) {
    int n = Math.min(k, p.length);
    int[] top = new int[n];
    boolean[] taken = new boolean[p.length];
    for (int r = 0; r < n; r++) {
      int best = -1;
      for (int i = 0; i < p.length; i++) {
        if (!taken[i]
            && (best < 0 || p[i] > p[best] || (Double.isNaN(p[best]) && !Double.isNaN(p[i])))) {
          best = i;
        }
      }
      taken[best] = true;
      top[r] = best;
    }
    return top;
  }

  /**
   * Checks that a model gave one score per label.
   *
   * @throws IllegalStateException naming the model, if not: a model that does not match its
   *     descriptor is a bug, not a bad record
   */
  public static void requireOnePerLabel(
      String name, String version, float[] scores, List<String> labels) {
    if (scores.length != labels.size()) {
      throw new IllegalStateException(
          "model "
              + name
              + ":"
              + version
              + " returned "
              + scores.length
              + " scores, its descriptor declares "
              + labels.size()
              + " labels");
    }
  }
}
