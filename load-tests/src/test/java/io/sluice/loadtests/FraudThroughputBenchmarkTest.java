package io.sluice.loadtests;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.schemas.CardTransaction;
import java.time.Instant;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class FraudThroughputBenchmarkTest {

  private static CardTransaction tx(String id) {
    return CardTransaction.newBuilder()
        .setId(id)
        .setCardId("card-1")
        .setEventTime(Instant.ofEpochMilli(0))
        .setAmount(1)
        .setFeatures(List.of(0.5))
        .build();
  }

  @Test
  void repeatingTheDataSetKeepsEventIdsUnique() {
    List<CardTransaction> data = List.of(tx("a"), tx("b"), tx("c"));

    List<CardTransaction> events = FraudThroughputBenchmark.repeated(data, 7);

    assertThat(events)
        .extracting(CardTransaction::getId)
        .containsExactly("a", "b", "c", "a-r1", "b-r1", "c-r1", "a-r2");
    assertThat(events.get(4).getFeatures()).isEqualTo(data.get(1).getFeatures());
  }

  @Test
  void percentileIsTheNearestRank() {
    long[] sorted = IntStream.rangeClosed(1, 100).asLongStream().toArray();

    assertThat(FraudThroughputBenchmark.percentile(sorted, 0.50)).isEqualTo(50);
    assertThat(FraudThroughputBenchmark.percentile(sorted, 0.99)).isEqualTo(99);
    assertThat(FraudThroughputBenchmark.percentile(new long[] {7}, 0.99)).isEqualTo(7);
    assertThat(FraudThroughputBenchmark.percentile(new long[0], 0.5)).isEqualTo(-1);
  }
}
