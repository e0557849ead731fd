package io.sluice.models.fraud;

import java.util.List;

/**
 * Per-feature standardisation {@code (x - mean) / scale}, fitted on training rows.
 *
 * <p>The scale is the population standard deviation, or 1 for a feature that is constant in the
 * training rows. Immutable.
 */
final class Standardizer {

  private final List<String> featureNames;
  private final double[] means;
  private final double[] scales;

  private Standardizer(List<String> featureNames, double[] means, double[] scales) {
    this.featureNames = List.copyOf(featureNames);
    this.means = means;
    this.scales = scales;
  }

  /** Fits the means and scales of {@code table}'s features over the given rows. */
  static Standardizer fit(CreditCardCsv.Table table, int[] rows) {
    if (rows.length == 0) {
      throw new IllegalArgumentException("Expected at least one row to fit on, found none");
    }
    int width = table.featureNames().size();
    double[] means = new double[width];
    for (int row : rows) {
      double[] values = table.row(row);
      for (int j = 0; j < width; j++) {
        means[j] += values[j];
      }
    }
    for (int j = 0; j < width; j++) {
      means[j] /= rows.length;
    }
    double[] scales = new double[width];
    for (int row : rows) {
      double[] values = table.row(row);
      for (int j = 0; j < width; j++) {
        double deviation = values[j] - means[j];
        scales[j] += deviation * deviation;
      }
    }
    for (int j = 0; j < width; j++) {
      double deviation = Math.sqrt(scales[j] / rows.length);
      scales[j] = deviation > 0 ? deviation : 1;
    }
    return new Standardizer(table.featureNames(), means, scales);
  }

  /** Standardises a row given in the fitted table's feature order. */
  double[] apply(double[] row) {
    double[] result = new double[row.length];
    for (int j = 0; j < row.length; j++) {
      result[j] = (row[j] - means[j]) / scales[j];
    }
    return result;
  }

  /** The mean of feature {@code name}. */
  double mean(String name) {
    return means[indexOf(name)];
  }

  /** The scale of feature {@code name}. */
  double scale(String name) {
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
