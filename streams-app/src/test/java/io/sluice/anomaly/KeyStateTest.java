package io.sluice.anomaly;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class KeyStateTest {

  @Test
  void readsBackWhatItWrites() {
    KeyState state =
        new KeyState(
            7,
            123_456,
            Map.of("score", new EwmStats(7, -3.5, 0.25), "rate", new EwmStats(6, 9.1, 1.5)),
            Map.of(
                "score-threshold",
                new Cooldown.State(100, 700, 3, 650, "score-threshold:t-0@9", "tx-9", "t", 0, 9)));

    assertThat(KeyState.fromBytes(state.toBytes())).isEqualTo(state);
    assertThat(KeyState.fromBytes(KeyState.EMPTY.toBytes())).isEqualTo(KeyState.EMPTY);
  }

  @Test
  void removesACooldown() {
    KeyState state =
        KeyState.EMPTY.withCooldown("k", new Cooldown.State(1, 2, 0, 1, "id", "e", "t", 0, 0));
    assertThat(state.cooldowns()).containsOnlyKeys("k");
    assertThat(state.withCooldown("k", null).cooldowns()).isEmpty();
  }

  @Test
  void refusesAnotherFormatVersion() {
    byte[] bytes = KeyState.EMPTY.toBytes();
    bytes[0] = 9;
    assertThatThrownBy(() -> KeyState.fromBytes(bytes))
        .hasMessage("key state has format version 9, expected 1");
  }
}
