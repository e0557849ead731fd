package io.sluice.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import io.sluice.models.recs.RecsGraph;
import io.sluice.models.recs.SessionModel;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Named runs of a model with int64 inputs and two outputs: a four-item session recommender whose
 * scores can be worked out by hand.
 */
class ModelRunnerNamedRunTest {
  private static final InferenceSettings CPU =
      InferenceSettings.defaults().withProvider(ExecutionProvider.CPU);

  /**
   * Two dimensions; item i's input embedding is e_i (items 2 and 3 are (1,1) and 0), output
   * embeddings equal the input ones, biases 0, 0.5, 0.25, 0.
   */
  private static final SessionModel MODEL =
      SessionModel.of(
          2,
          3,
          0.5f,
          new float[] {1, 0, 0, 1, 1, 1, 0, 0},
          new float[] {1, 0, 0, 1, 1, 1, 0, 0},
          new float[] {0, 0.5f, 0.25f, 0});

  @TempDir static Path dir;
  private static Path descriptor;
  private static ModelRunner runner;

  @BeforeAll
  static void load() throws Exception {
    Path onnx = dir.resolve("session.onnx");
    try (OutputStream out = Files.newOutputStream(onnx)) {
      RecsGraph.build(MODEL, "session", 1).writeTo(out);
    }
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("name", "session");
    json.put("version", "1");
    json.put("file", "session.onnx");
    json.put("sha256", TestModels.sha256(onnx));
    json.put(
        "inputs",
        new ArrayList<>(
            List.of(
                spec("recent_items", "INT64", List.of(-1, 3)),
                spec("recent_weights", "FLOAT", List.of(-1, 3)),
                spec("exclude_items", "INT64", List.of(-1, -1)),
                spec("k", "INT64", List.of(1)))));
    json.put(
        "outputs",
        new ArrayList<>(
            List.of(
                spec("top_scores", "FLOAT", List.of(-1, -1)),
                spec("top_items", "INT64", List.of(-1, -1)))));
    descriptor = TestModels.write(dir, json);
    runner = ModelLoader.load(descriptor, CPU);
  }

  @AfterAll
  static void close() {
    runner.close();
  }

  private static Map<String, Object> spec(String name, String type, List<Integer> shape) {
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("name", name);
    spec.put("type", type);
    spec.put("shape", shape);
    return spec;
  }

  private static Map<String, Tensor> inputs(long[] items, float[] weights, int rows, long k) {
    Map<String, Tensor> in = new LinkedHashMap<>();
    in.put("recent_items", Tensor.ofLongs(items, rows, 3));
    in.put("recent_weights", Tensor.ofFloats(weights, rows, 3));
    // Item 3 scores 0 for every user here, last: excluding it changes no top 3.
    long[] exclude = new long[rows];
    java.util.Arrays.fill(exclude, 3);
    in.put("exclude_items", Tensor.ofLongs(exclude, rows, 1));
    in.put("k", Tensor.ofLongs(new long[] {k}, 1));
    return in;
  }

  @Test
  void returnsEveryDeclaredOutputWithTheTopItemsOfEachRow() {
    // Row 0: only item 0 (padding weighs 0): user (1,0); scores 1, 0.5, 1.25, 0.
    // Row 1: items 1 then 0 with weights 1 and 0.5: user (1/3, 2/3); scores 1/3, 7/6, 1.25, 0.
    Map<String, Tensor> out =
        runner.run(inputs(new long[] {0, 0, 0, 1, 0, 0}, new float[] {1, 0, 0, 1, 0.5f, 0}, 2, 3));

    assertThat(out).containsOnlyKeys("top_scores", "top_items");
    assertThat(out.keySet()).containsExactly("top_scores", "top_items");
    assertThat(out.get("top_items").shape()).containsExactly(2, 3);
    assertThat(out.get("top_items").longs()).containsExactly(2, 0, 1, 2, 1, 0);
    assertThat(out.get("top_scores").floats())
        .containsExactly(new float[] {1.25f, 1f, 0.5f, 1.25f, 7f / 6, 1f / 3}, offset(1e-5f));
  }

  @Test
  void refusesFloatRowsSayingWhy() {
    assertThat(runner.takesFloatRows()).isFalse();
    assertThatThrownBy(() -> runner.run(List.of(new float[3])))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "model session:1 cannot be run on float rows: model session:1 has 4 inputs; rows feed"
                + " exactly one");
  }

  @Test
  void namesAMissingInput() {
    Map<String, Tensor> in = inputs(new long[3], new float[3], 1, 2);
    in.remove("k");

    assertThatThrownBy(() -> runner.run(in))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "model session:1: input 'k' is missing, expected [recent_items, recent_weights, exclude_items, k]");
  }

  @Test
  void namesAnUnknownInput() {
    Map<String, Tensor> in = inputs(new long[3], new float[3], 1, 2);
    in.put("user", Tensor.ofLongs(new long[] {7}, 1));

    assertThatThrownBy(() -> runner.run(in))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "model session:1: unknown input 'user', expected [recent_items, recent_weights, exclude_items, k]");
  }

  @Test
  void refusesFloatIdsWhereTheModelTakesInt64() {
    Map<String, Tensor> in = inputs(new long[3], new float[3], 1, 2);
    in.put("recent_items", Tensor.ofFloats(new float[3], 1, 3));

    assertThatThrownBy(() -> runner.run(in))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("model session:1 input 'recent_items' takes INT64[-1, 3], found FLOAT[1, 3]");
  }

  @Test
  void refusesAFixedDimensionOfTheWrongSize() {
    Map<String, Tensor> in = inputs(new long[3], new float[3], 1, 2);
    in.put("recent_items", Tensor.ofLongs(new long[4], 1, 4));

    assertThatThrownBy(() -> runner.run(in))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("model session:1 input 'recent_items' takes INT64[-1, 3], found INT64[1, 4]");
  }

  @Test
  void reportsAnItemIndexOutsideTheCatalogueAsAModelFailure() {
    assertThatThrownBy(() -> runner.run(inputs(new long[] {9, 0, 0}, new float[3], 1, 2)))
        .isInstanceOf(ModelRunException.class)
        .hasMessageStartingWith("model session:1 failed on inputs");
  }

  @Test
  void refusesATensorWhoseValuesDoNotFillItsShape() {
    assertThatThrownBy(() -> Tensor.ofLongs(new long[5], 2, 3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("a tensor of shape [2, 3] holds 6 values, found 5");
  }

  @Test
  void refusesAGoldenInputItCannotFeed() throws Exception {
    Map<String, Object> json =
        new com.fasterxml.jackson.databind.ObjectMapper().readValue(descriptor.toFile(), Map.class);
    json.put("version", "2");
    json.put("golden", Map.of("inputs", List.of(List.of(1.0)), "outputs", List.of(List.of(1.0))));
    Path withGolden = TestModels.write(dir, json);

    assertThatThrownBy(() -> ModelLoader.load(withGolden, CPU))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("golden inputs are float rows, which this model does not take");
  }
}
