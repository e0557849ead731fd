package io.sluice.models.linear;

import java.util.List;

/**
 * Per-feature standardisation {@code (x - mean) / scale}, fitted on training rows.
 *
 * <p>The scale is the population standard deviation, or 1 for a feature that is constant in the
 * training rows. Immutable.
 */
public final class Standardizer {

  private final List<String> featureNames;
  private final double[] means;
  private final double[] scales;

  private Standardizer(List<String> featureNames, double[] means, double[] scales) {
    this.featureNames = List.copyOf(featureNames);
    this.means = means;
    this.scales = scales;
  }

  /**
   * Fits the means and scales of the named features over the given rows.
   *
   * @param featureNames the name of each column of a row
   * @param rows the training rows, each with one value per name
   */
  public static Standardizer fit(List<String> featureNames, List<double[]> rows) {
    if (rows.isEmpty()) {
      throw new IllegalArgumentException("Expected at least one row to fit on, found none");
    }
    int width = featureNames.size();
    double[] means = new double[width];
    for (double[] values : rows) {
      if (values.length != width) {
        throw new IllegalArgumentException(
            "Expected rows of " + width + " values " + featureNames + ", found " + values.length);
      }
      for (int j = 0; j < width; j++) {
        means[j] += values[j];
      }
    }
    for (int j = 0; j < width; j++) {
      means[j] /= rows.size();
    }
    double[] scales = new double[width];
    for (double[] values : rows) {
      for (int j = 0; j < width; j++) {
        double deviation = values[j] - means[j];
        scales[j] += deviation * deviation;
      }
    }
    for (int j = 0; j < width; j++) {
      double deviation = Math.sqrt(scales[j] / rows.size());
      scales[j] = deviation > 0 ? deviation : 1;
    }
    return new Standardizer(featureNames, means, scales);
  }

  /** Standardises a row given in the fitted feature order. */
  public double[] apply(double[] row) {
    double[] result = new double[row.length];
    for (int j = 0; j < row.length; j++) {
      result[j] = (row[j] - means[j]) / scales[j];
    }
    return result;
  }

  /** The mean of feature {@code name}. */
  public double mean(String name) {
    return means[indexOf(name)];
  }

  /** The scale of feature {@code name}. */
  public double scale(String name) {
    return scales[indexOf(name)];
  }

  private int indexOf(String name) {
    int index = featureNames.indexOf(name);
    if (index < 0) {
      throw new IllegalArgumentException(
          "Unknown feature " + name + ", expected one of " + featureNames);
    }
    return index;
  }
}
