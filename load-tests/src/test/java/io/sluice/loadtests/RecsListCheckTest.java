package io.sluice.loadtests;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.kinds.recommendation.Rating;
import io.sluice.kinds.recommendation.RecsSettings;
import io.sluice.kinds.recommendation.TestCatalogues;
import java.util.List;
import org.junit.jupiter.api.Test;

class RecsListCheckTest {
  private static RecsListCheck check() {
    return new RecsListCheck(
        TestCatalogues.of(3, 100, 200, 300, 400), new RecsSettings(2, 3, 10, 0.5f, 5f));
  }

  private static Rating rating(String id, long user, long item, long time) {
    return new Rating(user, item, 4f, time, id);
  }

  @Test
  void listsMadeFromEachUsersEventsUpToTheirOwnPass() {
    RecsListCheck check = check();
    check.sent(rating("a", 1, 100, 1));
    check.sent(rating("b", 2, 300, 2));
    check.sent(rating("c", 1, 200, 3));
    check.sent(rating("d", 1, 999, 4)); // not in the catalogue: the state stays
    check.output("a", List.of(100L));
    check.output("b", List.of(300L));
    check.output("c", List.of(200L, 100L));
    check.output("d", List.of(200L, 100L));

    assertThat(check.check()).isEqualTo(new RecsListCheck.Result(4, 0, 0, List.of()));
  }

  @Test
  void aListFromStateThatLostOrRepeatedAnEventIsAMismatch() {
    RecsListCheck check = check();
    check.sent(rating("a", 1, 100, 1));
    check.sent(rating("b", 1, 200, 2));
    check.sent(rating("c", 1, 300, 3));
    check.output("a", List.of(100L));
    // State restored from before "a": the list of "b" misses it.
    check.output("b", List.of(200L));

    RecsListCheck.Result r = check.check();
    assertThat(r.compared()).isEqualTo(2);
    assertThat(r.missing()).isEqualTo(1);
    assertThat(r.mismatched()).isEqualTo(1);
    assertThat(r.examples()).containsExactly("b (user 1): [200], replay [200, 100]");
  }
}
