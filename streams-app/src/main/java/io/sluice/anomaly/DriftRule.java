package io.sluice.anomaly;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Fires when a window's distribution of the model score, or of one model input feature, has moved
 * away from the distribution recorded at training time: the window's values are binned like the
 * reference and compared with it by the population stability index ({@link Psi}). A window is
 * judged only once it holds {@code minEvents} values, so that sampling noise alone cannot reach the
 * threshold. Immutable and thread-safe.
 */
public final class DriftRule {

  /** Kind of the alerts this rule raises. */
  public static final String KIND = "drift";

  /** Metric name of the model score. */
  public static final String SCORE = "score";

  /**
   * @param metric {@link #SCORE} or a model input feature
   * @param column the feature's column in the model's input row; -1 for the score
   * @param reference the training-time distribution
   * @param threshold fire when the PSI is above this
   * @param minEvents values a window must hold to be judged
   */
  public record Settings(
      String metric,
      int column,
      ReferenceDistribution reference,
      double threshold,
      long minEvents,
      String severity) {
    public Settings {
      Objects.requireNonNull(metric, "metric");
      Objects.requireNonNull(reference, "reference");
      Objects.requireNonNull(severity, "severity");
      if (!(threshold > 0)) {
        throw new IllegalArgumentException("PSI threshold must be positive, was " + threshold);
      }
      if (minEvents < 1) {
        throw new IllegalArgumentException("min events must be >= 1, was " + minEvents);
      }
    }
  }

  /** The outcome of judging one window: its PSI and the firing, if the PSI is too high. */
  public record Judgement(double psi, long events, Optional<Firing> firing) {}

  private final Settings settings;

  public DriftRule(Settings settings) {
    this.settings = settings;
  }

  public Settings settings() {
    return settings;
  }

  /** The reference bin of this event's value. */
  public int bin(Observation o) {
    double x = settings.column() < 0 ? o.score() : o.features()[settings.column()];
    return settings.reference().bin(x);
  }

  /** A new, empty window starting at {@code start}. */
  public WindowState window(long start) {
    return new WindowState(start, settings.reference().bins());
  }

  /**
   * Judges a finished window {@code [w.start(), end)}; empty if it holds fewer than {@code
   * minEvents} values.
   */
  public Optional<Judgement> judge(WindowState w, long end) {
    long events = w.total();
    if (events < settings.minEvents()) {
      return Optional.empty();
    }
    ReferenceDistribution ref = settings.reference();
    double psi = Psi.of(w.counts(), ref);
    if (!(psi > settings.threshold())) {
      return Optional.of(new Judgement(psi, events, Optional.empty()));
    }
    Map<String, Double> compared = new LinkedHashMap<>();
    compared.put("psi", psi);
    compared.put("threshold", settings.threshold());
    compared.put("events", (double) events);
    int moved = 0;
    double largest = -1;
    for (int i = 0; i < ref.bins(); i++) {
      double observed = (double) w.count(i) / events;
      compared.put("observed." + i, observed);
      compared.put("expected." + i, ref.proportion(i));
      double a = Math.max(Psi.FLOOR, observed);
      double e = Math.max(Psi.FLOOR, ref.proportion(i));
      double term = (a - e) * Math.log(a / e);
      if (term > largest) {
        largest = term;
        moved = i;
      }
    }
    String reason =
        String.format(
            Locale.ROOT,
            "PSI of %s over %d events in [%s, %s) is %.3f, above %.3f: its distribution has moved"
                + " from the training reference; largest change in bin %s: %.1f%% of events vs"
                + " %.1f%% in training",
            settings.metric(),
            events,
            Instant.ofEpochMilli(w.start()),
            Instant.ofEpochMilli(end),
            psi,
            settings.threshold(),
            ref.describe(moved),
            100.0 * w.count(moved) / events,
            100 * ref.proportion(moved));
    Firing firing =
        new Firing(
            KIND,
            settings.severity(),
            settings.metric(),
            psi,
            settings.threshold(),
            reason,
            compared);
    return Optional.of(new Judgement(psi, events, Optional.of(firing)));
  }
}
