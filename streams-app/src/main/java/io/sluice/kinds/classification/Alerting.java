package io.sluice.kinds.classification;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.config.AbstractConfig;

/**
 * Alert rules beyond the score threshold, and alert hygiene: the classification kind's anomaly
 * stage, from its keys ({@link ClassificationKeys}).
 *
 * @param cooldown per key and alert kind; zero: none
 * @param topFeatures contributing features each event alert names (linear models)
 */
public record Alerting(
    Duration cooldown, int topFeatures, KeyRules key, DriftRules drift, HealthRules health) {

  /** The per-key behaviour rule; no metrics: off. */
  public record KeyRules(
      List<String> metrics,
      double zThreshold,
      int warmupEvents,
      double halfLifeEvents,
      int maxKeys,
      Duration idle,
      String severity) {
    public KeyRules {
      metrics = List.copyOf(metrics);
    }
  }

  /** The drift rule; no metrics: off. */
  public record DriftRules(
      List<String> metrics, Duration window, int minEvents, double psiThreshold, String severity) {
    public DriftRules {
      metrics = List.copyOf(metrics);
    }
  }

  /** The model-health rule. */
  public record HealthRules(
      Duration window,
      int minEvents,
      double deadLetterRate,
      double modelErrorRate,
      String severity) {}

  /** The rules of the kind's parsed keys. */
  public static Alerting from(AbstractConfig v) {
    return new Alerting(
        Duration.ofMillis(v.getLong(ClassificationKeys.ALERT_COOLDOWN_MS)),
        v.getInt(ClassificationKeys.ALERT_TOP_FEATURES),
        new KeyRules(
            names(v.getString(ClassificationKeys.ALERT_KEY_METRICS)),
            v.getDouble(ClassificationKeys.ALERT_KEY_Z_THRESHOLD),
            v.getInt(ClassificationKeys.ALERT_KEY_WARMUP_EVENTS),
            v.getDouble(ClassificationKeys.ALERT_KEY_HALFLIFE_EVENTS),
            v.getInt(ClassificationKeys.ALERT_KEY_MAX_KEYS),
            Duration.ofMillis(v.getLong(ClassificationKeys.ALERT_KEY_IDLE_MS)),
            v.getString(ClassificationKeys.ALERT_KEY_SEVERITY).trim()),
        new DriftRules(
            names(v.getString(ClassificationKeys.ALERT_DRIFT_METRICS)),
            Duration.ofMillis(v.getLong(ClassificationKeys.ALERT_DRIFT_WINDOW_MS)),
            v.getInt(ClassificationKeys.ALERT_DRIFT_MIN_EVENTS),
            v.getDouble(ClassificationKeys.ALERT_DRIFT_PSI_THRESHOLD),
            v.getString(ClassificationKeys.ALERT_DRIFT_SEVERITY).trim()),
        new HealthRules(
            Duration.ofMillis(v.getLong(ClassificationKeys.ALERT_HEALTH_WINDOW_MS)),
            v.getInt(ClassificationKeys.ALERT_HEALTH_MIN_EVENTS),
            v.getDouble(ClassificationKeys.ALERT_HEALTH_DEAD_LETTER_RATE),
            v.getDouble(ClassificationKeys.ALERT_HEALTH_MODEL_ERROR_RATE),
            v.getString(ClassificationKeys.ALERT_HEALTH_SEVERITY).trim()));
  }

  /** A comma-separated list of names, blanks dropped. */
  private static List<String> names(String text) {
    List<String> out = new ArrayList<>();
    for (String part : text.split(",")) {
      if (!part.isBlank()) {
        out.add(part.trim());
      }
    }
    return out;
  }
}
