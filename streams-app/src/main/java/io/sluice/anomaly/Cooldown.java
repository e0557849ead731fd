package io.sluice.anomaly;

import java.util.Optional;

/**
 * Alert hygiene: after an alert of one kind for one key, further firings of that kind for that key
 * are held back for a cooldown period and only counted, so that one burst gives one alert. When the
 * period is over, what was held back is reported once as a summary (the held-back count and the
 * period), and the next firing alerts again. Times are event times. Immutable; the state it decides
 * on is kept by the caller.
 *
 * @param periodMs how long after an alert further firings are held back; 0 holds back nothing
 */
public record Cooldown(long periodMs) {

  public Cooldown {
    if (periodMs < 0) {
      throw new IllegalArgumentException("cooldown must be >= 0 ms, was " + periodMs);
    }
  }

  /** Whether a cooldown is kept at all. */
  public boolean enabled() {
    return periodMs > 0;
  }

  /**
   * The cooldown of one key and kind: when its last alert went out and about which record, until
   * when firings are held back, and how many were.
   *
   * @param alertedAt event time of the alert that started the cooldown
   * @param until end of the cooldown, exclusive
   * @param suppressed firings held back since
   * @param lastSuppressedAt event time of the last one held back
   * @param alertId id of the alert that started the cooldown
   * @param eventId event of that alert
   */
  public record State(
      long alertedAt,
      long until,
      long suppressed,
      long lastSuppressedAt,
      String alertId,
      String eventId,
      String topic,
      int partition,
      long offset) {

    State suppress(long time) {
      return new State(
          alertedAt,
          until,
          suppressed + 1,
          Math.max(lastSuppressedAt, time),
          alertId,
          eventId,
          topic,
          partition,
          offset);
    }
  }

  /**
   * What to do with one firing.
   *
   * @param alert whether to send the alert
   * @param summary a finished cooldown with held-back firings, to be reported before the alert
   * @param next the state to keep for this key and kind (null: none)
   */
  public record Decision(boolean alert, Optional<State> summary, State next) {}

  /**
   * Decides on a firing at event time {@code time} for the record {@code o}.
   *
   * @param current this key and kind's state, or null
   * @param alertId the id the alert would have
   */
  public Decision onFiring(State current, long time, String alertId, Observation o) {
    if (!enabled()) {
      return new Decision(true, Optional.empty(), null);
    }
    if (current != null && time < current.until()) {
      return new Decision(false, Optional.empty(), current.suppress(time));
    }
    Optional<State> summary =
        current != null && current.suppressed() > 0 ? Optional.of(current) : Optional.empty();
    State next =
        new State(
            time,
            time + periodMs,
            0,
            time,
            alertId,
            o.eventId(),
            o.topic(),
            o.partition(),
            o.offset());
    return new Decision(true, summary, next);
  }

  /** Whether {@code state}'s cooldown is over at {@code now}, so it can be reported and dropped. */
  public static boolean isOver(State state, long now) {
    return now >= state.until();
  }
}
