package io.sluice.loadtests;

import io.sluice.inference.ExecutionProvider;
import io.sluice.inference.InferenceSettings;
import io.sluice.inference.ModelLoadException;
import io.sluice.inference.ModelLoader;
import io.sluice.inference.ModelRunner;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * {@code load-tests/run-gpu-check}'s model step: loads every model descriptor given with the {@code
 * cuda} provider, which fails if CUDA does not load, and checks each model's golden rows (outputs
 * recorded on the CPU when the model was made) within the fidelity tests' tolerance ({@link
 * ModelLoader}'s golden check). Exit status 1 if any model fails.
 */
public final class GpuCheck {
  private GpuCheck() {}

  public static void main(String[] args) {
    if (args.length < 2) {
      System.err.println("usage: GpuCheck DATA_DIR DESCRIPTOR.json...");
      System.exit(2);
    }
    Path dataDir = Path.of(args[0]);
    int failed = 0;
    for (String descriptor : List.of(args).subList(1, args.length)) {
      InferenceSettings cuda = new InferenceSettings(ExecutionProvider.CUDA, 0, 1, 1, true);
      try (ModelRunner runner = ModelLoader.load(Path.of(descriptor), cuda, dataDir)) {
        System.out.printf(
            Locale.ROOT,
            "ok    %s:%s on %s, golden rows match the CPU's%n",
            runner.name(),
            runner.version(),
            runner.activeProvider().configName());
      } catch (ModelLoadException | RuntimeException e) {
        failed++;
        System.out.printf(Locale.ROOT, "FAIL  %s: %s%n", descriptor, e.getMessage());
      }
    }
    System.exit(failed == 0 ? 0 : 1);
  }
}
