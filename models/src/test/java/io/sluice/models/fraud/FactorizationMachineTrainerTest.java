package io.sluice.models.fraud;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.descriptor.ModelDescriptor;
import io.sluice.models.fraud.FraudModelTrainer.Algorithm;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The factorization machine challenger: trained on the same split, exported to ONNX. */
class FactorizationMachineTrainerTest {
  private static final Path DATA_DIR = Path.of(System.getProperty("sluice.data.dir"));

  @TempDir Path outDir;

  @Test
  void trainsAFactorizationMachineThatOnnxRuntimeReproduces() throws Exception {
    TrainingReport report = FraudModelTrainer.train(DATA_DIR, outDir, 42, Algorithm.FM);
    ModelDescriptor descriptor = ModelDescriptor.read(outDir.resolve("fraud-fm.json"));
    assertThat(descriptor.name()).isEqualTo("fraud-fm");
    assertThat(descriptor.file()).isEqualTo("fraud-fm-1.onnx");
    assertThat(outDir.resolve("fraud-fm-1.onnx")).exists();
    assertThat(report.maxOnnxDifference())
        .isLessThanOrEqualTo(FraudModelTrainer.MAX_ONNX_DIFFERENCE);
    assertThat(report.testRocAuc()).isGreaterThanOrEqualTo(0.9);
    assertThat((String) descriptor.training().get("algorithm")).startsWith("factorization machine");
    assertThat(descriptor.features()).hasSize(29);
  }

  @Test
  void refusesAnUnknownAlgorithm() {
    assertThatThrownBy(() -> Algorithm.parse("forest"))
        .hasMessageContaining("logreg or fm")
        .hasMessageContaining("forest");
  }
}
