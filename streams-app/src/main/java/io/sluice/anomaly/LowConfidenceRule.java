package io.sluice.anomaly;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Fires when a classifier's top-1 probability is under a minimum: the model cannot place the input
 * in any class it knows, an out-of-distribution signal. Immutable and thread-safe.
 *
 * @param minConfidence alert when {@code top-1 probability < minConfidence}
 * @param severity severity of the alerts it raises (INFO, WARNING or CRITICAL)
 */
public record LowConfidenceRule(double minConfidence, String severity) {

  /** Kind of the alerts this rule raises. */
  public static final String KIND = "low-confidence";

  public LowConfidenceRule {
    if (!(minConfidence >= 0 && minConfidence <= 1)) {
      throw new IllegalArgumentException("minConfidence must be in [0, 1], was " + minConfidence);
    }
  }

  /** What the rule decided about one top-1 probability. */
  public Optional<Firing> evaluate(double top1, String label) {
    if (top1 >= minConfidence) {
      return Optional.empty();
    }
    Map<String, Double> compared = new LinkedHashMap<>();
    compared.put("top1", top1);
    compared.put("minConfidence", minConfidence);
    return Optional.of(
        new Firing(
            KIND,
            severity,
            "top1",
            top1,
            minConfidence,
            String.format(
                Locale.ROOT,
                "top-1 probability %.4f (class '%s') is under the minimum confidence %.4f",
                top1,
                label,
                minConfidence),
            compared));
  }
}
