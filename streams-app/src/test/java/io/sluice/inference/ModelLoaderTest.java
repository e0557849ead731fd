package io.sluice.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading checks a model version against its descriptor, with real models on the CPU. */
class ModelLoaderTest {
  /** mnist-8's logits for an all-black image: only the biases reach the output. */
  private static final float[] MNIST_ZERO_LOGITS = {
    -0.044856027f, 0.007791661f, 0.06810082f, 0.02999374f, -0.12640963f,
    0.14021875f, -0.055284902f, -0.049383815f, 0.08432205f, -0.054540414f
  };

  private static final InferenceSettings CPU =
      InferenceSettings.defaults().withProvider(ExecutionProvider.CPU);

  @TempDir Path dir;

  @Test
  void loadsMnistAndRunsOnTheCpuUnderAuto() throws Exception {
    Path descriptor = TestModels.write(dir, TestModels.mnistDescriptor(dir));

    try (ModelRunner runner = ModelLoader.load(descriptor, InferenceSettings.defaults())) {
      assertThat(runner.activeProvider()).isEqualTo(ExecutionProvider.CPU);
      assertThat(runner.name()).isEqualTo("mnist");
      assertThat(runner.version()).isEqualTo("8");
      assertThat(runner.inputRowLength()).isEqualTo(TestModels.MNIST_ROW);
      assertThat(runner.descriptor().modelFile()).isEqualTo(TestModels.mnistModel());
      assertThat(runner.run(List.of(new float[TestModels.MNIST_ROW]))[0])
          .containsExactly(MNIST_ZERO_LOGITS, offset(1e-6f));
    }
  }

  @Test
  void refusesCudaWhenItIsNotAvailable() {
    Path descriptor = TestModels.write(dir, TestModels.mnistDescriptor(dir));

    assertThatThrownBy(
            () ->
                ModelLoader.load(
                    descriptor, InferenceSettings.defaults().withProvider(ExecutionProvider.CUDA)))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageStartingWith("execution provider cuda requested but not available: ")
        .hasMessageContaining("CUDA")
        .hasMessageContaining(
            "build with -Pgpu and install the CUDA 12 runtime libraries and cuDNN 9")
        .hasMessageContaining("auto or cpu");
  }

  @Test
  void verifiesTheGoldenOutputAtLoad() throws Exception {
    Map<String, Object> json = TestModels.mnistDescriptor(dir);
    json.put(
        "golden",
        Map.of(
            "inputs",
            List.of(new float[TestModels.MNIST_ROW]),
            "outputs",
            List.of(MNIST_ZERO_LOGITS)));

    try (ModelRunner runner = ModelLoader.load(TestModels.write(dir, json), CPU)) {
      assertThat(runner.descriptor().golden()).isPresent();
    }
  }

  @Test
  void rejectsAGoldenOutputTheModelDoesNotGive() {
    float[] wrong = MNIST_ZERO_LOGITS.clone();
    wrong[3] += 0.001f;
    Map<String, Object> json = TestModels.mnistDescriptor(dir);
    json.put(
        "golden",
        Map.of("inputs", List.of(new float[TestModels.MNIST_ROW]), "outputs", List.of(wrong)));
    Path descriptor = TestModels.write(dir, json);

    assertThatThrownBy(() -> ModelLoader.load(descriptor, CPU))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("model mnist:8: golden output row 0 value 3 is 0.0299")
        .hasMessageContaining("descriptor expects 0.0309");
  }

  @Test
  void skipsTheGoldenCheckWhenTheSettingsSaySo() throws Exception {
    float[] wrong = MNIST_ZERO_LOGITS.clone();
    wrong[3] += 0.001f;
    Map<String, Object> json = TestModels.mnistDescriptor(dir);
    json.put(
        "golden",
        Map.of("inputs", List.of(new float[TestModels.MNIST_ROW]), "outputs", List.of(wrong)));
    InferenceSettings unchecked = new InferenceSettings(ExecutionProvider.CPU, 0, 1, 1, false);

    try (ModelRunner runner = ModelLoader.load(TestModels.write(dir, json), unchecked)) {
      assertThat(runner.activeProvider()).isEqualTo(ExecutionProvider.CPU);
    }
  }

