package io.sluice.anomaly;

import io.sluice.descriptor.ReferenceBins;
import java.util.List;
import java.util.Locale;

/**
 * A value's binned distribution on the training rows, recorded with the model: bin {@code i} holds
 * {@code edges[i-1] < x <= edges[i]}, the first bin open below and the last above, so there is one
 * more bin than edges. Immutable.
 *
 * <p>The bins are those of {@link ReferenceBins}, which the trainers record them with.
 */
public final class ReferenceDistribution {
  private final double[] edges;
  private final double[] proportions;

  /**
   * @throws IllegalArgumentException if the edges do not rise, there is not one more proportion
   *     than edges, or the proportions do not add up to 1
   */
  public ReferenceDistribution(List<Double> edges, List<Double> proportions) {
    this.edges = edges.stream().mapToDouble(Double::doubleValue).toArray();
    this.proportions = proportions.stream().mapToDouble(Double::doubleValue).toArray();
    for (int i = 1; i < this.edges.length; i++) {
      if (!(this.edges[i] > this.edges[i - 1])) {
        throw new IllegalArgumentException("edges must rise strictly, found " + edges);
      }
    }
    if (this.proportions.length != this.edges.length + 1) {
      throw new IllegalArgumentException(
          "expected " + (this.edges.length + 1) + " proportions, found " + proportions.size());
    }
    double sum = 0;
    for (double p : this.proportions) {
      sum += p;
    }
    if (Math.abs(sum - 1) > 1e-6) {
      throw new IllegalArgumentException("proportions must add up to 1, found " + sum);
    }
  }

  public int bins() {
    return proportions.length;
  }

  /**
   * The bin of {@code x}: the number of edges strictly below it, by the same rule that binned the
   * training rows ({@link ReferenceBins#bin}).
   */
  public int bin(double x) {
    return ReferenceBins.bin(edges, x);
  }

  /** The training share of bin {@code i}. */
  public double proportion(int i) {
    return proportions[i];
  }

  /** The bin as an interval, e.g. {@code (1.5, 3]}. */
  public String describe(int i) {
    String low = i == 0 ? "(-inf" : String.format(Locale.ROOT, "(%.4g", edges[i - 1]);
    String high = i == edges.length ? "inf)" : String.format(Locale.ROOT, "%.4g]", edges[i]);
    return low + ", " + high;
  }
}
