package io.sluice.anomaly;

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
 */
public record ThresholdRule(double threshold, String severity) {

  /** Kind of the alerts this rule raises. */
  public static final String KIND = "score-threshold";

  public ThresholdRule {
    if (!(threshold >= 0 && threshold <= 1)) {
      throw new IllegalArgumentException("threshold must be in [0, 1], was " + threshold);
    }
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
            String.format(
                Locale.ROOT,
                "probability of '%s' %.4f is at or above the alert threshold %.4f",
                label,
                score,
                threshold),
            compared));
  }
}
