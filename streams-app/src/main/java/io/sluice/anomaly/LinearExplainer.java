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
