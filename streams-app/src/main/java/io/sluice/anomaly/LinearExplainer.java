package io.sluice.anomaly;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Says which input features pushed a linear model's score up: the model's log-odds of the alerted
 * label is {@code intercept + sum_i coefficients[i] * (x[i] - means[i]) / scales[i]}, and each term
 * is feature {@code i}'s contribution. Built from the {@code linear} block of the model descriptor.
 * Immutable and thread-safe.
 */
public final class LinearExplainer {

  /** One feature's term of the log-odds for one event. */
  public record Contribution(String feature, double value, double contribution) {}

  /** Up to this many contributions are picked by scanning rather than by sorting them all. */
  private static final int SELECT_MAX = 8;

  private final List<String> features;
  private final double[] means;
  private final double[] scales;
  private final double[] coefficients;
  private final double intercept;

  /**
   * @throws IllegalArgumentException if the lists differ in length or a scale is not positive
   */
  public LinearExplainer(
      List<String> features,
      List<Double> means,
      List<Double> scales,
      List<Double> coefficients,
      double intercept) {
    int n = features.size();
    if (means.size() != n || scales.size() != n || coefficients.size() != n) {
      throw new IllegalArgumentException(
          "expected "
              + n
              + " means, scales and coefficients (one per feature), found "
              + means.size()
              + ", "
              + scales.size()
              + " and "
              + coefficients.size());
    }
    this.features = List.copyOf(features);
    this.means = means.stream().mapToDouble(Double::doubleValue).toArray();
    this.scales = scales.stream().mapToDouble(Double::doubleValue).toArray();
    this.coefficients = coefficients.stream().mapToDouble(Double::doubleValue).toArray();
    for (int i = 0; i < n; i++) {
      if (!(this.scales[i] > 0)) {
        throw new IllegalArgumentException(
            "scale of " + features.get(i) + " must be positive, was " + this.scales[i]);
      }
    }
    this.intercept = intercept;
  }

  /** The model's log-odds of the alerted label for input row {@code x}. */
  public double logOdds(float[] x) {
    double sum = intercept;
    for (int i = 0; i < coefficients.length; i++) {
      sum += term(i, x[i]);
    }
    return sum;
  }

  /** The {@code k} largest contributions for input row {@code x}, largest first. */
  public List<Contribution> top(float[] x, int k) {
    int n = coefficients.length;
    int m = Math.min(k, n);
    if (m <= SELECT_MAX) {
      // A few of many, once per alert: picked by scans, in the order the stable sort below gives
      // (largest first, ties in feature order), without building and sorting every contribution.
      double[] terms = new double[n];
      for (int i = 0; i < n; i++) {
        terms[i] = term(i, x[i]);
      }
      boolean[] taken = new boolean[n];
      List<Contribution> top = new ArrayList<>(m);
      for (int r = 0; r < m; r++) {
        int best = -1;
        for (int i = 0; i < n; i++) {
          if (!taken[i] && (best < 0 || Double.compare(terms[i], terms[best]) > 0)) {
            best = i;
          }
        }
        taken[best] = true;
        top.add(new Contribution(features.get(best), x[best], terms[best]));
      }
      return List.copyOf(top);
    }
    List<Contribution> all = new ArrayList<>(coefficients.length);
    for (int i = 0; i < coefficients.length; i++) {
      all.add(new Contribution(features.get(i), x[i], term(i, x[i])));
    }
    all.sort(Comparator.comparingDouble(Contribution::contribution).reversed());
    return List.copyOf(all.subList(0, Math.min(k, all.size())));
  }

  private double term(int i, double x) {
    return coefficients[i] * (x - means[i]) / scales[i];
  }
}
