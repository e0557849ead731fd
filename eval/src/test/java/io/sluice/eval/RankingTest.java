package io.sluice.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class RankingTest {

  @Test
  void ranksByDescendingScoreSkippingExcludedItems() {
    float[] scores = {0.9f, 0.1f, 0.5f, 0.7f};
    BitSet excluded = new BitSet();
    assertThat(Ranking.rankOf(scores, 2, excluded)).isEqualTo(2);
    excluded.set(0);
    assertThat(Ranking.rankOf(scores, 2, excluded)).isEqualTo(1);
  }

  @Test
  void breaksTiesByTheLowerIndexFirst() {
    float[] scores = {0.5f, 0.5f, 0.5f};
    assertThat(Ranking.rankOf(scores, 0, new BitSet())).isZero();
    assertThat(Ranking.rankOf(scores, 2, new BitSet())).isEqualTo(2);
  }

  @Test
  void ndcgIsOneAtTheTopAndZeroOutsideK() {
    assertThat(Ranking.ndcg(0, 10)).isEqualTo(1.0);
    assertThat(Ranking.ndcg(1, 10)).isCloseTo(1 / (Math.log(3) / Math.log(2)), within(1e-12));
    assertThat(Ranking.ndcg(10, 10)).isZero();
  }

  @Test
  void accumulatesHitRateAndMeanNdcg() {
    Ranking.Accumulator acc = new Ranking.Accumulator(2);
    acc.add(0);
    acc.add(1);
    acc.add(2);
    acc.add(-1);
    assertThat(acc.cases()).isEqualTo(4);
    assertThat(acc.hits()).isEqualTo(2);
    assertThat(acc.hitRate()).isEqualTo(0.5);
    assertThat(acc.ndcg()).isCloseTo((1 + 1 / (Math.log(3) / Math.log(2))) / 4, within(1e-12));
  }

  @Test
  void refusesKBelowOne() {
    assertThatThrownBy(() -> new Ranking.Accumulator(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("k must be at least 1, found 0");
  }

  @Test
  void prequentialRecommendsBeforeItRevealsEachEvent() {
    // A recommender that always proposes the last item it was shown: it can only hit an event
    // whose item was revealed before, never the event itself.
    Prequential.Recommender echo =
        new Prequential.Recommender() {
          long last = -1;

          @Override
          public long[] recommend(long user, int k) {
            return last < 0 ? new long[0] : new long[] {last};
          }

          @Override
          public void reveal(Prequential.Event event) {
            last = event.item();
          }
        };
    List<Prequential.Event> events =
        List.of(
            new Prequential.Event(1, 7, 0),
            new Prequential.Event(1, 7, 1),
            new Prequential.Event(1, 8, 2),
            new Prequential.Event(1, 8, 3));

    Ranking.Accumulator acc = Prequential.run(events, echo, 10);

    assertThat(acc.cases()).isEqualTo(4);
    assertThat(acc.hits()).isEqualTo(2);
  }
}
