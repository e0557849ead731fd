package io.sluice.inference;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.GZIPInputStream;

/** The real models in the shared data directory, and descriptors for them written at test time. */
final class TestModels {
  static final String MNIST_INPUT = "Input3";
  static final String MNIST_OUTPUT = "Plus214_Output_0";
  static final int MNIST_ROW = 28 * 28;
  static final int MOBILENET_ROW = 3 * 224 * 224;

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private TestModels() {}

  static Path dataDir() {
    String dir = System.getProperty("sluice.data.dir");
    assertThat(dir).as("system property sluice.data.dir (set by the build)").isNotNull();
    Path path = Path.of(dir).toAbsolutePath().normalize();
    assertThat(path.resolve("vision/models")).as("data directory %s", path).isDirectory();
    return path;
  }

  static Path mnistModel() {
    return dataDir().resolve("vision/models/mnist-8.onnx");
  }

  static Path mobilenetModel() {
    return dataDir().resolve("vision/models/mobilenetv2-12-int8.onnx");
  }

  /** A descriptor for mnist-8 as its signature really is; tests change fields to break it. */
  static Map<String, Object> mnistDescriptor(Path descriptorDir) {
    return descriptor(
        "mnist",
        "8",
        descriptorDir,
        mnistModel(),
        tensor(MNIST_INPUT, List.of(1, 1, 28, 28)),
        tensor(MNIST_OUTPUT, List.of(1, 10)));
  }

  static Map<String, Object> mobilenetDescriptor(Path descriptorDir) {
    return descriptor(
        "mobilenetv2-int8",
        "12",
        descriptorDir,
        mobilenetModel(),
        tensor("input", List.of(-1, 3, 224, 224)),
        tensor("output", List.of(-1, 1000)));
  }

  static Map<String, Object> tensor(String name, List<Integer> shape) {
    Map<String, Object> tensor = new LinkedHashMap<>();
    tensor.put("name", name);
    tensor.put("type", "FLOAT");
    tensor.put("shape", shape);
    return tensor;
  }

  static Path write(Path dir, Map<String, Object> descriptor) {
    Path path = dir.resolve(descriptor.get("name") + "-" + descriptor.get("version") + ".json");
    try {
      MAPPER.writerWithDefaultPrettyPrinter().writeValue(path.toFile(), descriptor);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return path;
  }

  static String sha256(Path file) {
    try {
      return HexFormat.of()
          .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The first {@code count} MNIST test images as raw 0..255 pixels, and their labels. */
  static List<float[]> mnistImages(int count) {
    Path dir = dataDir().resolve("vision/mnist");
    byte[] pixels = gunzipPrefix(dir.resolve("t10k-images-idx3-ubyte.gz"), 16 + count * MNIST_ROW);
    List<float[]> images = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      float[] image = new float[MNIST_ROW];
      for (int p = 0; p < MNIST_ROW; p++) {
        image[p] = pixels[16 + i * MNIST_ROW + p] & 0xff;
      }
      images.add(image);
    }
    return images;
  }

  static int[] mnistLabels(int count) {
    byte[] bytes =
        gunzipPrefix(dataDir().resolve("vision/mnist/t10k-labels-idx1-ubyte.gz"), 8 + count);
    int[] labels = new int[count];
    for (int i = 0; i < count; i++) {
      labels[i] = bytes[8 + i];
    }
    return labels;
  }

  /** Seeded normal noise rows, in the range of normalised image pixels. */
  static List<float[]> noiseRows(int count, int length, long seed) {
    Random random = new Random(seed);
    List<float[]> rows = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      float[] row = new float[length];
      for (int j = 0; j < length; j++) {
        row[j] = (float) random.nextGaussian();
      }
      rows.add(row);
    }
    return rows;
  }

  static int argmax(float[] values) {
    int best = 0;
    for (int i = 1; i < values.length; i++) {
      if (values[i] > values[best]) {
        best = i;
      }
    }
    return best;
  }

  private static Map<String, Object> descriptor(
      String name,
      String version,
      Path descriptorDir,
      Path model,
      Map<String, Object> input,
      Map<String, Object> output) {
    Map<String, Object> descriptor = new LinkedHashMap<>();
    descriptor.put("name", name);
    descriptor.put("version", version);
    descriptor.put(
        "file", descriptorDir.toAbsolutePath().relativize(model.toAbsolutePath()).toString());
    descriptor.put("sha256", sha256(model));
    descriptor.put("inputs", new ArrayList<>(List.of(input)));
    descriptor.put("outputs", new ArrayList<>(List.of(output)));
    return descriptor;
  }

  private static byte[] gunzipPrefix(Path file, int length) {
    try (InputStream in = new GZIPInputStream(Files.newInputStream(file))) {
      byte[] bytes = in.readNBytes(length);
      assertThat(bytes).as("first %d bytes of %s", length, file).hasSize(length);
      return bytes;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
