package io.sluice.anomaly;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ReferenceDistributionTest {

  @Test
  void binsAValueByTheEdgesBelowIt() {
    ReferenceDistribution d = new ReferenceDistribution(List.of(1.0, 2.0), List.of(0.2, 0.3, 0.5));
    assertThat(d.bins()).isEqualTo(3);
    assertThat(d.bin(-5)).isZero();
    assertThat(d.bin(1)).isZero();
    assertThat(d.bin(1.5)).isEqualTo(1);
    assertThat(d.bin(2)).isEqualTo(1);
    assertThat(d.bin(2.01)).isEqualTo(2);
    assertThat(d.proportion(2)).isEqualTo(0.5);
    assertThat(d.describe(0)).isEqualTo("(-inf, 1.000]");
    assertThat(d.describe(2)).isEqualTo("(2.000, inf)");
  }

  @Test
  void refusesMalformedDistributions() {
    assertThatThrownBy(() -> new ReferenceDistribution(List.of(2.0, 1.0), List.of(0.2, 0.3, 0.5)))
        .hasMessageContaining("rise strictly");
    assertThatThrownBy(() -> new ReferenceDistribution(List.of(1.0), List.of(1.0)))
        .hasMessage("expected 2 proportions, found 1");
    assertThatThrownBy(() -> new ReferenceDistribution(List.of(1.0), List.of(0.5, 0.6)))
        .hasMessageContaining("add up to 1");
  }
}
