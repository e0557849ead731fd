package io.sluice.loadtests;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import java.time.Duration;
import java.util.Arrays;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Latency statistics of the latency benchmark: an exact per-millisecond histogram for end-to-end
 * latency, and what a window of the engine's own meters says (processing latency percentiles from
 * the {@code sluice.processing.latency} timer's buckets, mean batch size).
 */
final class LatencyStats {
  private LatencyStats() {}

  /** Bucket bounds of processing latency: 10 µs to 100 s, 5% apart, in nanoseconds. */
  private static final double[] LATENCY_BUCKETS_NANOS = geometric(10_000, 100e9, 1.05);

  /**
   * Makes every histogram of {@code registry} cumulative (no decay), so that the difference of two
   * snapshots is exactly what was recorded between them, and gives processing latency fine buckets
   * of its own (a simple registry publishes no percentile histogram buckets). Call before any meter
   * is registered.
   */
  static void cumulativeHistograms(MeterRegistry registry) {
    registry
        .config()
        .meterFilter(
            new MeterFilter() {
              @Override
              public DistributionStatisticConfig configure(
                  Meter.Id id, DistributionStatisticConfig config) {
                DistributionStatisticConfig.Builder b =
                    DistributionStatisticConfig.builder()
                        .expiry(Duration.ofDays(3650))
                        .bufferLength(1);
                if (id.getName().equals("sluice.processing.latency")) {
                  b.serviceLevelObjectives(LATENCY_BUCKETS_NANOS);
                }
                return b.build().merge(config);
              }
            });
  }

  private static double[] geometric(double from, double to, double ratio) {
    int n = (int) Math.ceil(Math.log(to / from) / Math.log(ratio)) + 1;
    double[] bounds = new double[n];
    for (int i = 0; i < n; i++) {
      bounds[i] = Math.round(from * Math.pow(ratio, i));
    }
    return bounds;
  }

  /** Counts per millisecond up to a bound, the rest in one overflow bucket; thread-safe. */
  static final class MillisHistogram {
    private final long[] counts;

    MillisHistogram(int maxMillis) {
      counts = new long[maxMillis + 2];
    }

    synchronized void add(long millis) {
      counts[(int) Math.max(0, Math.min(counts.length - 1, millis))]++;
    }

    synchronized long count() {
      return Arrays.stream(counts).sum();
    }

    /** The {@code q} quantile in ms; NaN when empty; the bound + 1 when it lies beyond. */
    synchronized double quantile(double q) {
      long total = Arrays.stream(counts).sum();
      if (total == 0) {
        return Double.NaN;
      }
      long rank = (long) Math.ceil(q * total);
      long seen = 0;
      for (int i = 0; i < counts.length; i++) {
        seen += counts[i];
        if (seen >= Math.max(1, rank)) {
          return i;
        }
      }
      return counts.length - 1;
    }
  }

  /** The engine's meters at one moment: processing latency buckets and batch size totals. */
  record MeterSnapshot(TreeMap<Double, Double> latencyBuckets, double batches, double records) {

    /** Takes it from every {@code sluice.processing.latency} and {@code sluice.batch.size}. */
    static MeterSnapshot of(MeterRegistry registry) {
      TreeMap<Double, Double> buckets = new TreeMap<>();
      for (Timer t : registry.find("sluice.processing.latency").timers()) {
        for (CountAtBucket c : t.takeSnapshot().histogramCounts()) {
          buckets.merge(c.bucket(TimeUnit.MILLISECONDS), c.count(), Double::sum);
        }
      }
      double batches = 0;
      double records = 0;
      for (DistributionSummary s : registry.find("sluice.batch.size").summaries()) {
        batches += s.count();
        records += s.totalAmount();
      }
      return new MeterSnapshot(buckets, batches, records);
    }
  }

  /** What the engine's meters recorded between two snapshots. */
  record MeterWindow(MeterSnapshot from, MeterSnapshot to) {
    double meanBatchSize() {
      double batches = to.batches() - from.batches();
      return batches <= 0 ? Double.NaN : (to.records() - from.records()) / batches;
    }

    /**
     * The {@code q} quantile of processing latency in ms, interpolated linearly inside the bucket
     * it falls in (the buckets are 5% apart); NaN when nothing was recorded. The buckets' counts
     * are cumulative: each holds every value up to its bound.
     */
    double processingQuantile(double q) {
      double[] bounds = to.latencyBuckets().keySet().stream().mapToDouble(d -> d).toArray();
      double[] counts = new double[bounds.length];
      for (int i = 0; i < bounds.length; i++) {
        counts[i] =
            to.latencyBuckets().get(bounds[i]) - from.latencyBuckets().getOrDefault(bounds[i], 0.0);
      }
      if (bounds.length == 0 || counts[bounds.length - 1] <= 0) {
        return Double.NaN;
      }
      double rank = q * counts[bounds.length - 1];
      for (int i = 0; i < bounds.length; i++) {
        if (counts[i] >= rank) {
          double lowBound = i == 0 ? 0 : bounds[i - 1];
          double lowCount = i == 0 ? 0 : counts[i - 1];
          double inBucket = counts[i] - lowCount;
          double f = inBucket <= 0 ? 1 : (rank - lowCount) / inBucket;
          return lowBound + f * (bounds[i] - lowBound);
        }
      }
      return bounds[bounds.length - 1];
    }
  }
}
