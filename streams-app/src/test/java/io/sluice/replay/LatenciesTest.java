package io.sluice.replay;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LatenciesTest {
  @Test
  void latencyPercentilesAreNearestRank() {
    double[] millis = new double[100];
    for (int i = 0; i < millis.length; i++) {
      millis[i] = 100 - i;
    }
    Latencies l = Latencies.of(millis);
    assertThat(l.p50Ms()).isEqualTo(50);
    assertThat(l.p99Ms()).isEqualTo(99);
    assertThat(l.maxMs()).isEqualTo(100);
    assertThat(l.histogram().stream().mapToInt(Integer::intValue).sum()).isEqualTo(100);
  }
}
