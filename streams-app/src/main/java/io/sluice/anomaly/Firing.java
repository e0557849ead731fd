package io.sluice.anomaly;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A rule's decision to alert, with everything the alert has to say: which rule, how severe, what
 * was measured, the value compared and what it was compared with, why in words, and every number
 * the rule looked at. Immutable.
 *
 * @param kind the rule, e.g. {@link ThresholdRule#KIND}
 * @param severity INFO, WARNING or CRITICAL
 * @param metric what was measured: {@code score}, {@code rate}, a feature name, ...
 * @param value the value compared (a score, a z-score, a PSI, a rate)
 * @param threshold the value it was compared with
 * @param reason why, in words
 * @param compared every number the rule looked at, by name, in the order it lists them
 */
public record Firing(
    String kind,
    String severity,
    String metric,
    double value,
    double threshold,
    String reason,
    Map<String, Double> compared) {

  public Firing {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(severity, "severity");
    Objects.requireNonNull(reason, "reason");
    compared = Collections.unmodifiableMap(new LinkedHashMap<>(compared));
  }
}
