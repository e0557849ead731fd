package io.sluice.descriptor;

import io.sluice.descriptor.ModelDescriptor.Distribution;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Bins a value's training distribution at its quantiles, for the drift checks that compare live
 * windows with it (population stability index).
 *
 * <p>Bin {@code i} holds the values {@code x} with {@code edges[i-1] < x <= edges[i]}; the first
 * bin is open below and the last above. Edges are cut at the {@code 1/bins, 2/bins, ...} quantiles,
 * so bins hold about equal shares; repeated values can merge neighbouring edges, which leaves
 * fewer, unequal bins. The engine bins live values by the same rule.
 */
public final class ReferenceBins {

  private ReferenceBins() {}

  /**
   * The distribution of {@code values} in at most {@code bins} quantile bins.
   *
   * @throws IllegalArgumentException if there are no values, one is not finite, or {@code bins < 2}
   */
  public static Distribution quantiles(double[] values, int bins) {
    if (values.length == 0) {
      throw new IllegalArgumentException("Expected values to bin, found none");
    }
    if (bins < 2) {
      throw new IllegalArgumentException("Expected at least 2 bins, found " + bins);
    }
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    if (!Double.isFinite(sorted[0]) || !Double.isFinite(sorted[sorted.length - 1])) {
      throw new IllegalArgumentException("Expected finite values, found " + sorted[0]);
    }
    List<Double> edges = new ArrayList<>();
    for (int q = 1; q < bins; q++) {
      double edge = sorted[(int) Math.min(sorted.length - 1, (long) q * sorted.length / bins)];
      // An edge at the maximum would leave the last bin empty.
      if (edge < sorted[sorted.length - 1] && (edges.isEmpty() || edge > last(edges))) {
        edges.add(edge);
      }
    }
    double[] edgeArray = edges.stream().mapToDouble(Double::doubleValue).toArray();
    long[] counts = new long[edgeArray.length + 1];
    for (double v : sorted) {
      counts[bin(edgeArray, v)]++;
    }
    List<Double> proportions = new ArrayList<>(counts.length);
    for (long c : counts) {
      proportions.add((double) c / values.length);
    }
    return new Distribution(edges, proportions);
  }

  /** The bin of {@code x}: the number of edges strictly below it. */
  public static int bin(double[] edges, double x) {
    int low = 0;
    int high = edges.length;
    while (low < high) {
      int mid = (low + high) >>> 1;
      if (edges[mid] < x) {
        low = mid + 1;
      } else {
        high = mid;
      }
    }
    return low;
  }

  private static double last(List<Double> list) {
    return list.get(list.size() - 1);
  }
}
