package io.sluice.anomaly;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Fires when a model score is at or above a threshold: the simplest alert rule, and the one the
 * fraud pipeline starts from. Immutable and thread-safe.
 *
 * @param threshold alert when {@code score >= threshold}
 * @param severity severity of the alerts it raises (INFO, WARNING or CRITICAL)
 * @param fromDescriptor whether the threshold is the model descriptor's (not set in the
 *     configuration): then a version with a threshold of its own in its descriptor (a canary, a
 *     champion deployed since start) is judged by that one ({@link #forVersion})
 */
public record ThresholdRule(double threshold, String severity, boolean fromDescriptor) {

  /** Kind of the alerts this rule raises. */
  public static final String KIND = "score-threshold";

  public ThresholdRule {
    if (!(threshold >= 0 && threshold <= 1)) {
      throw new IllegalArgumentException("threshold must be in [0, 1], was " + threshold);
    }
  }

  /** A rule set in the configuration: every model version is judged by it. */
  public ThresholdRule(double threshold, String severity) {
    this(threshold, severity, false);
  }

  /**
   * The rule that judges the scores of a version whose descriptor's threshold is {@code
   * versionThreshold} (NaN: none): its own when this rule is the descriptor's, otherwise this one.
   */
  public ThresholdRule forVersion(double versionThreshold) {
    if (!fromDescriptor
        || Double.isNaN(versionThreshold)
        || Double.compare(versionThreshold, threshold) == 0) {
      return this;
    }
    return new ThresholdRule(versionThreshold, severity, true);
  }

  public Optional<Firing> evaluate(double score, String label) {
    if (score < threshold) {
      return Optional.empty();
    }
    Map<String, Double> compared = new LinkedHashMap<>();
    compared.put("score", score);
    compared.put("threshold", threshold);
    return Optional.of(
        new Firing(
            KIND,
            severity,
            "score",
            score,
            threshold,
            "probability of '"
                + label
                + "' "
                + fourDecimals(score)
                + " is at or above the alert threshold "
                + fourDecimals(threshold),
            compared));
  }

  /**
   * What {@code String.format(Locale.ROOT, "%.4f", value)} writes (the shortest decimal that
   * identifies the double, rounded half up to four places), without the format string's parsing:
   * this runs once per alert.
   */
  static String fourDecimals(double value) {
    if (!Double.isFinite(value)) {
      return String.format(Locale.ROOT, "%.4f", value);
    }
    String text =
        new BigDecimal(Double.toString(value)).setScale(4, RoundingMode.HALF_UP).toPlainString();
    // Formatter keeps the sign of a negative value that rounds to zero ("-0.0000").
    return value < 0 || (value == 0 && 1 / value < 0) ? ensureMinus(text) : text;
  }

  private static String ensureMinus(String text) {
    return text.startsWith("-") ? text : "-" + text;
  }
}
