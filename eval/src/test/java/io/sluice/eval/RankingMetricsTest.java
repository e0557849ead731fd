package io.sluice.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class RankingMetricsTest {

  @Test
  void comparesTheModelWithThePopularityBaselineOnTheSameEvents() {
    Ranking.Accumulator model = new Ranking.Accumulator(10);
    Ranking.Accumulator popularity = new Ranking.Accumulator(10);
    model.add(0); // a hit at rank 1: NDCG 1
    model.add(2); // rank 3: NDCG 1/log2(4) = 0.5
    model.add(-1);
    model.add(-1);
    popularity.add(2);
    popularity.add(-1);
    popularity.add(-1);
    popularity.add(-1);

    RankingMetrics m = RankingMetrics.of(model, popularity);

    assertThat(m.events()).isEqualTo(4);
    assertThat(m.hits()).isEqualTo(2);
    assertThat(m.hitRate()).isEqualTo(0.5);
    assertThat(m.ndcg()).isCloseTo(1.5 / 4, within(1e-12));
    assertThat(m.popularityHitRate()).isEqualTo(0.25);
    assertThat(m.popularityNdcg()).isCloseTo(0.5 / 4, within(1e-12));
    assertThat(m.hitRateRatio()).isEqualTo(2.0);
    assertThat(m.ndcgRatio()).isCloseTo(3.0, within(1e-12));
  }

  @Test
  void rejectsAccumulatorsOverDifferentEvents() {
    Ranking.Accumulator model = new Ranking.Accumulator(10);
    model.add(0);
    assertThatThrownBy(() -> RankingMetrics.of(model, new Ranking.Accumulator(10)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("1@10 and 0@10");
  }

  @Test
  void aBaselineWithoutHitsHasNoRatio() {
    Ranking.Accumulator model = new Ranking.Accumulator(5);
    Ranking.Accumulator popularity = new Ranking.Accumulator(5);
    model.add(1);
    popularity.add(-1);
    assertThat(RankingMetrics.of(model, popularity).hitRateRatio()).isNaN();
  }
}
