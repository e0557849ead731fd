package io.sluice.anomaly;

/**
 * The population stability index of observed bin counts against a reference distribution: {@code
 * sum_i (a_i - e_i) ln(a_i / e_i)} over the observed shares {@code a} and the reference shares
 * {@code e}, each floored at {@value #FLOOR} so that an empty bin counts as a large but finite
 * change.
 *
 * <p>Why PSI: it is the industry's usual measure of a score's drift, it needs only the binned
 * reference stored with the model, and it is the symmetric Kullback-Leibler divergence of the
 * binned distributions. The usual reading is below 0.1 stable, 0.1 to 0.25 a moderate shift, above
 * 0.25 a significant one. For {@code n} values drawn from the reference itself it is about {@code
 * chi2(bins - 1) / n}: 0.045 on average for 10 bins and 200 values, and above 0.25 with a
 * probability far below one in a million, which is why windows are judged only from a minimum
 * count.
 */
public final class Psi {

  /** Floor of a share, so that empty bins do not give an infinite index. */
  public static final double FLOOR = 1e-4;

  private Psi() {}

  /**
   * The index of {@code counts} (one per bin of {@code reference}) against {@code reference}.
   *
   * @throws IllegalArgumentException if there are no counts or not one per bin
   */
  public static double of(long[] counts, ReferenceDistribution reference) {
    if (counts.length != reference.bins()) {
      throw new IllegalArgumentException(
          "expected " + reference.bins() + " bin counts, found " + counts.length);
    }
    long total = 0;
    for (long c : counts) {
      total += c;
    }
    if (total == 0) {
      throw new IllegalArgumentException("no values to compare");
    }
    double psi = 0;
    for (int i = 0; i < counts.length; i++) {
      double actual = Math.max(FLOOR, (double) counts[i] / total);
      double expected = Math.max(FLOOR, reference.proportion(i));
      psi += (actual - expected) * Math.log(actual / expected);
    }
    return psi;
  }
}
