package io.sluice.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.inference.ModelHandle.Mode;
import io.sluice.inference.ModelVersions.Desired;
import io.sluice.inference.ModelVersions.Refusal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Loading versions beside the one serving, refusing bad ones while the old serves on, and swapping
 * at a batch boundary, on real loads of the mnist-8 fixture.
 */
class ModelVersionsTest {
  private static final InferenceSettings CPU =
      InferenceSettings.defaults().withProvider(ExecutionProvider.CPU);

  @TempDir Path dir;

  private final List<Refusal> refusals = new ArrayList<>();
  private ModelHandle handle;
  private ModelVersions versions;

  @BeforeEach
  void serveVersionOne() throws Exception {
    Path one = descriptor("1", TestModels.mnistDescriptor(dir));
    handle = new ModelHandle(ModelLoader.load(one, CPU));
    versions =
        new ModelVersions(
            "digits",
            handle,
            one.toString(),
            d -> ModelLoader.load(Path.of(d), CPU),
            2,
            new ModelVersions.Listener() {
              @Override
              public void refused(Refusal refusal) {
                refusals.add(refusal);
              }
            });
  }

  @AfterEach
  void close() {
    handle.close();
  }

  private Path descriptor(String version, Map<String, Object> json) {
    json.put("version", version);
    return TestModels.write(dir, json);
  }

  private void assertRefusedAndVersionOneServes(Path bad, String check, String numbers) {
    assertThat(versions.apply(Desired.champion(bad.toString()))).isFalse();

    assertThat(refusals).hasSize(1);
    assertThat(refusals.get(0).descriptor()).isEqualTo(bad.toString());
    assertThat(refusals.get(0).check()).isEqualTo(check);
    assertThat(refusals.get(0).reason()).contains(numbers);
    assertThat(handle.current().version()).isEqualTo("1");
    assertThat(handle.current().run(TestModels.mnistImages(1))).hasDimensions(1, 10);
    assertThat(versions.status().refused()).containsExactly(refusals.get(0));
  }

  @Test
  void refusesACorruptFile() throws Exception {
    Path corrupt = dir.resolve("corrupt.onnx");
    Files.write(corrupt, "not a model".getBytes(StandardCharsets.UTF_8));
    Map<String, Object> json = TestModels.mnistDescriptor(dir);
    json.put("file", corrupt.getFileName().toString());
    json.put("sha256", TestModels.sha256(corrupt));

    assertRefusedAndVersionOneServes(
        descriptor("2", json), "session", "cannot be loaded by ONNX Runtime");
  }

  @Test
  void refusesASha256Mismatch() {
    Map<String, Object> json = TestModels.mnistDescriptor(dir);
    json.put("sha256", "0".repeat(64));

    assertRefusedAndVersionOneServes(
        descriptor("2", json),
        "sha256",
        "has sha256 " + TestModels.sha256(TestModels.mnistModel()) + ", descriptor");
  }

  @Test
  void refusesAWrongInputSignature() {
    Map<String, Object> json = TestModels.mnistDescriptor(dir);
    json.put("inputs", List.of(TestModels.tensor(TestModels.MNIST_INPUT, List.of(1, 1, 28, 27))));

    assertRefusedAndVersionOneServes(
        descriptor("2", json), "signature", "has shape [1, 1, 28, 28], descriptor declares");
  }

  @Test
  void refusesAVersionThatTakesOtherFeaturesThanThePipeline() {
    Map<String, Object> json = TestModels.mnistDescriptor(dir);
    json.put("labels", List.of("a", "b", "c", "d", "e", "f", "g", "h", "i", "j"));

    assertRefusedAndVersionOneServes(
        descriptor("2", json), "signature", "labels [a, b, c, d, e, f, g, h, i, j]");
  }

  @Test
  void refusesAGoldenRowMismatch() {
    Map<String, Object> json = TestModels.mnistDescriptor(dir);
    json.put(
        "golden",
        Map.of(
            "inputs", List.of(new float[TestModels.MNIST_ROW]), "outputs", List.of(new float[10])));

    assertRefusedAndVersionOneServes(
        descriptor("2", json), "golden", "golden output row 0 value 0 is ");
  }

  @Test
  void swapsAtABatchBoundaryAndClosesTheOldVersionAfterItsLastBatch() {
    Path two = descriptor("2", TestModels.mnistDescriptor(dir));
    ModelHandle.Lease batchInFlight = handle.lease();
    ModelRunner one = batchInFlight.serving().champion();

    assertThat(versions.apply(Desired.champion(two.toString()))).isTrue();

    // The next batch gets version 2; the one in flight finishes on version 1, still open.
    try (ModelHandle.Lease next = handle.lease()) {
      assertThat(next.serving().champion().version()).isEqualTo("2");
    }
    assertThat(one.run(TestModels.mnistImages(1))).hasDimensions(1, 10);
    batchInFlight.close();
    assertThatThrownBy(() -> one.run(TestModels.mnistImages(1)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("model runner mnist:1 is closed");
    assertThat(versions.status().champion().id()).isEqualTo("mnist:2");
    assertThat(refusals).isEmpty();
  }

  @Test
  void promotesACanaryWithoutReloadingIt() {
    Path two = descriptor("2", TestModels.mnistDescriptor(dir));
    versions.apply(new Desired(versions.applied().champion(), two.toString(), Mode.CANARY, 0.2));
    ModelRunner canary = handle.serving().challenger();
    assertThat(canary.version()).isEqualTo("2");
    assertThat(handle.serving().share()).isEqualTo(0.2);
    assertThat(versions.status().challenger().role()).isEqualTo("canary");

    versions.apply(Desired.champion(two.toString()));

    assertThat(handle.current()).isSameAs(canary);
    assertThat(handle.serving().mode()).isEqualTo(Mode.NONE);
  }

  @Test
  void aCanaryTakesItsShareOfKeysAndAKeyAlwaysTheSameVersion() {
    int keys = 20_000;
    int onChallenger = 0;
    for (int i = 0; i < keys; i++) {
      byte[] key = ("card-" + i).getBytes(StandardCharsets.UTF_8);
      boolean first = KeyShare.onChallenger(key, 0.2);
      assertThat(KeyShare.onChallenger(key.clone(), 0.2)).isEqualTo(first);
      // A larger share keeps every key the smaller one had.
      assertThat(!first || KeyShare.onChallenger(key, 0.5)).isTrue();
      onChallenger += first ? 1 : 0;
    }
    assertThat(onChallenger / (double) keys).isBetween(0.19, 0.21);
    assertThat(KeyShare.onChallenger(null, 0.2)).isFalse();
  }
}
