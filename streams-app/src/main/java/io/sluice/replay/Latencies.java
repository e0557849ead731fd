package io.sluice.replay;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Percentiles and a histogram of per-record latencies in milliseconds. Pure computation; a value.
 *
 * @param histogram counts in bins of width {@code binWidthMs} from 0; the last bin holds the rest
 */
public record Latencies(
    int count,
    double p50Ms,
    double p90Ms,
    double p99Ms,
    double p999Ms,
    double maxMs,
    double binWidthMs,
    List<Integer> histogram) {

  static final int BINS = 30;

  public Latencies {
    histogram = List.copyOf(histogram);
  }

  /** Nearest-rank percentiles of the given latencies. */
  public static Latencies of(double[] millis) {
    if (millis.length == 0) {
      return new Latencies(0, 0, 0, 0, 0, 0, 1, List.of());
    }
    double[] sorted = millis.clone();
    Arrays.sort(sorted);
    double p99 = rank(sorted, 0.99);
    double width = Math.max(0.001, Math.ceil(p99 * 1.2 * 1000 / BINS) / 1000);
    int[] bins = new int[BINS];
    for (double v : sorted) {
      bins[Math.min(BINS - 1, (int) (v / width))]++;
    }
    List<Integer> histogram = new ArrayList<>(BINS);
    for (int b : bins) {
      histogram.add(b);
    }
    return new Latencies(
        sorted.length,
        rank(sorted, 0.50),
        rank(sorted, 0.90),
        p99,
        rank(sorted, 0.999),
        sorted[sorted.length - 1],
        width,
        histogram);
  }

  private static double rank(double[] sorted, double q) {
    int index = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
  }
}
