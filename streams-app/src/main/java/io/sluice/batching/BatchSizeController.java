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
 * <p>A pure object fed with observations (records taken, batches scored with their size and service
 * time, each record's processing latency) and read for its decisions; time comes from an injected
 * nanosecond clock, so a test drives it with a simulated one. Not thread-safe: one per task, used
 * by its stream thread.
 *
 * <p>How it decides, every {@link #DECIDE_INTERVAL_NANOS} of clock time:
 *
 * <ul>
 *   <li><b>Service time model.</b> {@code s(b) = a + c*b}, fitted by least squares over the recent
 *       batches, each weighted by {@code exp(-age / }{@link #MEMORY_NANOS}{@code )}, so that a
 *       change of the model's cost (a costlier version, a busy CPU) replaces the old fit within
 *       seconds. While the recent sizes are all alike the slope cannot be seen: the last fit that
 *       could see it is scaled to the recent mean; before any, cost proportional to size (the worst
 *       case for larger batches).
 *   <li><b>Arrival rate</b> {@code λ}: records taken per second, smoothed.
 *   <li><b>Backlog</b>: when even the freshest record taken in an interval had waited upstream
 *       (since its timestamp) longer than the target, and longer than in the interval before, the
 *       stream thread is not keeping up, whatever the model's service time says (its own work,
 *       forwarding and sending the outputs, is not in it). Then the size grows by half per
 *       decision, up to the largest size whose filling and scoring fit the target, until the
 *       backlog stops growing; that size becomes a floor that decays slowly ({@link
 *       #FLOOR_MEMORY_NANOS}), so that the next decisions do not shrink back into the backlog.
 *   <li><b>Predicted latency</b> of size {@code b}: the first record of a batch waits {@code
 *       (b-1)/λ} for the batch to fill, then queues behind earlier batches and is scored: {@code
 *       s(b)/(1-ρ)} with the utilisation {@code ρ = λ·s(b)/b}. The chosen size is the one with the
 *       lowest predicted latency among those that keep up ({@code ρ} at most {@link #RHO_MAX}) and
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
 * record alone takes longer than the target to score (predicted, or measured at size 1) for {@link
 * #UNREACHABLE_WINDOWS} latency windows in a row, the target is unreachable: it reports that once
 * through {@code warn} with the numbers, {@link #unreachable()} says so, and it keeps batching as
 * above.
 */
public final class BatchSizeController {
  /** How often the size and linger are decided anew. */
  static final long DECIDE_INTERVAL_NANOS = 100_000_000L;

  /** Time constant of the service time fit: a batch's weight is exp(-age / this). */
  static final long MEMORY_NANOS = 2_000_000_000L;

  /** Time constant of the decay of the floor a backlog left. */
  static final long FLOOR_MEMORY_NANOS = 120_000_000_000L;

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

  /** Service time of a batch against its size: s(b) = a + c*b. */
  private final DecayingLine service = new DecayingLine();

  private long minWait = Long.MAX_VALUE;
  private long lastMinWait;
  private boolean backlog;

  /** The size a backlog needed, decaying: no size below it is chosen. */
  private double floor = 1;

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
    this.rateTime = now;
    this.windowStart = now;
    this.nextDecision = now + DECIDE_INTERVAL_NANOS;
    this.lingerNanos = Math.min(maxLingerNanos, targetNanos / 4);
  }

  /**
   * The stream thread took a record that had waited {@code waitedNanos} upstream (since its
   * timestamp, for records stamped when produced: its time in Kafka).
   */
  public void taken(long waitedNanos) {
    arrivals++;
    minWait = Math.min(minWait, waitedNanos);
    maybeDecide();
  }

  /** A batch of {@code size} records took {@code serviceNanos} to score. */
  public void served(int size, long serviceNanos) {
    long now = clock.getAsLong();
    service.add(size, serviceNanos, now);
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
    if (service.empty()) {
      return 0;
    }
    double[] ac = service.fit(clock.getAsLong());
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
    decide(now);
    closeWindow(now);
  }

  /** The arrival rate, and whether records wait upstream. */
  private void updateRate(long now) {
    long elapsed = now - rateTime;
    if (elapsed <= 0) {
      return;
    }
    // Even the freshest record taken had waited upstream longer than the target, and longer than
    // in the last interval: the stream thread does not keep up. (While a backlog shrinks, the size
    // that shrinks it stays.)
    backlog = arrivals > 0 && minWait > targetNanos && minWait >= lastMinWait;
    lastMinWait = arrivals > 0 ? minWait : 0;
    if (!backlog) {
      floor = 1 + (floor - 1) * Math.exp(-(double) elapsed / FLOOR_MEMORY_NANOS);
    }
    minWait = Long.MAX_VALUE;
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
    } else {
      headroom = Math.min(HEADROOM_MAX, headroom + INCREASE);
    }
    checkReachable(now);
  }

  private void decide(long now) {
    if (service.empty()) {
      return;
    }
    double[] ac = service.fit(now);
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
    if (backlog) {
      // Drain: grow by half, up to the largest size whose filling and scoring alone fit.
      int largest = 1;
      for (int b = limit; b > 1; b--) {
        if ((b - 1) * 1e9 / Math.max(rate, 1) + a + c * b <= budget) {
          largest = b;
          break;
        }
      }
      chosen = Math.max(chosen, Math.min(largest, (int) Math.ceil(batchSize * 1.5)));
      floor = Math.max(floor, chosen);
    }
    chosen = Math.max(chosen, Math.min(limit, (int) floor));
    // The current size must go when it clearly falls behind or clearly misses: not on noise.
    double currentLatency = predictedLatency(batchSize, a, c, rate * 0.95);
    boolean currentMisses =
        Double.isNaN(currentLatency) || (best > 0 && currentLatency > budget * 1.1);
    if (backlog
        || currentMisses
        || chosen < floor
        || Math.abs(chosen - batchSize) > Math.max(1, HYSTERESIS * batchSize)
        || chosen > limit) {
      batchSize = chosen;
    }
    lingerNanos = linger(a + c * batchSize);
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
   * Predicted p99-ish latency of size {@code b}: wait to fill, queueing and service; NaN when that
   * size cannot keep up with the arrival rate (the model busy more than {@link #RHO_MAX} of the
   * time).
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

  /**
   * After each latency window: the target is unreachable once {@link #UNREACHABLE_WINDOWS} windows
   * in a row found one record alone predicted to take longer than the target, or measured a p99
   * over it at size 1 (not at once: the first batches of a task are slow while the JVM warms up).
   */
  private void checkReachable(long now) {
    double serviceAtOne = predictedServiceNanos(1);
    boolean miss = serviceAtOne > targetNanos || (batchSize == 1 && lastP99 > targetNanos);
    windowsMissedAtOne = miss ? windowsMissedAtOne + 1 : 0;
    unreachable = windowsMissedAtOne >= UNREACHABLE_WINDOWS;
    if (unreachable && !warned) {
      double[] ac = service.fit(now);
      warned = true;
      warn.accept(
          String.format(
              Locale.ROOT,
              "latency target %.1f ms cannot be met even at batch size 1: a batch of 1 takes"
                  + " %.2f ms to score (fit: %.3f ms + %.4f ms per record), measured p99 %s,"
                  + " %.0f records/s arriving; batching goes on at size %d",
              targetNanos / 1e6,
              serviceAtOne / 1e6,
              ac[0] / 1e6,
              ac[1] / 1e6,
              lastP99 < 0 ? "none yet" : String.format(Locale.ROOT, "%.2f ms", lastP99 / 1e6),
              rate,
              batchSize));
    }
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

  /**
   * A straight line y = a + c*x fitted by least squares to observations weighted by exp(-age /
   * {@link #MEMORY_NANOS}). While the recent x hardly vary (a steady size teaches nothing about the
   * slope), or the fit has a negative a or c (a change of cost that came with a change of size
   * confounds the two), the last good fit, scaled to the recent mean of y, so that a change of cost
   * still shows at once; before any good fit, the worst case for growing the batch: y proportional
   * to x.
   */
  private static final class DecayingLine {
    private double w;
    private double wx;
    private double wxx;
    private double wy;
    private double wxy;
    private long time;
    private boolean timed;
    private double[] lastShape;

    boolean empty() {
      return w <= 0;
    }

    void add(double x, double y, long now) {
      decay(now);
      w += 1;
      wx += x;
      wxx += x * x;
      wy += y;
      wxy += x * y;
    }

    /** {a, c}; only when not {@link #empty}. */
    double[] fit(long now) {
      decay(now);
      double meanX = wx / w;
      double meanY = wy / w;
      double varX = wxx / w - meanX * meanX;
      if (varX > 0.01 * meanX * meanX + 1e-12) {
        double c = (wxy / w - meanX * meanY) / varX;
        double a = meanY - c * meanX;
        if (c >= 0 && a >= 0) {
          lastShape = new double[] {a, c};
          return lastShape;
        }
      }
      double shapeAtMean = lastShape == null ? 0 : lastShape[0] + lastShape[1] * meanX;
      if (shapeAtMean > 0) {
        double scale = meanY / shapeAtMean;
        return new double[] {lastShape[0] * scale, lastShape[1] * scale};
      }
      return new double[] {0, meanY / meanX};
    }

    private void decay(long now) {
      if (!timed) {
        time = now;
        timed = true;
      }
      long elapsed = now - time;
      if (elapsed > 0) {
        double f = Math.exp(-(double) elapsed / MEMORY_NANOS);
        w *= f;
        wx *= f;
        wxx *= f;
        wy *= f;
        wxy *= f;
        time = now;
      }
    }
  }
}
