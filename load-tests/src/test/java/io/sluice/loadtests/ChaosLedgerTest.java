package io.sluice.loadtests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ChaosLedgerTest {
  private static final List<ChaosLedger.Window> WINDOWS =
      List.of(new ChaosLedger.Window("steady", 0), new ChaosLedger.Window("kill", 1_000));

  @Test
  void eventsWithOneOutputEachAreNeitherLostNorDuplicated() {
    ChaosLedger ledger = new ChaosLedger(2, 10);
    ledger.produced("a", 0, 100);
    ledger.acknowledged("a", 0);
    ledger.produced("b", 1, 1_100);
    ledger.acknowledged("b", 0);
    ledger.output("a", 200);
    ledger.output("b", 1_300);

    List<ChaosLedger.Count> counts = ledger.count(WINDOWS);

    assertThat(counts).extracting(ChaosLedger.Count::produced).containsExactly(1, 1);
    assertThat(counts).extracting(ChaosLedger.Count::lost).containsExactly(0, 0);
    assertThat(counts).extracting(ChaosLedger.Count::duplicated).containsExactly(0, 0);
    assertThat(ledger.accountedFor()).isEqualTo(2);
  }

  @Test
  void anEventWithoutOutputIsLostAndOneWithTwoIsDuplicatedInTheWindowItWasProducedIn() {
    ChaosLedger ledger = new ChaosLedger(1, 10);
    ledger.produced("a", 0, 100);
    ledger.acknowledged("a", 0);
    ledger.produced("b", 0, 1_100);
    ledger.acknowledged("b", 1);
    ledger.produced("c", 0, 1_200);
    ledger.acknowledged("c", 2);
    ledger.output("a", 200);
    ledger.output("c", 1_300);
    ledger.output("c", 1_400);

    List<ChaosLedger.Count> counts = ledger.count(WINDOWS);

    assertThat(counts.get(0).lost()).isZero();
    assertThat(counts.get(1).lost()).isEqualTo(1);
    assertThat(counts.get(1).duplicated()).isEqualTo(1);
    assertThat(counts.get(0).duplicated()).isZero();
  }

  @Test
  void aDeadLetterAccountsForItsEventByInputCoordinatesAndIsCountedByReason() {
    ChaosLedger ledger = new ChaosLedger(2, 10);
    ledger.produced("a", 1, 1_100);
    ledger.acknowledged("a", 7);
    ledger.deadLetter(1, 7, "unknown_schema", 1_500);
    ledger.deadLetter(0, 7, "unknown_schema", 1_500);

    ChaosLedger.Count kill = ledger.count(WINDOWS).get(1);

    assertThat(kill.lost()).isZero();
    assertThat(kill.deadLetters()).isEqualTo(Map.of("unknown_schema", 1));
    assertThat(ledger.unexpected()).isEqualTo(1);
  }

  @Test
  void theLongestGapIsPerInputPartitionAndBelongsToTheWindowHoldingItsMiddle() {
    ChaosLedger ledger = new ChaosLedger(2, 10);
    String[] ids = {"a", "b", "c", "d", "e"};
    long[] outAt = {100, 900, 4_900, 950, 1_000};
    int[] partition = {0, 0, 0, 1, 1};
    for (int i = 0; i < ids.length; i++) {
      ledger.produced(ids[i], partition[i], 50);
      ledger.acknowledged(ids[i], i);
    }
    // Arrival order differs from production order: gaps are taken on sorted arrival times.
    for (int i = ids.length - 1; i >= 0; i--) {
      ledger.output(ids[i], outAt[i]);
    }

    List<ChaosLedger.Count> counts = ledger.count(WINDOWS);

    // 100 -> 900 lies in "steady"; 900 -> 4,900 starts there (before 1,000) but its middle,
    // 2,900, is in "kill": a gap that starts just before a fault is that fault's.
    assertThat(counts.get(0).gapMillis()).containsExactly(800, 50);
    assertThat(counts.get(1).gapMillis()).containsExactly(4_000, 0);
    assertThat(counts.get(1).longestGapMillis()).isEqualTo(4_000);
    assertThat(ledger.partitionsWithOutput()).isEqualTo(2);
  }

  @Test
  void aPartitionThatIsSentNothingHasNoGap() {
    ChaosLedger ledger = new ChaosLedger(1, 10);
    // Out at 100; idle until "b" is sent at 600, out at 800; idle until "c" at 1,100, out at
    // 1,300; "d", sent at 1,200 while "c" waits, out at 3,000.
    String[] ids = {"a", "b", "c", "d"};
    long[] sentAt = {50, 600, 1_100, 1_200};
    long[] outAt = {100, 800, 1_300, 3_000};
    for (int i = 0; i < ids.length; i++) {
      ledger.produced(ids[i], 0, sentAt[i]);
      ledger.output(ids[i], outAt[i]);
    }

    List<ChaosLedger.Count> counts = ledger.count(WINDOWS);

    // Not 700 (100 -> 800, of which 500 idle) but 200 in "steady"; in "kill" 1,300 -> 3,000.
    assertThat(counts.get(0).gapMillis()).containsExactly(200);
    assertThat(counts.get(1).gapMillis()).containsExactly(1_700);
  }

  @Test
  void anEventWhoseSendFailedIsNotLostWithoutOutput() {
    ChaosLedger ledger = new ChaosLedger(1, 10);
    ledger.produced("a", 0, 100);
    ledger.notAcknowledged("a");

    assertThat(ledger.count(WINDOWS).get(0).lost()).isZero();
    assertThat(ledger.unacknowledged()).isEqualTo(1);
  }

  @Test
  void anIdProducedTwiceIsRefused() {
    ChaosLedger ledger = new ChaosLedger(1, 10);
    ledger.produced("a", 0, 0);
    ledger.acknowledged("a", 0);
    assertThatThrownBy(() -> ledger.produced("a", 0, 0))
        .hasMessageContaining("event id produced twice: a");
  }
}
