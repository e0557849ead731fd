package io.sluice.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.inference.ModelHandle.Mode;
import org.junit.jupiter.api.Test;

/** The desired state's changes, as `sluice model` makes them, and its record value. */
class ModelControlStateTest {

  @Test
  void canaryPromoteAndRollbackRememberThePreviousChampions() {
    ModelControl.State s = ModelControl.State.initial("logreg.json");

    s = s.canary("fm.json", 0.2);
    assertThat(s.desired().challenger()).isEqualTo("fm.json");
    assertThat(s.desired().mode()).isEqualTo(Mode.CANARY);
    assertThat(s.desired().share()).isEqualTo(0.2);

    s = s.promote(5);
    assertThat(s.desired().champion()).isEqualTo("fm.json");
    assertThat(s.desired().challenger()).isNull();
    assertThat(s.history()).containsExactly("logreg.json");

    s = s.deploy("v3.json", 5).rollback();
    assertThat(s.desired().champion()).isEqualTo("fm.json");
    assertThat(s.history()).containsExactly("logreg.json");
    assertThat(s.rollback().desired().champion()).isEqualTo("logreg.json");
  }

  @Test
  void theHistoryKeepsItsSize() {
    ModelControl.State s = ModelControl.State.initial("v0");
    for (int i = 1; i <= 4; i++) {
      s = s.deploy("v" + i, 2);
    }
    assertThat(s.history()).containsExactly("v3", "v2");
  }

  @Test
  void refusesAPromotionWithoutAChallengerAndARollbackWithoutAHistory() {
    ModelControl.State s = ModelControl.State.initial("logreg.json");
    assertThatThrownBy(() -> s.promote(5))
        .hasMessage("there is no challenger to promote; champion is logreg.json");
    assertThatThrownBy(s::rollback)
        .hasMessage("no previous champion is known; champion is logreg.json");
    assertThatThrownBy(() -> s.canary("fm.json", 1.5))
        .hasMessage("canary share 1.5 is not in (0, 1]");
  }

  @Test
  void aStateReadsBackAsWritten() {
    ModelControl.State s =
        ModelControl.State.initial("/models/a b.json").deploy("c:\\x=y.json", 5).shadow("s.json");

    assertThat(ModelControl.State.decode(s.encode())).isEqualTo(s);
  }
}
