package io.sluice.anomaly;

/**
 * Exponentially weighted mean and variance of a stream of values, updated one value at a time.
 *
 * <p>Each update uses the weight {@code max(alpha, 1 / n)} for the n-th value, so the first values
 * give the plain mean and population variance, and later ones an exponentially weighted moving
 * estimate that forgets with the half-life behind {@code alpha}. (Finch, "Incremental calculation
 * of weighted mean and variance", 2009.) Immutable.
 *
 * @param count values seen
 */
public record EwmStats(long count, double mean, double variance) {

  /** No values yet. */
  public static final EwmStats EMPTY = new EwmStats(0, 0, 0);

  /** The weight that halves a value's influence every {@code halfLife} later values. */
  public static double alpha(double halfLife) {
    if (!(halfLife > 0)) {
      throw new IllegalArgumentException("half-life must be positive, was " + halfLife);
    }
    return 1 - Math.pow(0.5, 1 / halfLife);
  }

  /** These statistics with {@code x} added. */
  public EwmStats update(double x, double alpha) {
    long n = count + 1;
    double weight = Math.max(alpha, 1.0 / n);
    double diff = x - mean;
    double increment = weight * diff;
    return new EwmStats(n, mean + increment, (1 - weight) * (variance + diff * increment));
  }

  public double stddev() {
    return Math.sqrt(variance);
  }

  /**
   * How many standard deviations {@code x} lies from the mean, with the standard deviation taken as
   * at least {@code minStddev} (added in quadrature) so that a perfectly regular history does not
   * make every small change infinitely surprising.
   */
  public double zScore(double x, double minStddev) {
    return (x - mean) / Math.sqrt(variance + minStddev * minStddev);
  }
}
