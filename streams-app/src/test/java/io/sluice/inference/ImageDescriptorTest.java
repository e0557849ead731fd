package io.sluice.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.descriptor.DescriptorException;
import io.sluice.descriptor.ModelDescriptor;
import io.sluice.descriptor.Preprocessing;
import io.sluice.imaging.VisionFixtures;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The descriptor fields of image models: preprocessing, postprocessing, labels file, data dir. */
class ImageDescriptorTest {
  private static final String SHA = "ab".repeat(32);
  private static final InferenceSettings CPU =
      InferenceSettings.defaults().withProvider(ExecutionProvider.CPU);

  @TempDir Path dir;

  private Path write(String json) throws Exception {
    return Files.writeString(dir.resolve("descriptor.json"), json);
  }

  private static String image(String extra) {
    return """
        { "name": "m", "version": "2", "file": "${data.dir}/models/m.onnx", "sha256": "%s",
          "inputs":  [{"name": "x", "type": "FLOAT", "shape": [-1, 3, 4, 5]}],
          "outputs": [{"name": "y", "type": "FLOAT", "shape": [-1, 2]}],
          "preprocessing": {"resize": "bilinear", "width": 5, "height": 4, "channels": "bgr",
            "layout": "NCHW", "pixelDivisor": 255, "mean": [0.1, 0.2, 0.3],
            "std": [0.4, 0.5, 0.6]}
          %s }
        """
        .formatted(SHA, extra);
  }

  @Test
  void readsPreprocessingPostprocessingAndResolvesTheDataDirectory() throws Exception {
    Files.writeString(dir.resolve("labels.txt"), "cat\ndog", StandardCharsets.UTF_8);
    Path path =
        write(
            image(
                ", \"labelsFile\": \"${data.dir}/labels.txt\", \"postprocessing\": {\"softmax\": true}"));

    ModelDescriptor d = ModelDescriptor.read(path, dir);

    assertThat(d.modelFile()).isEqualTo(dir.resolve("models/m.onnx"));
    assertThat(d.labels()).containsExactly("cat", "dog");
    assertThat(d.softmax()).isTrue();
    assertThat(d.preprocessing())
        .contains(
            new Preprocessing(
                Preprocessing.Resize.BILINEAR,
                5,
                4,
                Preprocessing.Channels.BGR,
                Preprocessing.Layout.NCHW,
                255,
                List.of(0.1, 0.2, 0.3),
                List.of(0.4, 0.5, 0.6)));
    assertThat(d.preprocessing().get().rowShape()).containsExactly(3L, 4L, 5L);
  }

  @Test
  void aLabelsFileMayEndWithANewline() throws Exception {
    Files.writeString(dir.resolve("labels.txt"), "a\r\nb\r\n", StandardCharsets.UTF_8);
    ModelDescriptor d = ModelDescriptor.read(write(image(", \"labelsFile\": \"labels.txt\"")), dir);
    assertThat(d.labels()).containsExactly("a", "b");
    assertThat(d.softmax()).isFalse();
  }

  @Test
  void refusesALabelsFileWhoseHashDiffers() throws Exception {
    Files.writeString(dir.resolve("labels.txt"), "a\nb", StandardCharsets.UTF_8);
    Path path = write(image(", \"labelsFile\": \"labels.txt\", \"labelsSha256\": \"" + SHA + "\""));
    assertThatThrownBy(() -> ModelDescriptor.read(path, dir))
        .isInstanceOf(DescriptorException.class)
        .hasMessageContaining("labels file " + dir.resolve("labels.txt"))
        .hasMessageContaining("expects " + SHA);
  }

  @Test
  void refusesTheDataDirectoryPlaceholderWhenNoneIsGiven() throws Exception {
    Path path = write(image(""));
    assertThatThrownBy(() -> ModelDescriptor.read(path))
        .isInstanceOf(DescriptorException.class)
        .hasMessage(
            "model descriptor "
                + path
                + ": field 'file' names the data directory (${data.dir}/models/m.onnx) but none"
                + " was given (configuration key data.dir)");
  }

  @Test
  void namesTheBadPreprocessingValue() throws Exception {
    Path path = write(image("").replace("\"bgr\"", "\"CMYK\""));
    assertThatThrownBy(() -> ModelDescriptor.read(path, dir))
        .isInstanceOf(DescriptorException.class)
        .hasMessageContaining("field 'preprocessing' is invalid")
        .hasMessageContaining("CMYK")
        .hasMessageContaining("channels: RGB, BGR or GRAY");
    Path noWidth = write(image("").replace("\"width\": 5,", ""));
    assertThatThrownBy(() -> ModelDescriptor.read(noWidth, dir))
        .hasMessageContaining("required field 'preprocessing.width' is missing");
  }

  @Test
  void theVisionDescriptorsLoadFromTheDataDirectoryWithTheirHashes() throws Exception {
    try (ModelRunner mobilenet =
            ModelLoader.load(
                VisionFixtures.descriptor("mobilenetv2-12-int8"), CPU, VisionFixtures.dataDir());
        ModelRunner mnist =
            ModelLoader.load(VisionFixtures.descriptor("mnist-8"), CPU, VisionFixtures.dataDir())) {
      assertThat(mobilenet.descriptor().labels()).hasSize(1000).endsWith("toilet tissue");
      assertThat(mobilenet.inputRowLength()).isEqualTo(3 * 224 * 224);
      assertThat(mnist.descriptor().labels()).hasSize(10);
      assertThat(mnist.descriptor().preprocessing().get().channels())
          .isEqualTo(Preprocessing.Channels.GRAY);
    }
  }

  @Test
  void refusesPreprocessingThatDoesNotMakeTheInputShape() throws Exception {
    String json =
        Files.readString(VisionFixtures.descriptor("mnist-8"))
            .replace("\"width\": 28", "\"width\": 27");
    Path path = write(json);
    assertThatThrownBy(() -> ModelLoader.load(path, CPU, VisionFixtures.dataDir()))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("field 'preprocessing' makes images of shape [1, 28, 27]")
        .hasMessageContaining("input 'Input3' takes [1, 28, 28] per row");
  }
}
