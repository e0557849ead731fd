package io.sluice.anomaly;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class DriftRuleTest {
  private static final ReferenceDistribution HALVES =
      new ReferenceDistribution(List.of(100.0), List.of(0.5, 0.5));
  private static final DriftRule AMOUNT =
      new DriftRule(new DriftRule.Settings("Amount", 0, HALVES, 0.25, 10, "WARNING"));

  private static Observation event(int i, double amount) {
    return new Observation("k", "tx-" + i, i, 0.1, new float[] {(float) amount}, "in", 1, i);
  }

  private static WindowState window(double... amounts) {
    WindowState w = AMOUNT.window(60_000);
    for (int i = 0; i < amounts.length; i++) {
      Observation o = event(i, amounts[i]);
      w.add(AMOUNT.bin(o), o.eventId(), o.eventTime(), o.topic(), o.partition(), o.offset());
    }
    return w;
  }

  @Test
  void aWindowLikeTheReferenceIsJudgedWithoutFiring() {
    DriftRule.Judgement j =
        AMOUNT.judge(window(1, 2, 3, 4, 5, 500, 600, 700, 800, 900), 120_000).orElseThrow();
    assertThat(j.psi()).isZero();
    assertThat(j.events()).isEqualTo(10);
    assertThat(j.firing()).isEmpty();
  }

  @Test
  void aWindowThatMovedFiresNamingTheBinThatMovedMost() {
    Firing f =
        AMOUNT
            .judge(window(1, 500, 600, 700, 800, 900, 1000, 2000, 3000, 4000), 120_000)
            .orElseThrow()
            .firing()
            .orElseThrow();

    double psi = (0.9 - 0.5) * Math.log(0.9 / 0.5) + (0.1 - 0.5) * Math.log(0.1 / 0.5);
    assertThat(f.value()).isEqualTo(psi);
    assertThat(f.kind()).isEqualTo(DriftRule.KIND);
    assertThat(f.metric()).isEqualTo("Amount");
    assertThat(f.threshold()).isEqualTo(0.25);
    assertThat(f.compared())
        .containsEntry("events", 10.0)
        .containsEntry("observed.1", 0.9)
        .containsEntry("expected.1", 0.5);
    assertThat(f.reason())
        .contains("PSI of Amount over 10 events in [1970-01-01T00:01:00Z, 1970-01-01T00:02:00Z)")
        .contains("largest change in bin (-inf, 100.0]: 10.0% of events vs 50.0% in training");
  }

  @Test
  void aWindowWithTooFewEventsIsNotJudged() {
    assertThat(AMOUNT.judge(window(1, 2, 3), 120_000)).isEmpty();
  }

  @Test
  void theScoreMetricBinsTheScore() {
    DriftRule score =
        new DriftRule(new DriftRule.Settings("score", -1, HALVES, 0.25, 10, "WARNING"));
    assertThat(score.bin(new Observation("k", "e", 0, 150, new float[] {1}, "t", 0, 0)))
        .isEqualTo(1);
  }
}
