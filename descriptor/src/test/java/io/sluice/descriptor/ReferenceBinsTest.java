package io.sluice.descriptor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.descriptor.ModelDescriptor.Distribution;
import org.junit.jupiter.api.Test;

class ReferenceBinsTest {

  @Test
  void cutsDistinctValuesIntoEqualShares() {
    double[] values = new double[100];
    for (int i = 0; i < values.length; i++) {
      values[i] = 99 - i;
    }

    Distribution d = ReferenceBins.quantiles(values, 4);

    assertThat(d.edges()).containsExactly(25.0, 50.0, 75.0);
    assertThat(d.proportions()).containsExactly(0.26, 0.25, 0.25, 0.24);
  }

  @Test
  void mergesEdgesOfRepeatedValues() {
    double[] values = {0, 0, 0, 0, 0, 0, 0, 0, 1, 2};

    Distribution d = ReferenceBins.quantiles(values, 5);

    assertThat(d.edges()).containsExactly(0.0, 1.0);
    assertThat(d.proportions()).containsExactly(0.8, 0.1, 0.1);
  }

  @Test
  void aConstantValueGivesOneBin() {
    Distribution d = ReferenceBins.quantiles(new double[] {3, 3, 3}, 10);

    assertThat(d.edges()).isEmpty();
    assertThat(d.proportions()).containsExactly(1.0);
  }

  @Test
  void aValueOnAnEdgeFallsInTheBinBelow() {
    double[] edges = {1, 2, 3};

    assertThat(ReferenceBins.bin(edges, 0.5)).isZero();
    assertThat(ReferenceBins.bin(edges, 1)).isZero();
    assertThat(ReferenceBins.bin(edges, 1.5)).isEqualTo(1);
    assertThat(ReferenceBins.bin(edges, 3)).isEqualTo(2);
    assertThat(ReferenceBins.bin(edges, 3.1)).isEqualTo(3);
  }

  @Test
  void refusesNoValuesAndNonFiniteOnes() {
    assertThatThrownBy(() -> ReferenceBins.quantiles(new double[0], 10))
        .hasMessageContaining("found none");
    assertThatThrownBy(() -> ReferenceBins.quantiles(new double[] {1, Double.NaN}, 10))
        .hasMessageContaining("finite");
  }
}
