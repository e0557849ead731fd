package io.sluice.kinds.recommendation;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The decoded states beside the user-state store: used only while the store agrees with them. */
class DecodedStatesTest {
  private static final UserState ONE = UserState.empty().apply(1, 10, 3, 10).state();
  private static final UserState TWO = ONE.apply(2, 20, 3, 10).state();

  @Test
  void aStateWrittenIsReadBackWithoutDecodingFromTheSameOrEqualBytes() {
    UserStateProcessor.DecodedStates decoded = new UserStateProcessor.DecodedStates(4);
    byte[] bytes = ONE.toBytes();
    decoded.put(7L, bytes, ONE);
    assertThat(decoded.get(7L, bytes)).isSameAs(ONE);
    assertThat(decoded.get(7L, bytes.clone())).isSameAs(ONE);
  }

  @Test
  void otherBytesInTheStoreWinOverTheStateKept() {
    // A restore or a transaction rolled back leaves the store with other bytes than were written.
    UserStateProcessor.DecodedStates decoded = new UserStateProcessor.DecodedStates(4);
    decoded.put(7L, TWO.toBytes(), TWO);
    UserState read = decoded.get(7L, ONE.toBytes());
    assertThat(read.rated()).containsExactly(1);
    assertThat(decoded.get(7L, ONE.toBytes())).isSameAs(read);
  }

  @Test
  void keepsAtMostItsCapacityDroppingTheLeastRecentlyUsed() {
    UserStateProcessor.DecodedStates decoded = new UserStateProcessor.DecodedStates(2);
    byte[] one = ONE.toBytes();
    decoded.put(1L, one, ONE);
    decoded.put(2L, TWO.toBytes(), TWO);
    decoded.get(1L, one);
    decoded.put(3L, TWO.toBytes(), TWO);
    assertThat(decoded.size()).isEqualTo(2);
    assertThat(decoded.get(1L, one)).isSameAs(ONE);
    assertThat(decoded.size()).isEqualTo(2);
  }
}
