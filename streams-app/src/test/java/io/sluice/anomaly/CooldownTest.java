package io.sluice.anomaly;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class CooldownTest {
  private static final Observation EVENT =
      new Observation("k", "tx-1", 0, 0.9, new float[0], "in", 2, 40);

  @Test
  void withoutACooldownEveryFiringAlerts() {
    Cooldown none = new Cooldown(0);
    Cooldown.Decision d = none.onFiring(null, 5, "a", EVENT);
    assertThat(d.alert()).isTrue();
    assertThat(d.next()).isNull();
    assertThat(none.enabled()).isFalse();
  }

  @Test
  void firingsWithinThePeriodAreCountedNotSent() {
    Cooldown c = new Cooldown(1_000);
    Cooldown.Decision first = c.onFiring(null, 100, "score-threshold:in-2@40", EVENT);
    assertThat(first.alert()).isTrue();
    assertThat(first.summary()).isEmpty();
    Cooldown.State state = first.next();
    assertThat(state.until()).isEqualTo(1_100);
    assertThat(state.eventId()).isEqualTo("tx-1");
    assertThat(state.offset()).isEqualTo(40);

    for (long t = 200; t < 1_100; t += 100) {
      Cooldown.Decision d = c.onFiring(state, t, "other", EVENT);
      assertThat(d.alert()).isFalse();
      state = d.next();
    }
    assertThat(state.suppressed()).isEqualTo(9);
    assertThat(state.lastSuppressedAt()).isEqualTo(1_000);
    assertThat(state.alertId()).isEqualTo("score-threshold:in-2@40");
  }

  @Test
  void theFirstFiringAfterThePeriodReportsTheCountAndAlertsAgain() {
    Cooldown c = new Cooldown(1_000);
    Cooldown.State state = c.onFiring(null, 0, "a", EVENT).next();
    state = c.onFiring(state, 500, "b", EVENT).next();

    Cooldown.Decision d = c.onFiring(state, 1_000, "c", EVENT);

    assertThat(d.alert()).isTrue();
    assertThat(d.summary()).hasValueSatisfying(s -> assertThat(s.suppressed()).isEqualTo(1));
    assertThat(d.next().alertId()).isEqualTo("c");
    assertThat(d.next().suppressed()).isZero();
    assertThat(Cooldown.isOver(state, 999)).isFalse();
    assertThat(Cooldown.isOver(state, 1_000)).isTrue();
  }

  @Test
  void aPeriodWithNothingHeldBackHasNoSummary() {
    Cooldown c = new Cooldown(1_000);
    Cooldown.State state = c.onFiring(null, 0, "a", EVENT).next();
    assertThat(c.onFiring(state, 5_000, "b", EVENT).summary()).isEmpty();
  }

  @Test
  void refusesANegativePeriod() {
    assertThatThrownBy(() -> new Cooldown(-1)).hasMessageContaining("was -1");
  }
}
