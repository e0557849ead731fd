package io.sluice.anomaly;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Fires when an event is far outside its own key's history: for each tracked metric the key keeps
 * an exponentially weighted mean and variance ({@link EwmStats}), and an event whose value lies at
 * least {@code zThreshold} standard deviations out fires, once the key has seen {@code
 * warmupEvents} values of that metric.
 *
 * <p>Metrics are judged on a scale where their spread is roughly even: the model score as its
 * log-odds, judged only upwards (riskier than usual); the event rate as the logarithm of the time
 * since the key's previous event, judged only downwards (faster than usual); a model input feature
 * as {@code sign(x) ln(1 + |x|)}, judged both ways (amounts far above or far below the usual). The
 * standard deviation is taken as at least {@value #MIN_STDDEV} on that scale. One event gives at
 * most one firing, about the metric furthest out; every judged z-score is in its compared values.
 * Every event, firing or not, then updates the key's statistics, so a lasting change becomes the
 * key's new normal within a few half-lives.
 *
 * <p>Immutable and thread-safe; the state it works on is kept by the caller.
 */
public final class KeyBehaviourRule {

  /** Kind of the alerts this rule raises. */
  public static final String KIND = "key-behaviour";

  /** Metric name of the model score. */
  public static final String SCORE = "score";

  /** Metric name of the event rate (judged on the time between a key's events). */
  public static final String RATE = "rate";

  /** Smallest standard deviation on the judging scale. */
  public static final double MIN_STDDEV = 0.1;

  private static final double SCORE_CLAMP = 1e-6;

  /**
   * A tracked metric: the score, the rate, or a model input feature.
   *
   * @param name {@link #SCORE}, {@link #RATE} or the feature's name
   * @param column the feature's column in the model's input row; -1 for score and rate
   */
  public record Metric(String name, int column) {
    public static Metric score() {
      return new Metric(SCORE, -1);
    }

    public static Metric rate() {
      return new Metric(RATE, -1);
    }

    public static Metric feature(String name, int column) {
      if (column < 0) {
        throw new IllegalArgumentException("feature " + name + " needs a column, was " + column);
      }
      return new Metric(name, column);
    }

    boolean isScore() {
      return column < 0 && name.equals(SCORE);
    }

    boolean isRate() {
      return column < 0 && name.equals(RATE);
    }
  }

  /**
   * @param metrics what to track per key
   * @param zThreshold fire at {@code |z| >= zThreshold} (in the metric's direction)
   * @param warmupEvents values of a metric a key must have before it is judged on it
   * @param halfLifeEvents after how many later events a value's weight halves
   */
  public record Settings(
      List<Metric> metrics,
      double zThreshold,
      int warmupEvents,
      double halfLifeEvents,
      String severity) {
    public Settings {
      metrics = List.copyOf(metrics);
      if (!(zThreshold > 0)) {
        throw new IllegalArgumentException("z threshold must be positive, was " + zThreshold);
      }
      if (warmupEvents < 1) {
        throw new IllegalArgumentException("warm-up must be >= 1 event, was " + warmupEvents);
      }
      Objects.requireNonNull(severity, "severity");
    }
  }

  /** The key's state after the event, and the firing it caused, if any. */
  public record Outcome(KeyState state, Optional<Firing> firing) {}

  private final Settings settings;
  private final double alpha;

  public KeyBehaviourRule(Settings settings) {
    this.settings = settings;
    this.alpha = EwmStats.alpha(settings.halfLifeEvents());
  }

  public Settings settings() {
    return settings;
  }

  /**
   * Judges one event against its key's history, then adds it to that history.
   *
   * @param state the key's state before the event ({@link KeyState#EMPTY} for a new key)
   */
  public Outcome observe(KeyState state, Observation o) {
    Map<String, EwmStats> stats = new LinkedHashMap<>(state.stats());
    Map<String, Double> compared = new LinkedHashMap<>();
    Judged worst = null;
    for (Metric metric : settings.metrics()) {
      OptionalValue x = scaled(metric, state, o);
      if (!x.present()) {
        continue;
      }
      EwmStats history = stats.getOrDefault(metric.name(), EwmStats.EMPTY);
      if (history.count() >= settings.warmupEvents()) {
        double z = history.zScore(x.value(), MIN_STDDEV);
        double outward = metric.isScore() ? z : metric.isRate() ? -z : Math.abs(z);
        compared.put("z." + metric.name(), z);
        if (outward >= settings.zThreshold() && (worst == null || outward > worst.outward())) {
          worst = new Judged(metric, x, history, z, outward);
        }
      }
      stats.put(metric.name(), history.update(x.value(), alpha));
    }
    KeyState next =
        new KeyState(
            state.events() + 1,
            Math.max(state.lastEventTime(), o.eventTime()),
            stats,
            state.cooldowns());
    if (worst == null) {
      return new Outcome(next, Optional.empty());
    }
    return new Outcome(next, Optional.of(firing(worst, compared, o, state.events())));
  }

  private record OptionalValue(boolean present, double raw, double value) {
    static final OptionalValue NONE = new OptionalValue(false, 0, 0);
  }

  private record Judged(
      Metric metric, OptionalValue x, EwmStats history, double z, double outward) {}

  /** The metric's raw value for this event and its value on the judging scale, if it has one. */
  private static OptionalValue scaled(Metric metric, KeyState state, Observation o) {
    if (metric.isScore()) {
      double p = Math.min(1 - SCORE_CLAMP, Math.max(SCORE_CLAMP, o.score()));
      return new OptionalValue(true, o.score(), Math.log(p / (1 - p)));
    }
    if (metric.isRate()) {
      if (state.events() == 0 || o.eventTime() < state.lastEventTime()) {
        return OptionalValue.NONE;
      }
      long gap = o.eventTime() - state.lastEventTime();
      return new OptionalValue(true, gap, Math.log(Math.max(gap, 1)));
    }
    double x = o.features()[metric.column()];
    return new OptionalValue(true, x, Math.signum(x) * Math.log1p(Math.abs(x)));
  }

  /** The metric's usual value: its mean taken back from the judging scale. */
  private static double typical(Metric metric, double mean) {
    if (metric.isScore()) {
      return 1 / (1 + Math.exp(-mean));
    }
    if (metric.isRate()) {
      return Math.exp(mean);
    }
    return Math.signum(mean) * Math.expm1(Math.abs(mean));
  }

  private Firing firing(Judged j, Map<String, Double> zScores, Observation o, long eventsBefore) {
    Metric metric = j.metric();
    double typical = typical(metric, j.history().mean());
    Map<String, Double> compared = new LinkedHashMap<>();
    compared.put("value", j.x().raw());
    compared.put("typical", typical);
    compared.put("z", j.z());
    compared.put("zThreshold", settings.zThreshold());
    compared.put("mean", j.history().mean());
    compared.put("stddev", j.history().stddev());
    compared.put("history", (double) j.history().count());
    compared.put("events", (double) eventsBefore);
    zScores.forEach(compared::putIfAbsent);
    String direction = j.z() >= 0 ? "above" : "below";
    String what;
    if (metric.isRate()) {
      what =
          String.format(
              Locale.ROOT,
              "time since the key's previous event %.3f s is %.2f standard deviations %s its"
                  + " usual (typical %.3f s",
              j.x().raw() / 1000,
              Math.abs(j.z()),
              direction,
              typical / 1000);
    } else {
      what =
          String.format(
              Locale.ROOT,
              "%s %.4f is %.2f standard deviations %s its usual (typical %.4f",
              metric.name(),
              j.x().raw(),
              Math.abs(j.z()),
              direction,
              typical);
    }
    String reason =
        String.format(
            Locale.ROOT,
            "%s over %d values for key %s; alert at %.2f)",
            what,
            j.history().count(),
            o.key(),
            settings.zThreshold());
    return new Firing(
        KIND,
        settings.severity(),
        metric.name(),
        j.outward(),
        settings.zThreshold(),
        reason,
        compared);
  }
}
