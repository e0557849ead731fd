package io.sluice.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ExecutionProviderTest {
  @Test
  void parsesConfigurationValuesIgnoringCase() {
    assertThat(ExecutionProvider.parse("auto")).isEqualTo(ExecutionProvider.AUTO);
    assertThat(ExecutionProvider.parse("CPU")).isEqualTo(ExecutionProvider.CPU);
    assertThat(ExecutionProvider.parse(" Cuda ")).isEqualTo(ExecutionProvider.CUDA);
  }

  @Test
  void rejectsAnUnknownValueListingTheAcceptedOnes() {
    assertThatThrownBy(() -> ExecutionProvider.parse("gpu"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unknown execution provider 'gpu', expected one of [auto, cpu, cuda]");
  }

  @Test
  void settingsRejectFewerThanOneThread() {
    assertThatThrownBy(() -> new InferenceSettings(ExecutionProvider.CPU, 0, 0, 1, true))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("intraOpThreads must be >= 1, found 0");
  }
}
