package io.sluice.anomaly;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class HealthRuleTest {
  private static final HealthRule RULE =
      new HealthRule(new HealthRule.Settings(100, 0.05, 0.01, "CRITICAL"));

  private static WindowState window(int scored, int rejected, int failed) {
    WindowState w = new WindowState(0, HealthRule.SLOTS);
    for (int i = 0; i < scored; i++) {
      w.add(HealthRule.SCORED, "ok-" + i, i, "in", 0, i);
    }
    for (int i = 0; i < rejected; i++) {
      w.add(HealthRule.REJECTED, "bad-" + i, i, "in", 0, i);
    }
    for (int i = 0; i < failed; i++) {
      w.add(HealthRule.MODEL_FAILED, "failed-" + i, i, "in", 0, i);
    }
    return w;
  }

  @Test
  void firesOnADeadLetterRateAboveTheLevel() {
    List<Firing> firings = RULE.judge(window(90, 10, 0), 60_000);

    assertThat(firings).hasSize(1);
    Firing f = firings.get(0);
    assertThat(f.kind()).isEqualTo(HealthRule.KIND);
    assertThat(f.metric()).isEqualTo(HealthRule.DEAD_LETTER_RATE);
    assertThat(f.value()).isEqualTo(0.1);
    assertThat(f.severity()).isEqualTo("CRITICAL");
    assertThat(f.compared()).containsEntry("records", 100.0).containsEntry("deadLetters", 10.0);
    assertThat(f.reason())
        .startsWith("10 of 100 records were dead-lettered in [1970-01-01T00:00:00Z");
  }

  @Test
  void firesOnAModelErrorRateCountingOnlyRecordsThatReachedTheModel() {
    List<Firing> firings = RULE.judge(window(96, 2, 2), 60_000);

    assertThat(firings).extracting(Firing::metric).containsExactly(HealthRule.MODEL_ERROR_RATE);
    assertThat(firings.get(0).value()).isEqualTo(2.0 / 98);
  }

  @Test
  void aRateAtTheLevelOrAWindowTooSmallDoesNotFire() {
    assertThat(RULE.judge(window(95, 5, 0), 60_000)).isEmpty();
    assertThat(RULE.judge(window(10, 50, 30), 60_000)).isEmpty();
  }

  @Test
  void aLevelOfOneNeverFires() {
    HealthRule off = new HealthRule(new HealthRule.Settings(1, 1, 1, "CRITICAL"));
    assertThat(off.judge(window(0, 100, 100), 60_000)).isEmpty();
  }
}
