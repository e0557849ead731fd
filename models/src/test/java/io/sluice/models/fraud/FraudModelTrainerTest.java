package io.sluice.models.fraud;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.sluice.descriptor.ModelDescriptor;
import io.sluice.descriptor.ModelDescriptor.TensorSpec;
import io.sluice.models.linear.LinearChecks;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Trains the real model once on the shared data and checks what it wrote. */
class FraudModelTrainerTest {

  private static final Path DATA_DIR = Path.of(System.getProperty("sluice.data.dir"));

  @TempDir static Path outDir;

  private static TrainingReport report;
  private static ModelDescriptor descriptor;

  @BeforeAll
  static void train() throws IOException, OrtException {
    report = FraudModelTrainer.train(DATA_DIR, outDir, 42);
    descriptor = ModelDescriptor.read(outDir.resolve(FraudModelTrainer.DESCRIPTOR_FILE));
  }

  @Test
  void scoresTheTestSplitWithRocAucOfAtLeast095() {
    assertThat(report.testRocAuc()).isGreaterThanOrEqualTo(0.95);
    assertThat(descriptor.training()).containsEntry("testRocAuc", report.testRocAuc());
  }

  @Test
  void splitsAllRowsSixtyTwentyTwenty() {
    assertThat(report.rows()).isEqualTo(4492);
    assertThat(report.frauds()).isEqualTo(492);
    assertThat(report.trainRows() + report.validationRows() + report.testRows()).isEqualTo(4492);
    assertThat(report.trainRows()).isEqualTo(2695);
    assertThat(descriptor.training())
        .containsEntry("trainRows", report.trainRows())
        .containsEntry("validationRows", report.validationRows())
        .containsEntry("testRows", report.testRows())
        .containsEntry("seed", 42);
  }

  @Test
  void namesTheFilesAndHashOfTheOnnxModel() throws IOException {
    assertThat(descriptor.name()).isEqualTo("fraud-logreg");
    assertThat(descriptor.version()).isEqualTo("1");
    assertThat(descriptor.file()).isEqualTo("fraud-logreg-1.onnx");
    Path onnxFile = descriptor.modelFile(report.descriptorFile());
    assertThat(onnxFile).isEqualTo(report.onnxFile()).exists();
    assertThat(descriptor.sha256()).isEqualTo(FraudModelTrainer.sha256(onnxFile));
    try (Stream<Path> files = Files.list(outDir)) {
      assertThat(files.map(f -> f.getFileName().toString()))
          .containsExactlyInAnyOrder("fraud-logreg.json", "fraud-logreg-1.onnx");
    }
  }

  @Test
  void listsFeaturesInTheModelsAlphabeticalOrderWithoutTime() {
    List<String> sorted = new ArrayList<>(descriptor.features());
    sorted.sort(null);
    assertThat(descriptor.features())
        .hasSize(29)
        .isEqualTo(sorted)
        .startsWith("Amount", "V1", "V10", "V11")
        .doesNotContain("Time", "Class")
        .isEqualTo(report.features());
    assertThat(descriptor.labels()).containsExactly("0", "1").isEqualTo(report.labels());
    assertThat(descriptor.positiveLabel()).contains("1");
  }

  @Test
  void describesTheInputsAndOutputsOnnxRuntimeSees() throws OrtException {
    try (OrtSession session = session()) {
      assertThat(descriptor.inputs()).isEqualTo(specs(session.getInputInfo()));
      assertThat(descriptor.outputs()).isEqualTo(specs(session.getOutputInfo()));
    }
    assertThat(descriptor.inputs())
        .containsExactly(new TensorSpec("input", "FLOAT", List.of(-1L, 29L)));
    assertThat(descriptor.outputs())
        .containsExactly(new TensorSpec("output", "FLOAT", List.of(-1L, 2L)));
  }

  @Test
  void reproducesTheGoldenOutputsFromRawFeatures() throws OrtException {
    List<float[]> inputs = descriptor.golden().orElseThrow().inputs();
    List<float[]> outputs = descriptor.golden().orElseThrow().outputs();
    assertThat(inputs).hasSize(5).allSatisfy(row -> assertThat(row).hasSize(29));
    assertThat(outputs).hasSize(5);
    float[][] batch = new float[inputs.size()][];
    for (int i = 0; i < batch.length; i++) {
      batch[i] = inputs.get(i);
    }

    float[][] actual;
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession session = session();
        OnnxTensor tensor = OnnxTensor.createTensor(env, batch);
        OrtSession.Result result = session.run(Map.of(descriptor.inputs().get(0).name(), tensor))) {
      actual = (float[][]) result.get(descriptor.outputs().get(0).name()).orElseThrow().getValue();
    }

