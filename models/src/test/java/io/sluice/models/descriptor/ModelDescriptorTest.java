package io.sluice.models.descriptor;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.models.descriptor.ModelDescriptor.Golden;
import io.sluice.models.descriptor.ModelDescriptor.TensorSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelDescriptorTest {

  @TempDir Path dir;

  private final ModelDescriptor descriptor =
      new ModelDescriptor(
          "m",
          "3",
          "m-3.onnx",
          "ab12",
          List.of(new TensorSpec("input", "FLOAT", List.of(-1L, 2L))),
          List.of(new TensorSpec("output", "FLOAT", List.of(-1L, 2L))),
          List.of("a", "b"),
          List.of("0", "1"),
          "1",
          0.25,
          new Golden(List.of(List.of(1.5f, -2f)), List.of(List.of(0.75f, 0.25f))),
          Map.of("seed", 7));

  @Test
  void readsBackWhatItWrites() throws IOException {
    Path file = dir.resolve("m.json");

    descriptor.write(file);

    assertThat(ModelDescriptor.read(file)).isEqualTo(descriptor);
  }

  @Test
  void writesTheFieldNamesOtherModulesRead() throws IOException {
    Path file = dir.resolve("m.json");

    descriptor.write(file);

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
    ModelDescriptor withoutAlerts =
        new ModelDescriptor(
            "m",
            "3",
            "m-3.onnx",
            "ab12",
            descriptor.inputs(),
            descriptor.outputs(),
            null,
            descriptor.labels(),
            null,
            null,
            descriptor.golden(),
            Map.of());

    withoutAlerts.write(file);

    assertThat(Files.readString(file))
        .doesNotContain("features", "positiveLabel", "alertThreshold");
    assertThat(ModelDescriptor.read(file)).isEqualTo(withoutAlerts);
  }

  @Test
  void readsBackCategoricalsLinearBlockAndReferenceDistributions() throws IOException {
    Path file = dir.resolve("m.json");
    ModelDescriptor full =
        new ModelDescriptor(
            "m",
            "3",
            "m-3.onnx",
            "ab12",
            descriptor.inputs(),
            descriptor.outputs(),
            List.of("a", "colour=red"),
            descriptor.labels(),
            "1",
            0.25,
            descriptor.golden(),
            Map.of(),
            List.of(
                new ModelDescriptor.Categorical("colour", ModelDescriptor.ONE_HOT, List.of("red"))),
            new ModelDescriptor.Linear(
                "1", List.of(0.5, 0.1), List.of(2.0, 0.3), List.of(1.5, -0.5), -2),
            new ModelDescriptor.Reference(
                "train split",
                10,
                Map.of(
                    "score", new ModelDescriptor.Distribution(List.of(0.5), List.of(0.4, 0.6)))));

    full.write(file);

    assertThat(ModelDescriptor.read(file)).isEqualTo(full);
    JsonNode json = new ObjectMapper().readTree(file.toFile());
    assertThat(json.at("/categoricals/0/encoding").asText()).isEqualTo("one-hot");
    assertThat(json.at("/linear/coefficients/1").asDouble()).isEqualTo(-0.5);
    assertThat(json.at("/reference/distributions/score/proportions/1").asDouble()).isEqualTo(0.6);
  }

  @Test
  void resolvesTheModelFileAgainstTheDescriptorsFolder() {
    assertThat(descriptor.modelFile(dir.resolve("m.json"))).isEqualTo(dir.resolve("m-3.onnx"));
  }
}
