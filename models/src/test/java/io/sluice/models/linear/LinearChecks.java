package io.sluice.models.linear;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.sluice.descriptor.ModelDescriptor;
import java.util.Map;

/** Checks of the explanation and reference blocks that trainers write into descriptors. */
public final class LinearChecks {
  private LinearChecks() {}

  /** The positive label's probability according to the descriptor's {@code linear} block. */
  public static double probability(ModelDescriptor.Linear linear, float[] raw) {
    double logOdds = linear.intercept();
    for (int i = 0; i < raw.length; i++) {
      logOdds +=
          linear.coefficients().get(i) * (raw[i] - linear.means().get(i)) / linear.scales().get(i);
    }
    return 1 / (1 + Math.exp(-logOdds));
  }

  /** The linear block gives the golden outputs' positive probability for every golden input. */
  public static void linearBlockReproducesTheGoldenOutputs(ModelDescriptor d) {
    ModelDescriptor.Linear linear = d.linear().orElseThrow();
    ModelDescriptor.Golden golden = d.golden().orElseThrow();
    assertThat(d.positiveLabel()).contains(linear.positiveLabel());
    assertThat(linear.means()).hasSameSizeAs(d.features());
    assertThat(linear.scales())
        .hasSameSizeAs(d.features())
        .allSatisfy(s -> assertThat(s).isPositive());
    assertThat(linear.coefficients()).hasSameSizeAs(d.features());
    int positive = d.labels().indexOf(linear.positiveLabel());
    for (int i = 0; i < golden.inputs().size(); i++) {
      assertThat(probability(linear, golden.inputs().get(i)))
          .as("golden row %d", i)
          .isCloseTo(golden.outputs().get(i)[positive], within(1e-5));
    }
  }

  /** Every reference distribution has one more proportion than edges, rising edges, sum 1. */
  public static void referenceDistributionsAreWellFormed(
      Map<String, ModelDescriptor.Distribution> reference) {
    assertThat(reference).containsKey("score");
    reference.forEach(
        (name, d) -> {
          assertThat(d.proportions()).as(name).hasSize(d.edges().size() + 1);
          assertThat(d.edges()).as(name).isSorted().doesNotHaveDuplicates();
          assertThat(d.proportions().stream().mapToDouble(Double::doubleValue).sum())
              .as(name)
              .isCloseTo(1.0, within(1e-9));
        });
  }
}
