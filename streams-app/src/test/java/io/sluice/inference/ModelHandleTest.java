package io.sluice.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The handle a swap replaces, over two real loads of the mnist-8 fixture. */
class ModelHandleTest {
  private static final InferenceSettings CPU =
      InferenceSettings.defaults().withProvider(ExecutionProvider.CPU);

  @TempDir Path dir;

  private ModelRunner load(String version) throws ModelLoadException {
    Map<String, Object> descriptor = TestModels.mnistDescriptor(dir);
    descriptor.put("version", version);
    return ModelLoader.load(TestModels.write(dir, descriptor), CPU);
  }

  private static List<float[]> oneImage() {
    return TestModels.mnistImages(1);
  }

  @Test
  void swapServesTheNextRunnerAndHandsBackThePreviousOne() throws Exception {
    ModelRunner first = load("1");
    ModelRunner second = load("2");
    try (ModelHandle handle = new ModelHandle(first)) {
      assertThat(handle.current()).isSameAs(first);

      ModelRunner previous = handle.swap(second);

      assertThat(previous).isSameAs(first);
      assertThat(handle.current()).isSameAs(second);
      assertThat(handle.current().version()).isEqualTo("2");
      // The previous runner is the caller's now: the handle did not close it.
      assertThat(previous.run(oneImage())).hasDimensions(1, 10);
      previous.close();
    }
  }

  @Test
  void closeClosesTheServingRunner() throws Exception {
    ModelRunner runner = load("1");
    ModelHandle handle = new ModelHandle(runner);

    handle.close();

    assertThatThrownBy(() -> runner.run(oneImage()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("model runner mnist:1 is closed");
  }

  @Test
  void refusesUseAfterClose() throws Exception {
    ModelRunner runner = load("1");
    ModelRunner other = load("2");
    ModelHandle handle = new ModelHandle(runner);
    handle.close();

    assertThatThrownBy(handle::current)
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("model handle is closed");
    assertThatThrownBy(() -> handle.swap(other))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("model handle is closed");
    handle.close(); // idempotent
    other.close();
  }
}