  @Test
  void rejectsAShapeThatDisagreesWithTheModel() {
    Map<String, Object> json = TestModels.mnistDescriptor(dir);
    json.put("inputs", List.of(TestModels.tensor(TestModels.MNIST_INPUT, List.of(-1, 1, 28, 28))));
    Path descriptor = TestModels.write(dir, json);

    assertThatThrownBy(() -> ModelLoader.load(descriptor, CPU))
        .isInstanceOf(ModelLoadException.class)
        .hasMessage(
            "model mnist:8 input 'Input3' has shape [1, 1, 28, 28], descriptor declares [-1, 1, 28,"
                + " 28]");
  }

  @Test
  void rejectsAnUnknownInputName() {
    Map<String, Object> json = TestModels.mnistDescriptor(dir);
    json.put("inputs", List.of(TestModels.tensor("image", List.of(1, 1, 28, 28))));
    Path descriptor = TestModels.write(dir, json);

    assertThatThrownBy(() -> ModelLoader.load(descriptor, CPU))
        .isInstanceOf(ModelLoadException.class)
        .hasMessage("model mnist:8: unknown input name 'image', expected one of [Input3]");
  }

  @Test
  void rejectsAnUnknownOutputName() {
    Map<String, Object> json = TestModels.mnistDescriptor(dir);
    json.put("outputs", List.of(TestModels.tensor("probabilities", List.of(1, 10))));
    Path descriptor = TestModels.write(dir, json);

    assertThatThrownBy(() -> ModelLoader.load(descriptor, CPU))
        .isInstanceOf(ModelLoadException.class)
        .hasMessage(
            "model mnist:8: unknown output name 'probabilities', expected one of"
                + " [Plus214_Output_0]");
  }

  @Test
  void rejectsAWrongElementType() {
    Map<String, Object> json = TestModels.mnistDescriptor(dir);
    Map<String, Object> input = TestModels.tensor(TestModels.MNIST_INPUT, List.of(1, 1, 28, 28));
    input.put("type", "double");
    json.put("inputs", List.of(input));
    Path descriptor = TestModels.write(dir, json);

    assertThatThrownBy(() -> ModelLoader.load(descriptor, CPU))
        .isInstanceOf(ModelLoadException.class)
        .hasMessage(
            "model mnist:8 input 'Input3' has element type FLOAT, descriptor declares DOUBLE");
  }

  @Test
  void rejectsAFileWhoseSha256DiffersFromTheDescriptor() {
    Map<String, Object> json = TestModels.mnistDescriptor(dir);
    String expected = "0".repeat(64);
    json.put("sha256", expected);
    Path descriptor = TestModels.write(dir, json);

    assertThatThrownBy(() -> ModelLoader.load(descriptor, CPU))
        .isInstanceOf(ModelLoadException.class)
        .hasMessage(
            "model file "
                + TestModels.mnistModel()
                + " has sha256 "
                + TestModels.sha256(TestModels.mnistModel())
                + ", descriptor "
                + descriptor
                + " expects "
                + expected);
  }

  @Test
  void rejectsAMissingModelFile() {
    Map<String, Object> json = TestModels.mnistDescriptor(dir);
    json.put("file", "missing.onnx");
    Path descriptor = TestModels.write(dir, json);

    assertThatThrownBy(() -> ModelLoader.load(descriptor, CPU))
        .isInstanceOf(ModelLoadException.class)
        .hasMessage(
            "model file "
                + dir.resolve("missing.onnx")
                + " does not exist (field 'file' of descriptor "
                + descriptor
                + ")");
  }

  @Test
  void rejectsAFileThatIsNotAModel() throws Exception {
    Path notAModel = Files.writeString(dir.resolve("notes.onnx"), "not a protobuf");
    Map<String, Object> json = TestModels.mnistDescriptor(dir);
    json.put("file", "notes.onnx");
    json.put("sha256", TestModels.sha256(notAModel));
    Path descriptor = TestModels.write(dir, json);

    assertThatThrownBy(() -> ModelLoader.load(descriptor, CPU))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageStartingWith(
            "model mnist:8 from " + notAModel + " cannot be loaded by ONNX Runtime: ");
  }

  @Test
  void rejectsFeaturesThatDoNotFillTheInputRow() {
    Map<String, Object> json = TestModels.mnistDescriptor(dir);
    json.put("features", List.of("a", "b", "c"));
    Path descriptor = TestModels.write(dir, json);

    assertThatThrownBy(() -> ModelLoader.load(descriptor, CPU))
        .isInstanceOf(ModelLoadException.class)
        .hasMessage(
            "model descriptor "
                + descriptor
                + ": field 'features' names 3 features, input 'Input3' takes 784 values per row");
  }
}
