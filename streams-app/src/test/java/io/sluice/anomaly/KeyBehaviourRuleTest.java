package io.sluice.anomaly;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class KeyBehaviourRuleTest {
  private static final KeyBehaviourRule.Metric AMOUNT =
      KeyBehaviourRule.Metric.feature("Amount", 0);

  private static KeyBehaviourRule rule(KeyBehaviourRule.Metric... metrics) {
    return new KeyBehaviourRule(
        new KeyBehaviourRule.Settings(List.of(metrics), 4.0, 5, 20, "WARNING"));
  }

  private static Observation event(long time, double score, double amount) {
    return new Observation(
        "card-1", "tx-" + time, time, score, new float[] {(float) amount}, "in", 0, time);
  }

  /** The key's state after events with these amounts, one minute apart, score 0.01. */
  private static KeyState history(KeyBehaviourRule rule, double... amounts) {
    KeyState state = KeyState.EMPTY;
    for (int i = 0; i < amounts.length; i++) {
      KeyBehaviourRule.Outcome o = rule.observe(state, event(i * 60_000L, 0.01, amounts[i]));
      assertThat(o.firing()).as("event %d", i).isEmpty();
      state = o.state();
    }
    return state;
  }

  @Test
  void aKeyIsNotJudgedBeforeItsWarmUp() {
    KeyBehaviourRule r = rule(AMOUNT);
    KeyState state = history(r, 20, 21, 22, 23);

    KeyBehaviourRule.Outcome o = r.observe(state, event(10 * 60_000L, 0.01, 10_000));

    assertThat(o.firing()).isEmpty();
    assertThat(o.state().events()).isEqualTo(5);
    assertThat(o.state().stats().get("Amount").count()).isEqualTo(5);
  }

  @Test
  void anAmountFarAboveOrFarBelowTheKeysUsualFires() {
    KeyBehaviourRule r = rule(AMOUNT);
    KeyState state = history(r, 20, 21, 22, 23, 24, 25);

    Firing high = r.observe(state, event(10 * 60_000L, 0.01, 500)).firing().orElseThrow();
    Firing low = r.observe(state, event(10 * 60_000L, 0.01, 0.5)).firing().orElseThrow();

    assertThat(high.kind()).isEqualTo(KeyBehaviourRule.KIND);
    assertThat(high.metric()).isEqualTo("Amount");
    assertThat(high.value()).isGreaterThan(4).isEqualTo(high.compared().get("z"));
    assertThat(high.compared()).containsEntry("value", 500.0).containsEntry("events", 6.0);
    assertThat(high.compared().get("typical")).isCloseTo(22.5, within(0.2));
    assertThat(high.reason()).contains("Amount 500.0000 is").contains("above its usual");
    assertThat(low.compared().get("z")).isLessThan(-4);
    assertThat(low.value()).isEqualTo(-low.compared().get("z"));
    assertThat(low.reason()).contains("below its usual");
    assertThat(r.observe(state, event(10 * 60_000L, 0.01, 26)).firing()).isEmpty();
  }

  @Test
  void theScoreFiresOnlyWhenRiskierThanUsual() {
    KeyBehaviourRule r = rule(KeyBehaviourRule.Metric.score());
    KeyState state = KeyState.EMPTY;
    for (int i = 0; i < 6; i++) {
      state = r.observe(state, event(i, 0.10 + 0.01 * i, 1)).state();
    }

    assertThat(r.observe(state, event(10, 0.95, 1)).firing()).isPresent();
    assertThat(r.observe(state, event(10, 0.0001, 1)).firing()).isEmpty();
  }

  @Test
  void theRateFiresOnlyWhenEventsComeFasterThanUsual() {
    KeyBehaviourRule r = rule(KeyBehaviourRule.Metric.rate());
    KeyState state = KeyState.EMPTY;
    long t = 0;
    for (int i = 0; i < 7; i++) {
      t += 3_600_000L + i * 60_000L; // about an hour apart
      state = r.observe(state, event(t, 0.01, 1)).state();
    }
    assertThat(state.stats().get("rate").count()).as("one gap fewer than events").isEqualTo(6);

    Firing fast = r.observe(state, event(t + 2_000, 0.01, 1)).firing().orElseThrow();
    assertThat(fast.metric()).isEqualTo("rate");
    assertThat(fast.compared()).containsEntry("value", 2_000.0);
    assertThat(fast.reason()).contains("time since the key's previous event 2.000 s");
    assertThat(r.observe(state, event(t + 30 * 3_600_000L, 0.01, 1)).firing()).isEmpty();
  }

  @Test
  void oneEventFiresOnceAboutTheMetricFurthestOut() {
    KeyBehaviourRule r = rule(KeyBehaviourRule.Metric.score(), AMOUNT);
    KeyState state = KeyState.EMPTY;
    for (int i = 0; i < 6; i++) {
      state = r.observe(state, event(i, 0.01, 20 + i)).state();
    }

    Firing f = r.observe(state, event(10, 0.99, 100_000)).firing().orElseThrow();

    assertThat(f.metric()).isEqualTo("score");
    assertThat(f.compared()).containsKeys("z.score", "z.Amount");
    assertThat(f.compared().get("z.score")).isGreaterThan(f.compared().get("z.Amount"));
  }

  @Test
  void anEventOutOfOrderUpdatesNoRate() {
    KeyBehaviourRule r = rule(KeyBehaviourRule.Metric.rate());
    KeyState state = r.observe(KeyState.EMPTY, event(10_000, 0.01, 1)).state();

    KeyState after = r.observe(state, event(5_000, 0.01, 1)).state();

    assertThat(after.stats()).doesNotContainKey("rate");
    assertThat(after.lastEventTime()).isEqualTo(10_000);
    assertThat(after.events()).isEqualTo(2);
  }

  @Test
  void refusesAWarmUpOfNothing() {
    assertThatThrownBy(() -> new KeyBehaviourRule.Settings(List.of(AMOUNT), 4, 0, 20, "WARNING"))
        .hasMessageContaining("warm-up must be >= 1 event, was 0");
  }
}
