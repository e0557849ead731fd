package io.sluice.models.intrusion;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OrtException;
import io.sluice.descriptor.ModelDescriptor;
import io.sluice.descriptor.ModelDescriptor.Categorical;
import io.sluice.descriptor.ModelDescriptor.TensorSpec;
import io.sluice.models.linear.LinearChecks;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Trains the real intrusion model once and checks what it wrote. */
class IntrusionModelTrainerTest {
  private static final Path DATA_DIR = Path.of(System.getProperty("sluice.data.dir"));

  @TempDir static Path outDir;

  private static IntrusionTrainingReport report;
  private static ModelDescriptor descriptor;

  @BeforeAll
  static void train() throws IOException, OrtException {
    report = IntrusionModelTrainer.train(DATA_DIR, outDir, 42);
    descriptor = ModelDescriptor.read(outDir.resolve(IntrusionModelTrainer.DESCRIPTOR_FILE));
  }

  @Test
  void detectsAttacksInTheTestFileBetterThanChance() {
    // KDDTest+ holds attack types the training file does not; linear models reach about 0.75.
    assertThat(report.test().accuracy()).isGreaterThan(0.7);
    assertThat(report.test().precision()).isGreaterThan(0.85);
    assertThat(report.test().recall()).isGreaterThan(0.55);
    assertThat(report.testRows()).isEqualTo(22_544);
    assertThat(descriptor.training()).containsEntry("testAccuracy", report.test().accuracy());
  }

  @Test
  void oneHotEncodesTheTextFieldsAndListsTheirColumns() {
    List<String> names = descriptor.categoricals().stream().map(Categorical::name).toList();
    assertThat(names).containsExactly("protocol_type", "service", "flag");
    List<String> expectedColumns = new ArrayList<>();
    for (String field : NslKdd.FIELDS) {
      if (!NslKdd.CATEGORICAL.contains(field)) {
        expectedColumns.add(field);
      }
    }
    for (Categorical c : descriptor.categoricals()) {
      assertThat(c.encoding()).isEqualTo(ModelDescriptor.ONE_HOT);
      c.values().forEach(v -> expectedColumns.add(c.name() + "=" + v));
    }
    assertThat(descriptor.categoricals().get(0).values()).containsExactly("icmp", "tcp", "udp");
    assertThat(descriptor.features()).containsExactlyInAnyOrderElementsOf(expectedColumns);
    assertThat(descriptor.inputs())
        .containsExactly(
            new TensorSpec("input", "FLOAT", List.of(-1L, (long) expectedColumns.size())));
  }

  @Test
  void itsLinearBlockReproducesTheGoldenOutputs() {
    assertThat(descriptor.positiveLabel()).contains("attack");
    assertThat(descriptor.labels()).containsExactlyInAnyOrder("attack", "normal");
    LinearChecks.linearBlockReproducesTheGoldenOutputs(descriptor);
  }

  @Test
  void recordsTheScoreAndNumericFeatureDistributionsOfTheTrainSplit() {
    LinearChecks.referenceDistributionsAreWellFormed(descriptor.reference());
    assertThat(descriptor.referenceRows().orElseThrow().count()).isEqualTo(report.trainRows());
    assertThat(descriptor.reference())
        .containsKeys("score", "src_bytes", "dst_host_srv_count")
        .doesNotContainKeys("service", "protocol_type=tcp");
  }

  @Test
  void agreesWithTribuoOnEveryTestRow() {
    assertThat(report.maxOnnxDifference()).isLessThanOrEqualTo(1e-6);
  }
}
