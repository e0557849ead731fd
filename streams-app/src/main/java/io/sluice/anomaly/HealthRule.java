package io.sluice.anomaly;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Fires when, over a window, too many records were dead-lettered or too many model calls failed:
 * the dead-letter rate is dead letters (any stage) over all records, the model error rate is
 * records the model failed on over records that reached the model. A window is judged only once it
 * holds {@code minEvents} records. Immutable and thread-safe.
 */
public final class HealthRule {

  /** Kind of the alerts this rule raises. */
  public static final String KIND = "model-health";

  public static final String DEAD_LETTER_RATE = "dead-letter-rate";
  public static final String MODEL_ERROR_RATE = "model-error-rate";

  /** Window slot of records scored. */
  public static final int SCORED = 0;

  /** Window slot of records dead-lettered before the model (decode, featurize, ...). */
  public static final int REJECTED = 1;

  /** Window slot of records dead-lettered because the model failed on them. */
  public static final int MODEL_FAILED = 2;

  /** Slots of a health window. */
  public static final int SLOTS = 3;

  /**
   * @param minEvents records a window must hold to be judged
   * @param deadLetterRate fire when the dead-letter rate is above this (1 never fires)
   * @param modelErrorRate fire when the model error rate is above this (1 never fires)
   */
  public record Settings(
      long minEvents, double deadLetterRate, double modelErrorRate, String severity) {
    public Settings {
      Objects.requireNonNull(severity, "severity");
      if (minEvents < 1) {
        throw new IllegalArgumentException("min events must be >= 1, was " + minEvents);
      }
    }
  }

  private final Settings settings;

  public HealthRule(Settings settings) {
    this.settings = settings;
  }

  public Settings settings() {
    return settings;
  }

  /** Judges a finished window {@code [w.start(), end)}. */
  public List<Firing> judge(WindowState w, long end) {
    long scored = w.count(SCORED);
    long rejected = w.count(REJECTED);
    long failed = w.count(MODEL_FAILED);
    long all = scored + rejected + failed;
    List<Firing> firings = new ArrayList<>(2);
    if (all < settings.minEvents()) {
      return firings;
    }
    Map<String, Double> compared = new LinkedHashMap<>();
    compared.put("records", (double) all);
    compared.put("scored", (double) scored);
    compared.put("deadLetters", (double) (rejected + failed));
    compared.put("modelFailures", (double) failed);
    double deadLetterRate = (double) (rejected + failed) / all;
    if (deadLetterRate > settings.deadLetterRate()) {
      firings.add(
          firing(
              DEAD_LETTER_RATE,
              deadLetterRate,
              settings.deadLetterRate(),
              rejected + failed,
              all,
              "records were dead-lettered",
              w,
              end,
              compared));
    }
    long reachedModel = scored + failed;
    double modelErrorRate = reachedModel == 0 ? 0 : (double) failed / reachedModel;
    if (modelErrorRate > settings.modelErrorRate()) {
      firings.add(
          firing(
              MODEL_ERROR_RATE,
              modelErrorRate,
              settings.modelErrorRate(),
              failed,
              reachedModel,
              "records the model was called on failed",
              w,
              end,
              compared));
    }
    return firings;
  }

  private Firing firing(
      String metric,
      double rate,
      double level,
      long count,
      long of,
      String what,
      WindowState w,
      long end,
      Map<String, Double> counts) {
    Map<String, Double> compared = new LinkedHashMap<>();
    compared.put("rate", rate);
    compared.put("threshold", level);
    compared.putAll(counts);
    String reason =
        String.format(
            Locale.ROOT,
            "%d of %d %s in [%s, %s): %s %.4f is above %.4f",
            count,
            of,
            what,
            Instant.ofEpochMilli(w.start()),
            Instant.ofEpochMilli(end),
            metric,
            rate,
            level);
    return new Firing(KIND, settings.severity(), metric, rate, level, reason, compared);
  }
}
