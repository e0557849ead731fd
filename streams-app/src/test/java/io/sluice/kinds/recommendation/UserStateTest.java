package io.sluice.kinds.recommendation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class UserStateTest {

  private static UserState apply(UserState s, int item, long time) {
    return s.apply(item, time, 3, 4).state();
  }

  @Test
  void keepsTheLastItemsMostRecentFirstAndBounded() {
    UserState s = UserState.empty();
    for (int i = 1; i <= 5; i++) {
      s = apply(s, i, i * 10L);
    }
    assertThat(s.recentItems()).containsExactly(5, 4, 3);
    assertThat(s.latestEventTime()).isEqualTo(50);
  }

  @Test
  void forgetsTheOldestRatedItemWhenTheRatedSetIsFull() {
    UserState s = UserState.empty();
    for (int i = 1; i <= 6; i++) {
      s = apply(s, i, i);
    }
    assertThat(s.rated()).containsExactly(3, 4, 5, 6);
  }

  @Test
  void movesAnItemSeenAgainToItsNewPlace() {
    UserState s = apply(apply(apply(UserState.empty(), 1, 1), 2, 2), 1, 3);
    assertThat(s.recentItems()).containsExactly(1, 2);
    assertThat(s.rated()).containsExactly(2, 1);
  }

  @Test
  void placesALateEventByItsEventTimeAndSaysItWasLate() {
    UserState s = apply(apply(UserState.empty(), 1, 10), 3, 30);

    UserState.Applied late = s.apply(2, 20, 3, 4);

    assertThat(late.late()).isTrue();
    assertThat(late.state().recentItems()).containsExactly(3, 2, 1);
    assertThat(late.state().latestEventTime()).isEqualTo(30);
    assertThat(late.state().rated()).contains(2);
  }

  @Test
  void aLateEventOlderThanEveryRecentItemOnlyJoinsTheRatedItems() {
    UserState s = apply(apply(apply(UserState.empty(), 1, 10), 2, 20), 3, 30);

    UserState.Applied late = s.apply(9, 5, 3, 4);

    assertThat(late.late()).isTrue();
    assertThat(late.state().recentItems()).containsExactly(3, 2, 1);
    assertThat(late.state().rated()).containsExactly(1, 2, 3, 9);
  }

  @Test
  void anEventAtTheSameTimeAsTheLatestIsNotLateAndComesFirst() {
    UserState.Applied same = apply(UserState.empty(), 1, 10).apply(2, 10, 3, 4);
    assertThat(same.late()).isFalse();
    assertThat(same.state().recentItems()).containsExactly(2, 1);
  }

  @Test
  void survivesARoundTripThroughBytes() {
    UserState s = apply(apply(apply(UserState.empty(), 7, 10), 8, 20), 9, 15);

    UserState back = UserState.fromBytes(s.toBytes());

    assertThat(back.recentItems()).containsExactly(8, 9, 7);
    assertThat(back.rated()).containsExactly(7, 8, 9);
    assertThat(back.latestEventTime()).isEqualTo(20);
    assertThat(UserState.fromBytes(UserState.empty().toBytes()).isEmpty()).isTrue();
  }

  @Test
  void theRatedSetCarriedFromStateToStateIsTheSortedRatedItems() {
    // New items, items seen again and a full set that forgets its oldest, in a random mix: the set
    // each state carries over from the last must be what sorting its rated items gives.
    Random random = new Random(7);
    UserState s = UserState.empty();
    UserState decoded = UserState.empty();
    for (int event = 0; event < 2_000; event++) {
      int item = random.nextInt(event < 1_000 ? 60 : 400);
      s = s.apply(item, event, 5, 50).state();
      int[] expected = Arrays.stream(s.rated()).sorted().toArray();
      assertThat(s.ratedSet()).as("after event %d", event).containsExactly(expected);
      // A state read from bytes computes its set afresh, and applies the same way.
      decoded = UserState.fromBytes(decoded.apply(item, event, 5, 50).state().toBytes());
      assertThat(decoded.rated()).as("after event %d", event).containsExactly(s.rated());
    }
    assertThat(s.rated()).hasSize(50);
  }

  @Test
  void aStateReadBackWithMoreRatedItemsThanNowAllowedForgetsTheOldestAtOnce() {
    UserState s = UserState.empty();
    for (int i = 1; i <= 6; i++) {
      s = s.apply(i, i, 3, 10).state();
    }
    UserState smaller = UserState.fromBytes(s.toBytes()).apply(3, 7, 3, 4).state();
    assertThat(smaller.rated()).containsExactly(4, 5, 6, 3);
    assertThat(smaller.ratedSet()).containsExactly(3, 4, 5, 6);
  }
}