    for (int i = 0; i < outputs.size(); i++) {
      float[] expected = outputs.get(i);
      for (int j = 0; j < expected.length; j++) {
        assertThat(actual[i][j]).as("row %d, label %d", i, j).isCloseTo(expected[j], within(1e-6f));
      }
    }
  }

  @Test
  void choosesTheThresholdOnValidationAndAppliesItToTest() {
    assertThat(descriptor.alertThreshold().getAsDouble())
        .isEqualTo(report.threshold())
        .isBetween(0.0, 1.0);
    assertThat(report.validation().threshold()).isEqualTo(report.test().threshold());
    // 492 frauds: 295 train, 98 validation, 99 test.
    assertThat(report.test().truePositives() + report.test().falseNegatives()).isEqualTo(99);
    assertThat(report.validation().truePositives() + report.validation().falseNegatives())
        .isEqualTo(98);
  }

  @Test
  void itsLinearBlockReproducesTheGoldenOutputs() {
    LinearChecks.linearBlockReproducesTheGoldenOutputs(descriptor);
  }

  @Test
  void recordsTheScoreAndFeatureDistributionsOfTheTrainSplit() {
    LinearChecks.referenceDistributionsAreWellFormed(descriptor.reference());
    assertThat(descriptor.referenceRows().orElseThrow().count()).isEqualTo(report.trainRows());
    assertThat(descriptor.reference().keySet())
        .contains("score")
        .containsAll(descriptor.features());
    // quantile bins: about a tenth of the training scores in each
    assertThat(descriptor.reference().get("score").proportions())
        .hasSize(10)
        .allSatisfy(p -> assertThat(p).isCloseTo(0.1, within(0.01)));
    assertThat(descriptor.categoricals()).isEmpty();
  }

  @Test
  void agreesWithTribuoOnEveryTestRow() {
    assertThat(report.maxOnnxDifference()).isLessThanOrEqualTo(1e-6);
  }

  @Test
  void givesGoldenInputsAsRawCsvRowsInFeatureOrder() throws IOException {
    CreditCardCsv.Table table = CreditCardCsv.read(DATA_DIR.resolve(FraudModelTrainer.DATA_FILE));
    List<float[]> rawRows = new ArrayList<>();
    for (int i = 0; i < table.size(); i++) {
      double[] row = table.row(i);
      float[] ordered = new float[row.length];
      for (int j = 0; j < row.length; j++) {
        ordered[j] = (float) row[table.featureNames().indexOf(descriptor.features().get(j))];
      }
      rawRows.add(ordered);
    }

    for (float[] input : descriptor.golden().orElseThrow().inputs()) {
      assertThat(rawRows).anySatisfy(row -> assertThat(row).isEqualTo(input));
    }
  }

  @Test
  void trainsTheSameModelForTheSameSeed(@TempDir Path otherDir) throws Exception {
    TrainingReport again = FraudModelTrainer.train(DATA_DIR, otherDir, 42);

    ModelDescriptor other = ModelDescriptor.read(again.descriptorFile());
    assertThat(other.alertThreshold()).isEqualTo(descriptor.alertThreshold());
    assertThat(other.golden()).isEqualTo(descriptor.golden());
    assertThat(again.testRocAuc()).isEqualTo(report.testRocAuc());
  }

  private static OrtSession session() throws OrtException {
    return OrtEnvironment.getEnvironment()
        .createSession(descriptor.modelFile(report.descriptorFile()).toString());
  }

  private static List<TensorSpec> specs(Map<String, NodeInfo> nodes) {
    List<TensorSpec> specs = new ArrayList<>();
    for (NodeInfo node : nodes.values()) {
      TensorInfo info = (TensorInfo) node.getInfo();
      List<Long> shape = new ArrayList<>();
      for (long dimension : info.getShape()) {
        shape.add(dimension);
      }
      specs.add(new TensorSpec(node.getName(), info.type.name(), shape));
    }
    return specs;
  }
}
