package io.sluice.batching;

import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Chooses the batch size and linger of one task so that the p99 of its processing latency (the
 * stream thread taking a record to its output being forwarded) stays under a target, with the
 * smallest latency the arrival rate allows and the largest throughput the target allows.
 *
 * <p>A pure object fed with observations (records taken, batches scored with their size and
 * service time, each record's processing latency) and read for its decisions; time comes from an
 * injected nanosecond clock, so a test drives it with a simulated one. Not thread-safe: one per
 * task, used by its stream thread.
 *
 * <p>How it decides, every {@link #DECIDE_INTERVAL_NANOS} of clock time:
 *
 * <ul>
 *   <li><b>Service time model.</b> {@code s(b) = a + c*b}, fitted by least squares over the recent
 *       batches, each weighted by {@code exp(-age / }{@link #MEMORY_NANOS}{@code )}, so that a
 *       change of the model's cost (a costlier version, a busy CPU) replaces the old fit within
 *       seconds. While the recent sizes are all alike the slope is unknown and the model assumes
 *       the worst for larger batches: cost proportional to size.
 *   <li><b>Arrival rate</b> {@code λ}: records taken per second, smoothed.
 *   <li><b>Predicted latency</b> of size {@code b}: the first record of a batch waits {@code
 *       (b-1)/λ} for the batch to fill, then queues behind earlier batches and is scored: {@code
 *       s(b)/(1-ρ)} with the utilisation {@code ρ = λ·s(b)/b}. The chosen size is the one with
 *       the lowest predicted latency among those that keep up ({@code ρ <= }{@link #RHO_MAX}) and
 *       fit under {@code headroom * target}: small batches while the load is light, larger ones
 *       (cheaper per record) as it grows. Sizes are searched up to twice the largest size recently
 *       seen (a trust region: the fit is not extrapolated further), so the size grows by at most
 *       doubling per decision.
 *   <li><b>Feedback</b> (Clipper's AIMD, on the headroom): when the measured p99 of a window of
 *       latencies exceeds the target, the headroom shrinks by {@link #DECREASE}; while it is met it
 *       grows back by {@link #INCREASE} up to {@link #HEADROOM_MAX}. So a model that predicts too
 *       low is corrected by measurement.
 *   <li><b>No oscillation</b>: a new size replaces the current one only when it differs by more
 *       than {@link #HYSTERESIS}, or when the current one is predicted to miss the target.
 * </ul>
 *
 * <p>When no size fits (the load is beyond what the target allows), it takes the size with the
 * lowest predicted latency that keeps up, or the largest it may try when none does. When even one
 * record alone takes longer than the target to score (predicted, or measured at size 1), the target
 * is unreachable: it reports that once through {@code warn} with the numbers, {@link
 * #unreachable()} says so, and it keeps batching as above.
 */
public final class BatchSizeController {
  /** How often the size and linger are decided anew. */
  static final long DECIDE_INTERVAL_NANOS = 100_000_000L;

  /** Time constant of the service time fit: a batch's weight is exp(-age / this). */
  static final long MEMORY_NANOS = 2_000_000_000L;

  /** Time constant of the arrival rate's smoothing. */
  static final long RATE_MEMORY_NANOS = 500_000_000L;

  /** Highest utilisation a chosen size may predict: beyond it queues grow. */
  static final double RHO_MAX = 0.85;

  static final double HEADROOM_MAX = 0.8;
  static final double HEADROOM_MIN = 0.1;
  static final double DECREASE = 0.7;
  static final double INCREASE = 0.05;

  /** Relative change of the chosen size below which the current size stays. */
  static final double HYSTERESIS = 0.15;

  /** A latency window closes after this much time with enough samples ... */
  static final long WINDOW_NANOS = 1_000_000_000L;

  static final int WINDOW_MIN_SAMPLES = 100;

  /** ... or after this much time with any. */
  static final long WINDOW_MAX_NANOS = 5_000_000_000L;

  /** Consecutive windows over the target at size 1 that make the target unreachable. */
  static final int UNREACHABLE_WINDOWS = 3;

  private static final int RING = 4096;
  private static final int SIZES_SEEN = 64;

  private final long targetNanos;
  private final int maxBatchSize;
  private final long maxLingerNanos;
  private final LongSupplier clock;
  private final Consumer<String> warn;

  // Exponentially weighted sums of the service time fit: weight, b, b², s, b·s.
  private double w;
  private double wb;
  private double wbb;
  private double ws;
  private double wbs;
  private long fitTime;
  private double[] lastShape;

  // Recent sizes scored, with when: the trust region.
  private final int[] sizes = new int[SIZES_SEEN];
  private final long[] sizeTimes = new long[SIZES_SEEN];
  private int sizesCount;

  private double rate;
  private boolean rateKnown;
  private long arrivals;
  private long rateTime;

  private final long[] latencies = new long[RING];
  private int latencyCount;
  private long windowStart;
  private long lastP99 = -1;
  private int windowsMissedAtOne;

  private double headroom = HEADROOM_MAX;
  private int batchSize = 1;
  private long lingerNanos;
  private long nextDecision;
  private boolean unreachable;
  private boolean warned;

  /**
   * @param target the p99 processing latency to stay under
   * @param maxBatchSize the largest batch size it may choose
   * @param maxLinger the longest linger it may choose
   * @param clock nanoseconds, monotonic ({@code System::nanoTime} in the engine)
   * @param warn where the one warning of an unreachable target goes
   */
  public BatchSizeController(
      Duration target,
      int maxBatchSize,
      Duration maxLinger,
      LongSupplier clock,
      Consumer<String> warn) {
    if (target.isNegative() || target.isZero()) {
      throw new IllegalArgumentException("target must be positive, was " + target);
    }
    if (maxBatchSize < 1) {
      throw new IllegalArgumentException("maxBatchSize must be >= 1, was " + maxBatchSize);
    }
    this.targetNanos = target.toNanos();
    this.maxBatchSize = maxBatchSize;
    this.maxLingerNanos = maxLinger.toNanos();
    this.clock = Objects.requireNonNull(clock, "clock");
    this.warn = Objects.requireNonNull(warn, "warn");
    long now = clock.getAsLong();
    this.fitTime = now;
    this.rateTime = now;
    this.windowStart = now;
    this.nextDecision = now + DECIDE_INTERVAL_NANOS;
    this.lingerNanos = Math.min(maxLingerNanos, targetNanos / 4);
  }

  /** {@code n} records were taken by the stream thread. */
  public void arrived(int n) {
    arrivals += n;
    maybeDecide();
  }

  /** A batch of {@code size} records took {@code serviceNanos} to score. */
  public void served(int size, long serviceNanos) {
    long now = clock.getAsLong();
    decayFit(now);
    w += 1;
    wb += size;
    wbb += (double) size * size;
    ws += serviceNanos;
    wbs += (double) size * serviceNanos;
    int slot = sizesCount++ % SIZES_SEEN;
    sizes[slot] = size;
    sizeTimes[slot] = now;
    maybeDecide();
  }

  /** A record's processing latency: from its being taken to its output being forwarded. */
  public void latency(long nanos) {
    latencies[latencyCount++ % RING] = nanos;
  }

  /** The batch size to cut batches at now. */
  public int batchSize() {
    return batchSize;
  }

  /** How long the oldest waiting record may wait before its batch is cut, now. */
  public long lingerNanos() {
    return lingerNanos;
  }

  /** The p99 of the last closed window of processing latencies; -1 before the first. */
  public long lastP99Nanos() {
    return lastP99;
  }

  /** Whether the last closed window's p99 was within the target (true before the first). */
  public boolean targetMet() {
    return lastP99 < 0 || lastP99 <= targetNanos;
  }

  /** Whether the target cannot be met even at batch size 1. */
  public boolean unreachable() {
    return unreachable;
  }

  /** Records per second taken, smoothed; 0 before it is known. */
  public double arrivalRate() {
    return rate;
  }

  /** The fitted service time of a batch of {@code size}; 0 before the first batch. */
  public double predictedServiceNanos(int size) {
    if (w <= 0) {
      return 0;
    }
    double[] ac = fit();
    return ac[0] + ac[1] * size;
  }

  /** The headroom the target is multiplied by (see the class comment). */
  double headroom() {
    return headroom;
  }

  private void maybeDecide() {
    long now = clock.getAsLong();
    if (now - nextDecision < 0) {
      return;
    }
    nextDecision = now + DECIDE_INTERVAL_NANOS;
    updateRate(now);
    closeWindow(now);
    decide(now);
  }

  private void updateRate(long now) {
    long elapsed = now - rateTime;
    if (elapsed <= 0) {
      return;
    }
    double instant = arrivals * 1e9 / elapsed;
    double alpha = 1 - Math.exp(-(double) elapsed / RATE_MEMORY_NANOS);
    rate = rateKnown ? rate + alpha * (instant - rate) : instant;
    rateKnown = true;
    arrivals = 0;
    rateTime = now;
  }

  /** Closes the latency window when it is due and applies the AIMD step on the headroom. */
  private void closeWindow(long now) {
    long age = now - windowStart;
    int n = Math.min(latencyCount, RING);
    boolean due = (age >= WINDOW_NANOS && n >= WINDOW_MIN_SAMPLES) || (age >= WINDOW_MAX_NANOS);
    if (!due) {
      return;
    }
    windowStart = now;
    if (n == 0) {
      return;
    }
    long[] sorted = Arrays.copyOf(latencies, n);
    Arrays.sort(sorted);
    lastP99 = sorted[Math.min(n - 1, (int) Math.ceil(0.99 * n) - 1)];
    latencyCount = 0;
    if (lastP99 > targetNanos) {
      headroom = Math.max(HEADROOM_MIN, headroom * DECREASE);
      windowsMissedAtOne = batchSize == 1 ? windowsMissedAtOne + 1 : 0;
    } else {
      headroom = Math.min(HEADROOM_MAX, headroom + INCREASE);
      windowsMissedAtOne = 0;
    }
  }

  private void decide(long now) {
    if (w <= 0) {
      return;
    }
    decayFit(now);
    double[] ac = fit();
    double a = ac[0];
    double c = ac[1];
    double budget = headroom * targetNanos;
    int limit = trustLimit(now);
    int best = -1;
    double bestLatency = Double.MAX_VALUE;
    int keepsUp = -1;
    double keepsUpLatency = Double.MAX_VALUE;
    for (int b = 1; b <= limit; b++) {
      double latency = predictedLatency(b, a, c, rate);
      if (Double.isNaN(latency)) {
        continue;
      }
      if (latency < keepsUpLatency) {
        keepsUp = b;
        keepsUpLatency = latency;
      }
      if (latency <= budget && latency < bestLatency) {
        best = b;
        bestLatency = latency;
      }
    }
    int chosen = best > 0 ? best : keepsUp > 0 ? keepsUp : limit;
    // The current size must go when it clearly falls behind or clearly misses: not on noise.
    double currentLatency = predictedLatency(batchSize, a, c, rate * 0.95);
    boolean currentMisses =
        Double.isNaN(currentLatency) || (best > 0 && currentLatency > budget * 1.1);
    if (currentMisses
        || Math.abs(chosen - batchSize) > Math.max(1, HYSTERESIS * batchSize)
        || chosen > limit) {
      batchSize = chosen;
    }
    lingerNanos = linger(a + c * batchSize);
    checkReachable(a + c);
  }

  /**
   * What is left of the target once the chosen batch is scored and queued, but never less than
   * twice the time it takes to fill: a shorter linger would cut batches smaller than chosen, which
   * cost more per record, which lengthens the queues, which shortens the linger.
   */
  private long linger(double service) {
    double perSecond = rate / 1e9;
    double rho = Math.min(RHO_MAX, perSecond * service / batchSize);
    double left = HEADROOM_MAX * targetNanos - service / (1 - rho);
    double fill = perSecond > 0 ? 2 * (batchSize - 1) / perSecond : 0;
    return (long) Math.min(maxLingerNanos, Math.max(Math.max(left, fill), 0));
  }

  /**
   * Predicted p99-ish latency of size {@code b}: wait to fill, queueing and service; NaN when
   * that size cannot keep up with the arrival rate.
   */
  private double predictedLatency(int b, double a, double c, double rate) {
    double service = a + c * b;
    double perSecond = rate / 1e9;
    double rho = perSecond * service / b;
    if (rho > RHO_MAX) {
      return Double.NaN;
    }
    double fill = b == 1 ? 0 : perSecond <= 0 ? Double.MAX_VALUE : (b - 1) / perSecond;
    return fill + service / (1 - rho);
  }

  private void checkReachable(double serviceAtOne) {
    boolean now = serviceAtOne > targetNanos || windowsMissedAtOne >= UNREACHABLE_WINDOWS;
    if (now && !warned) {
      warned = true;
      warn.accept(
          String.format(
              Locale.ROOT,
              "latency target %.1f ms cannot be met even at batch size 1: a batch of 1 takes"
                  + " %.2f ms to score (fit: %.3f ms + %.4f ms per record), measured p99 %s,"
                  + " %.0f records/s arriving; batching goes on at size %d",
              targetNanos / 1e6,
              serviceAtOne / 1e6,
              fit()[0] / 1e6,
              fit()[1] / 1e6,
              lastP99 < 0 ? "none yet" : String.format(Locale.ROOT, "%.2f ms", lastP99 / 1e6),
              rate,
              batchSize));
    }
    unreachable = now;
  }

  /** The largest size it may try: twice the largest size scored recently, within the limit. */
  private int trustLimit(long now) {
    int largest = 1;
    int n = Math.min(sizesCount, SIZES_SEEN);
    for (int i = 0; i < n; i++) {
      if (now - sizeTimes[i] <= 3 * MEMORY_NANOS) {
        largest = Math.max(largest, sizes[i]);
      }
    }
    return (int) Math.min(maxBatchSize, 2L * Math.max(largest, batchSize));
  }

  private void decayFit(long now) {
    long elapsed = now - fitTime;
    if (elapsed > 0) {
      double f = Math.exp(-(double) elapsed / MEMORY_NANOS);
      w *= f;
      wb *= f;
      wbb *= f;
      ws *= f;
      wbs *= f;
      fitTime = now;
    }
  }

  /**
   * {a, c} of s(b) = a + c*b. While the recent sizes hardly vary (a steady size teaches nothing
   * about the slope), the last fit that could see a slope, scaled to today's mean service time, so
   * a change of cost still shows at once; before any such fit, cost proportional to size (the worst
   * case for growing).
   */
  private double[] fit() {
    double meanB = wb / w;
    double meanS = ws / w;
    double varB = wbb / w - meanB * meanB;
    if (varB > 0.01 * meanB * meanB + 1e-9) {
      double c = (wbs / w - meanB * meanS) / varB;
      double a = meanS - c * meanB;
      if (c >= 0 && a >= 0) {
        lastShape = new double[] {a, c};
        return lastShape;
      }
      if (c >= 0) {
        // Through the origin: cost proportional to size, fitted.
        return new double[] {0, wbs / wbb};
      }
    }
    if (lastShape != null) {
      double scale = meanS / (lastShape[0] + lastShape[1] * meanB);
      return new double[] {lastShape[0] * scale, lastShape[1] * scale};
    }
    return new double[] {0, meanS / meanB};
  }
}
