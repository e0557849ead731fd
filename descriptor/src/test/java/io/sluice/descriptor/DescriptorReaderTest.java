package io.sluice.descriptor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.descriptor.ModelDescriptor.TensorSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DescriptorReaderTest {
  private static final String SHA = "ab".repeat(32);

  @TempDir Path dir;

  @Test
  void readsEveryFieldAndIgnoresUnknownOnes() throws Exception {
    Path path =
        write(
            """
            { "name": "fraud-logreg", "version": "1", "file": "fraud-logreg-1.onnx",
              "sha256": "%s",
              "inputs":  [{"name": "input",  "type": "FLOAT", "shape": [-1, 3]}],
              "outputs": [{"name": "output", "type": "float", "shape": [-1, 2]}],
              "features": ["Amount", "V1", "V10"], "labels": ["0", "1"], "positiveLabel": "1",
              "alertThreshold": 0.87,
              "training": {"auc": 0.97, "rows": 4492},
              "golden": {"inputs": [[1.5, 2, -3]], "outputs": [[0.25, 0.75]]} }
            """
                .formatted(SHA.toUpperCase(java.util.Locale.ROOT)));

    ModelDescriptor descriptor = ModelDescriptor.read(path);

    assertThat(descriptor.path()).isEqualTo(path);
    assertThat(descriptor.id()).isEqualTo("fraud-logreg:1");
    assertThat(descriptor.sha256()).isEqualTo(SHA);
    assertThat(descriptor.modelFile()).isEqualTo(dir.resolve("fraud-logreg-1.onnx"));
    assertThat(descriptor.inputs())
        .containsExactly(new TensorSpec("input", "FLOAT", List.of(-1L, 3L)));
    assertThat(descriptor.outputs())
        .containsExactly(new TensorSpec("output", "FLOAT", List.of(-1L, 2L)));
    assertThat(descriptor.features()).containsExactly("Amount", "V1", "V10");
    assertThat(descriptor.labels()).containsExactly("0", "1");
    assertThat(descriptor.positiveLabel()).contains("1");
    assertThat(descriptor.alertThreshold()).hasValue(0.87);
    assertThat(descriptor.golden()).isPresent();
    assertThat(descriptor.golden().get().inputs().get(0)).containsExactly(1.5f, 2f, -3f);
    assertThat(descriptor.golden().get().outputs().get(0)).containsExactly(0.25f, 0.75f);
    assertThat(descriptor.training()).containsEntry("auc", 0.97).containsEntry("rows", 4492);
    assertThat(descriptor.recommendation()).isEmpty();
  }

  @Test
  void leavesOptionalFieldsEmptyWhenAbsent() throws Exception {
    ModelDescriptor descriptor = ModelDescriptor.read(write(minimal()));

    assertThat(descriptor.features()).isEmpty();
    assertThat(descriptor.labels()).isEmpty();
    assertThat(descriptor.positiveLabel()).isEmpty();
    assertThat(descriptor.alertThreshold()).isEmpty();
    assertThat(descriptor.golden()).isEmpty();
  }

  @Test
  void rejectsAMissingRequiredFieldNamingFileAndField() throws Exception {
    Path path = write(minimal().replace("\"file\": \"m.onnx\",", ""));

    assertThatThrownBy(() -> ModelDescriptor.read(path))
        .isInstanceOf(DescriptorException.class)
        .hasMessage("model descriptor " + path + ": required field 'file' is missing");
  }

  @Test
  void rejectsABadShapeDimensionNamingTheField() throws Exception {
    Path path = write(minimal().replace("[-1, 4]", "[-1, 0]"));

    assertThatThrownBy(() -> ModelDescriptor.read(path))
        .isInstanceOf(DescriptorException.class)
        .hasMessage(
            "model descriptor "
                + path
                + ": field 'inputs[0].shape[1]' must be -1 (dynamic) or a positive integer, found 0");
  }

  @Test
  void rejectsAMalformedSha256() throws Exception {
    Path path = write(minimal().replace(SHA, "xyz"));

    assertThatThrownBy(() -> ModelDescriptor.read(path))
        .isInstanceOf(DescriptorException.class)
        .hasMessage(
            "model descriptor "
                + path
                + ": field 'sha256' must be 64 hexadecimal digits, found \"xyz\"");
  }

  @Test
  void rejectsAPositiveLabelThatIsNotALabel() throws Exception {
    Path path =
        write(
            minimal()
                .replace(
                    "\"name\": \"m\",",
                    "\"name\": \"m\", \"labels\": [\"0\", \"1\"], \"positiveLabel\": \"yes\","));

    assertThatThrownBy(() -> ModelDescriptor.read(path))
        .isInstanceOf(DescriptorException.class)
        .hasMessage(
            "model descriptor "
                + path
                + ": field 'positiveLabel' must be one of labels [0, 1], found \"yes\"");
  }

  @Test
  void rejectsGoldenOutputsThatDoNotMatchTheInputsInNumber() throws Exception {
    Path path =
        write(
            minimal()
                .replace(
                    "\"name\": \"m\",",
                    "\"name\": \"m\", \"golden\": {\"inputs\": [[1,2,3,4]], \"outputs\": []},"));

    assertThatThrownBy(() -> ModelDescriptor.read(path))
        .isInstanceOf(DescriptorException.class)
        .hasMessage(
            "model descriptor "
                + path
                + ": field 'golden.outputs' must be a non-empty array of rows, found []");
  }

  @Test
  void readsCategoricalsLinearBlockAndReferenceDistributions() throws Exception {
    ModelDescriptor descriptor = ModelDescriptor.read(write(withAnomalyBlocks(ONE_HOT_ETC)));

    assertThat(descriptor.categoricals())
        .containsExactly(
            new ModelDescriptor.Categorical("proto", "one-hot", List.of("tcp", "udp")));
    assertThat(descriptor.linear())
        .contains(
            new ModelDescriptor.Linear(
                "1", List.of(1.0, 0.0, 0.0), List.of(2.0, 1.0, 1.0), List.of(0.5, 1.0, -1.0), -3));
    assertThat(descriptor.reference())
        .containsOnlyKeys("score")
        .containsEntry(
            "score", new ModelDescriptor.Distribution(List.of(0.5), List.of(0.25, 0.75)));
    assertThat(ModelDescriptor.read(write(minimal())).reference()).isEmpty();
  }

  @Test
  void rejectsAnEncodingItDoesNotKnow() throws Exception {
    Path path = write(withAnomalyBlocks(ONE_HOT_ETC.replace("one-hot", "ordinal")));

    assertThatThrownBy(() -> ModelDescriptor.read(path))
        .isInstanceOf(DescriptorException.class)
        .hasMessage(
            "model descriptor "
                + path
                + ": field 'categoricals[0].encoding' must be one-hot, found \"ordinal\"");
  }

  @Test
  void rejectsACategoricalValueWithoutItsColumn() throws Exception {
    Path path = write(withAnomalyBlocks(ONE_HOT_ETC.replace("\"udp\"]", "\"icmp\"]")));

    assertThatThrownBy(() -> ModelDescriptor.read(path))
        .isInstanceOf(DescriptorException.class)
        .hasMessageContaining("field 'categoricals[0].values[1]'")
        .hasMessageContaining("'proto=icmp' is in features");
  }

  @Test
  void rejectsALinearBlockWithOneCoefficientTooFew() throws Exception {
    Path path = write(withAnomalyBlocks(ONE_HOT_ETC.replace("[0.5, 1, -1]", "[0.5, 1]")));

    assertThatThrownBy(() -> ModelDescriptor.read(path))
        .isInstanceOf(DescriptorException.class)
        .hasMessageContaining(
            "field 'linear.coefficients' must be an array of 3 numbers (one per feature)");
  }

  @Test
  void rejectsReferenceProportionsThatDoNotAddUpToOne() throws Exception {
    Path path = write(withAnomalyBlocks(ONE_HOT_ETC.replace("[0.25, 0.75]", "[0.25, 0.5]")));

    assertThatThrownBy(() -> ModelDescriptor.read(path))
        .isInstanceOf(DescriptorException.class)
        .hasMessageContaining("field 'reference.distributions.score.proportions' must add up to 1");
  }

  @Test
  void readsTheRecommendationBlock() throws Exception {
    Path path = write(minimal().replace("\"name\": \"m\",", "\"name\": \"m\", " + RECS));

    ModelDescriptor.Recommendation r = ModelDescriptor.read(path).recommendation().orElseThrow();

    assertThat(r.maxRecent()).isEqualTo(5);
    assertThat(r.decay()).isEqualTo(0.5f);
    assertThat(r.popular()).containsExactly(20L, 10L);
    assertThat(r.popularCounts()).containsExactly(9, 4);
    assertThat(r.items())
        .containsExactly(new ModelDescriptor.Item(10, "Heat"), new ModelDescriptor.Item(20, "Up"));
  }

  @Test
  void rejectsAPopularItemThatIsNotInTheCatalogue() throws Exception {
    Path path =
        write(
            minimal()
                .replace(
                    "\"name\": \"m\",",
                    "\"name\": \"m\", " + RECS.replace("[20, 10]", "[20, 30]")));

    assertThatThrownBy(() -> ModelDescriptor.read(path))
        .isInstanceOf(DescriptorException.class)
        .hasMessage(
            "model descriptor "
                + path
                + ": field 'recommendation.popular[1]' must be an item of 'recommendation.items',"
                + " found 30");
  }

  private static final String RECS =
      """
      "recommendation": {"maxRecent": 5, "decay": 0.5, "popular": [20, 10],
        "popularCounts": [9, 4], "items": [{"id": 10, "title": "Heat"}, {"id": 20, "title": "Up"}]},
      """;

  private static final String ONE_HOT_ETC =
      """
      "features": ["a", "proto=tcp", "proto=udp"], "labels": ["0", "1"], "positiveLabel": "1",
      "categoricals": [{"name": "proto", "encoding": "one-hot", "values": ["tcp", "udp"]}],
      "linear": {"positiveLabel": "1", "means": [1, 0, 0], "scales": [2, 1, 1],
                 "coefficients": [0.5, 1, -1], "intercept": -3},
      "reference": {"rows": "train split", "count": 4,
                    "distributions": {"score": {"edges": [0.5], "proportions": [0.25, 0.75]}}},
      """;

  private static String withAnomalyBlocks(String blocks) {
    return minimal().replace("\"name\": \"m\",", "\"name\": \"m\", " + blocks);
  }

  @Test
  void rejectsTextThatIsNotJsonNamingTheFile() throws Exception {
    Path path = write("{ \"name\": ");

    assertThatThrownBy(() -> ModelDescriptor.read(path))
        .isInstanceOf(DescriptorException.class)
        .hasMessageStartingWith("model descriptor " + path + " is not valid JSON: ");
  }

  @Test
  void rejectsAMissingDescriptorFile() {
    Path path = dir.resolve("absent.json");

    assertThatThrownBy(() -> ModelDescriptor.read(path))
        .isInstanceOf(DescriptorException.class)
        .hasMessage("model descriptor " + path + " does not exist");
  }

  private static String minimal() {
    return """
        { "name": "m", "version": "2", "file": "m.onnx", "sha256": "%s",
          "inputs":  [{"name": "x", "type": "FLOAT", "shape": [-1, 4]}],
          "outputs": [{"name": "y", "type": "FLOAT", "shape": [-1, 1]}] }
        """
        .formatted(SHA);
  }

  private Path write(String json) throws Exception {
    return Files.writeString(dir.resolve("descriptor.json"), json);
  }
}
