package io.sluice.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Running batches through real models: fixed batch of 1 (mnist-8) and dynamic (MobileNetV2). */
class ModelRunnerRunTest {
  private static final InferenceSettings CPU =
      InferenceSettings.defaults().withProvider(ExecutionProvider.CPU);

  private static ModelRunner mnist;
  private static ModelRunner mobilenet;

  @BeforeAll
  static void loadModels(@TempDir Path dir) throws Exception {
    mnist = ModelLoader.load(TestModels.write(dir, TestModels.mnistDescriptor(dir)), CPU);
    mobilenet = ModelLoader.load(TestModels.write(dir, TestModels.mobilenetDescriptor(dir)), CPU);
  }

  @AfterAll
  static void closeModels() {
    mnist.close();
    mobilenet.close();
  }

  @Test
  void classifiesRealMnistDigitsOneRowPerCall() {
    List<float[]> images = TestModels.mnistImages(16);
    int[] labels = TestModels.mnistLabels(16);

    float[][] logits = mnist.run(images);

    assertThat(logits).hasNumberOfRows(16);
    int[] predicted = new int[16];
    for (int i = 0; i < 16; i++) {
      assertThat(logits[i]).hasSize(10);
      predicted[i] = TestModels.argmax(logits[i]);
      assertThat(logits[i]).containsExactly(mnist.run(List.of(images.get(i)))[0]);
    }
    assertThat(predicted).containsExactly(labels);
  }

  @Test
  void mobilenetBatchEqualsRowByRow() {
    List<float[]> rows = TestModels.noiseRows(4, TestModels.MOBILENET_ROW, 1);

    float[][] batch = mobilenet.run(rows);

    assertThat(batch).hasNumberOfRows(4);
    for (int i = 0; i < rows.size(); i++) {
      float[] single = mobilenet.run(List.of(rows.get(i)))[0];
      assertThat(batch[i]).hasSize(1000).containsExactly(single, offset(1e-5f));
    }
    assertThat(batch[0]).isNotEqualTo(batch[1]);
  }

  @Test
  void aSubListOfABatchGivesTheSameRowsAsTheWholeBatch() {
    List<float[]> rows = TestModels.noiseRows(4, TestModels.MOBILENET_ROW, 2);
    float[][] whole = mobilenet.run(rows);

    float[][] firstHalf = mobilenet.run(rows.subList(0, 2));
    float[][] secondHalf = mobilenet.run(rows.subList(2, 4));

    assertThat(firstHalf[0]).containsExactly(whole[0], offset(1e-5f));
    assertThat(firstHalf[1]).containsExactly(whole[1], offset(1e-5f));
    assertThat(secondHalf[0]).containsExactly(whole[2], offset(1e-5f));
    assertThat(secondHalf[1]).containsExactly(whole[3], offset(1e-5f));
  }

  @Test
  void concurrentRunsFromTwoThreadsMatchSequentialRuns() throws Exception {
    List<List<float[]>> batches = new ArrayList<>();
    for (int b = 0; b < 6; b++) {
      batches.add(TestModels.noiseRows(1 + b % 3, TestModels.MOBILENET_ROW, 100 + b));
    }
    List<float[][]> sequential = new ArrayList<>();
    for (List<float[]> batch : batches) {
      sequential.add(mobilenet.run(batch));
    }

    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<float[][]>> concurrent = new ArrayList<>();
      for (List<float[]> batch : batches) {
        concurrent.add(pool.submit(() -> mobilenet.run(batch)));
      }
      for (int b = 0; b < batches.size(); b++) {
        float[][] expected = sequential.get(b);
        float[][] actual = concurrent.get(b).get();
        assertThat(actual).hasNumberOfRows(expected.length);
        for (int i = 0; i < expected.length; i++) {
          assertThat(actual[i]).containsExactly(expected[i], offset(1e-5f));
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void anEmptyBatchGivesNoRows() {
    assertThat(mobilenet.run(List.of())).isEmpty();
  }

  @Test
  void rejectsARowOfTheWrongLengthNamingItsIndex() {
    List<float[]> rows = new ArrayList<>(TestModels.noiseRows(3, TestModels.MNIST_ROW, 3));
    rows.set(2, new float[TestModels.MNIST_ROW - 1]);

    assertThatThrownBy(() -> mnist.run(rows))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "model mnist:8: row 2 of 3 has 783 values, input 'Input3' expects 784 (shape [1, 28,"
                + " 28] per row)");
  }

  @Test
  void rejectsANullRowNamingItsIndex() {
    List<float[]> rows = new ArrayList<>();
    rows.add(new float[TestModels.MOBILENET_ROW]);
    rows.add(null);

    assertThatThrownBy(() -> mobilenet.run(rows))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("model mobilenetv2-int8:12: row 1 of 2 is null");
  }

  @Test
  void failsFastWhenUsedAfterClose(@TempDir Path dir) throws Exception {
    ModelRunner runner =
        ModelLoader.load(TestModels.write(dir, TestModels.mnistDescriptor(dir)), CPU);
    runner.close();
    runner.close();

    assertThatThrownBy(() -> runner.run(List.of(new float[TestModels.MNIST_ROW])))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("model runner mnist:8 is closed");
  }
}
