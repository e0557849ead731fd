package io.sluice.models.linear;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.sluice.models.descriptor.ModelDescriptor;
import java.util.List;

/** Checks of the explanation and reference blocks that trainers write into descriptors. */
public final class LinearChecks {
  private LinearChecks() {}

  /** The positive label's probability according to the descriptor's {@code linear} block. */
  public static double probability(ModelDescriptor.Linear linear, List<Float> raw) {
    double logOdds = linear.intercept();
    for (int i = 0; i < raw.size(); i++) {
      logOdds +=
          linear.coefficients().get(i)
              * (raw.get(i) - linear.means().get(i))
              / linear.scales().get(i);
    }
    return 1 / (1 + Math.exp(-logOdds));
  }

  /** The linear block gives the golden outputs' positive probability for every golden input. */
  public static void linearBlockReproducesTheGoldenOutputs(ModelDescriptor d) {
    ModelDescriptor.Linear linear = d.linear();
    assertThat(linear.positiveLabel()).isEqualTo(d.positiveLabel());
    assertThat(linear.means()).hasSameSizeAs(d.features());
    assertThat(linear.scales())
        .hasSameSizeAs(d.features())
        .allSatisfy(s -> assertThat(s).isPositive());
    assertThat(linear.coefficients()).hasSameSizeAs(d.features());
    int positive = d.labels().indexOf(d.positiveLabel());
    for (int i = 0; i < d.golden().inputs().size(); i++) {
      assertThat(probability(linear, d.golden().inputs().get(i)))
          .as("golden row %d", i)
          .isCloseTo(d.golden().outputs().get(i).get(positive), within(1e-5));
    }
  }

  /** Every reference distribution has one more proportion than edges, rising edges, sum 1. */
  public static void referenceDistributionsAreWellFormed(ModelDescriptor.Reference reference) {
    assertThat(reference.distributions()).containsKey("score");
    reference
        .distributions()
        .forEach(
            (name, d) -> {
              assertThat(d.proportions()).as(name).hasSize(d.edges().size() + 1);
              assertThat(d.edges()).as(name).isSorted().doesNotHaveDuplicates();
              assertThat(d.proportions().stream().mapToDouble(Double::doubleValue).sum())
                  .as(name)
                  .isCloseTo(1.0, within(1e-9));
            });
  }
}
