package io.sluice.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.sluice.inference.ModelVersions.Desired;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fifty swaps leak no native memory: each swap loads a new session of a 3.5 MB model (mobilenetv2
 * int8, tens of MB of native memory per session) beside the serving one and closes the old one
 * after its last batch, so a session left open would show in the process's resident memory.
 */
class ModelSwapMemoryTest {
  private static final InferenceSettings CPU =
      InferenceSettings.defaults().withProvider(ExecutionProvider.CPU);
  private static final Path STATUS = Path.of("/proc/self/status");

  @TempDir Path dir;

  @Test
  void residentMemoryAfterTheFiftiethSwapIsWithinFivePercentOfAfterTheFifth() throws Exception {
    assumeThat(Files.isReadable(STATUS)).as("/proc/self/status (Linux)").isTrue();
    Path[] descriptors = new Path[2];
    for (int i = 0; i < 2; i++) {
      Map<String, Object> json = TestModels.mobilenetDescriptor(dir);
      json.put("version", "v" + i);
      descriptors[i] = TestModels.write(dir, json);
    }
    List<float[]> image = List.of(new float[TestModels.MOBILENET_ROW]);
    long afterFifth = 0;
    try (ModelHandle handle = new ModelHandle(ModelLoader.load(descriptors[0], CPU))) {
      ModelVersions versions =
          new ModelVersions(
              "memory",
              handle,
              descriptors[0].toString(),
              d -> ModelLoader.load(Path.of(d), CPU),
              1,
              new ModelVersions.Listener() {});
      for (int swap = 1; swap <= 50; swap++) {
        try (ModelHandle.Lease batch = handle.lease()) {
          // a batch in flight across the swap: the old session closes when it ends
          assertThat(versions.apply(Desired.champion(descriptors[swap % 2].toString()))).isTrue();
          assertThat(batch.serving().champion().run(image)).hasDimensions(1, 1000);
        }
        assertThat(handle.current().version()).isEqualTo("v" + (swap % 2));
        // A full collection after every swap: the heap's garbage (each load reads the model
        // file) must not count; a session left open is native memory no collection frees.
        long resident = residentBytes();
        if (swap == 5) {
          afterFifth = resident;
        }
      }
      long afterFiftieth = residentBytes();
      System.out.printf(
          "resident memory after swap 5: %d MB, after swap 50: %d MB%n",
          afterFifth >> 20, afterFiftieth >> 20);
      assertThat((double) afterFiftieth)
          .as("resident bytes after swap 50 (after swap 5: %d)", afterFifth)
          .isLessThanOrEqualTo(afterFifth * 1.05);
    }
  }

  /** The process's resident set after a full collection, from /proc/self/status. */
  private static long residentBytes() throws IOException {
    System.gc();
    for (String line : Files.readAllLines(STATUS)) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
      }
    }
    throw new IllegalStateException("no VmRSS in " + STATUS);
  }
}
