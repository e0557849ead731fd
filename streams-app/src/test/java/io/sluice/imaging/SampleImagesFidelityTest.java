package io.sluice.imaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.sluice.inference.ExecutionProvider;
import io.sluice.inference.InferenceSettings;
import io.sluice.inference.ModelLoader;
import io.sluice.inference.ModelRunner;
import io.sluice.topology.Probabilities;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The preprocessing the descriptors declare, run offline through {@link ModelRunner}, reproduces
 * the reference top-5 table of PROVENANCE.md to within 1e-3, and mnist-8 reads the sample digit.
 */
class SampleImagesFidelityTest {
  private static final InferenceSettings CPU =
      InferenceSettings.defaults().withProvider(ExecutionProvider.CPU);
  private static ModelRunner mobilenet;
  private static ModelRunner mnist;
  private static final ImageDecoder DECODER =
      new ImageDecoder(new ImageDecoder.Limits(1 << 24, 1L << 24));

  @BeforeAll
  static void load() throws Exception {
    mobilenet =
        ModelLoader.load(
            VisionFixtures.descriptor("mobilenetv2-12-int8"), CPU, VisionFixtures.dataDir());
    mnist = ModelLoader.load(VisionFixtures.descriptor("mnist-8"), CPU, VisionFixtures.dataDir());
  }

  @AfterAll
  static void close() {
    mobilenet.close();
    mnist.close();
  }

  @Test
  void sampleImagesGiveTheTop5OfTheProvenanceTable() throws Exception {
    ImagePreprocessor pre = new ImagePreprocessor(mobilenet.descriptor().preprocessing().get());
    List<float[]> rows = new ArrayList<>();
    for (VisionFixtures.Expected e : VisionFixtures.MOBILENET_TABLE) {
      rows.add(
          pre.preprocess(
              DECODER.decode(Files.readAllBytes(VisionFixtures.image(e.file()))).image()));
    }
    float[][] logits = mobilenet.run(rows);
    List<String> labels = mobilenet.descriptor().labels();
    assertThat(labels).hasSize(1000).startsWith("tench");
    for (int i = 0; i < logits.length; i++) {
      VisionFixtures.Expected e = VisionFixtures.MOBILENET_TABLE.get(i);
      double[] p = Probabilities.softmax(logits[i]);
      int[] top = Probabilities.topK(p, 5);
      double maxDiff = 0;
      for (Map.Entry<Integer, Double> stated : e.probabilities().entrySet()) {
        maxDiff = Math.max(maxDiff, Math.abs(p[stated.getKey()] - stated.getValue()));
        assertThat(p[stated.getKey()])
            .as("%s p[%d]", e.file(), stated.getKey())
            .isCloseTo(stated.getValue(), within(1e-3));
      }
      assertThat(Arrays.stream(top).boxed().toList()).as(e.file()).isEqualTo(e.top5());
      System.out.printf(
          Locale.ROOT,
          "%-20s top-5 %s  max |p - table| %.2e%n",
          e.file(),
          Arrays.toString(top),
          maxDiff);
    }
  }

  @Test
  void theSampleDigitIsAThree() throws Exception {
    ImagePreprocessor pre = new ImagePreprocessor(mnist.descriptor().preprocessing().get());
    float[] row =
        pre.preprocess(
            DECODER
                .decode(Files.readAllBytes(VisionFixtures.image(VisionFixtures.MNIST_SAMPLE)))
                .image());
    double[] p = Probabilities.softmax(mnist.run(List.of(row))[0]);
    assertThat(Probabilities.topK(p, 1)[0]).isEqualTo(3);
  }
}
