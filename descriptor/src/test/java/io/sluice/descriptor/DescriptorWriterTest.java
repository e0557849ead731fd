package io.sluice.descriptor;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.descriptor.ModelDescriptor.Golden;
import io.sluice.descriptor.ModelDescriptor.TensorSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DescriptorWriterTest {
  private static final String SHA = "ab".repeat(32);

  @TempDir Path dir;

  private ModelDescriptor.Builder builder() {
    return ModelDescriptor.builder(
            "m",
            "3",
            "m-3.onnx",
            SHA,
            List.of(new TensorSpec("input", "FLOAT", List.of(-1L, 2L))),
            List.of(new TensorSpec("output", "FLOAT", List.of(-1L, 2L))))
        .path(dir.resolve("m.json"))
        .labels(List.of("0", "1"))
        .golden(new Golden(List.of(new float[] {1.5f, -2f}), List.of(new float[] {0.75f, 0.25f})));
  }

  private ModelDescriptor descriptor() {
    return builder()
        .features(List.of("a", "b"))
        .alert("1", 0.25)
        .training(Map.of("seed", 7))
        .build();
  }

  @Test
  void readsBackWhatItWrites() throws IOException {
    Path file = dir.resolve("m.json");

    descriptor().write(file);

    assertThat(ModelDescriptor.read(file)).isEqualTo(descriptor());
  }

  @Test
  void writesTheFieldNamesOtherModulesRead() throws IOException {
    Path file = dir.resolve("m.json");

    descriptor().write(file);

    JsonNode json = new ObjectMapper().readTree(file.toFile());
    List<String> fields = new ArrayList<>();
    json.fieldNames().forEachRemaining(fields::add);
    assertThat(fields)
        .containsExactly(
            "name",
            "version",
            "file",
            "sha256",
            "inputs",
            "outputs",
            "features",
            "labels",
            "positiveLabel",
            "alertThreshold",
            "golden",
            "training");
    assertThat(json.at("/inputs/0/shape/0").asLong()).isEqualTo(-1);
    assertThat(json.at("/golden/outputs/0/1").floatValue()).isEqualTo(0.25f);
  }

  @Test
  void leavesOutAbsentOptionalFields() throws IOException {
    Path file = dir.resolve("m.json");
    ModelDescriptor withoutAlerts = builder().build();

    withoutAlerts.write(file);

    assertThat(Files.readString(file))
        .doesNotContain(
            "features", "positiveLabel", "alertThreshold", "reference", "recommendation");
    assertThat(ModelDescriptor.read(file)).isEqualTo(withoutAlerts);
  }

  @Test
  void readsBackCategoricalsLinearBlockAndReferenceDistributions() throws IOException {
    Path file = dir.resolve("m.json");
    ModelDescriptor full =
        builder()
            .features(List.of("a", "colour=red"))
            .alert("1", 0.25)
            .categoricals(
                List.of(
                    new ModelDescriptor.Categorical(
                        "colour", ModelDescriptor.ONE_HOT, List.of("red"))))
            .linear(
                new ModelDescriptor.Linear(
                    "1", List.of(0.5, 0.1), List.of(2.0, 0.3), List.of(1.5, -0.5), -2))
            .reference(
                "train split",
                10,
                Map.of("score", new ModelDescriptor.Distribution(List.of(0.5), List.of(0.4, 0.6))))
            .build();

    full.write(file);

    assertThat(ModelDescriptor.read(file)).isEqualTo(full);
    JsonNode json = new ObjectMapper().readTree(file.toFile());
    assertThat(json.at("/categoricals/0/encoding").asText()).isEqualTo("one-hot");
    assertThat(json.at("/linear/coefficients/1").asDouble()).isEqualTo(-0.5);
    assertThat(json.at("/reference/rows").asText()).isEqualTo("train split");
    assertThat(json.at("/reference/distributions/score/proportions/1").asDouble()).isEqualTo(0.6);
  }

  @Test
  void readsBackARecommenderAndAnImageModel() throws IOException {
    Path file = dir.resolve("m.json");
    ModelDescriptor recs =
        builder()
            .recommendation(
                new ModelDescriptor.Recommendation(
                    5,
                    0.8f,
                    List.of(20L),
                    List.of(3),
                    List.of(
                        new ModelDescriptor.Item(10, "Heat"), new ModelDescriptor.Item(20, "Up"))))
            .preprocessing(
                new Preprocessing(
                    Preprocessing.Resize.BILINEAR,
                    2,
                    1,
                    Preprocessing.Channels.GRAY,
                    Preprocessing.Layout.NCHW,
                    255,
                    List.of(0.5),
                    List.of(0.25)))
            .softmax(true)
            .build();

    recs.write(file);

    assertThat(ModelDescriptor.read(file)).isEqualTo(recs);
    JsonNode json = new ObjectMapper().readTree(file.toFile());
    assertThat(json.at("/recommendation/items/1/title").asText()).isEqualTo("Up");
    assertThat(json.at("/preprocessing/resize").asText()).isEqualTo("bilinear");
    assertThat(json.at("/postprocessing/softmax").asBoolean()).isTrue();
  }

  @Test
  void resolvesTheModelFileAgainstTheDescriptorsFolder() {
    assertThat(descriptor().modelFile()).isEqualTo(dir.resolve("m-3.onnx"));
    assertThat(descriptor().modelFile(dir.resolve("sub/m.json")))
        .isEqualTo(dir.resolve("sub/m-3.onnx"));
  }

  @Test
  void goldenRowsAreEqualWhenTheirValuesAre() {
    Golden a = new Golden(List.of(new float[] {1f}), List.of(new float[] {2f}));
    Golden b = new Golden(List.of(new float[] {1f}), List.of(new float[] {2f}));

    assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
    assertThat(a).isNotEqualTo(new Golden(List.of(new float[] {1f}), List.of(new float[] {3f})));
  }
}
