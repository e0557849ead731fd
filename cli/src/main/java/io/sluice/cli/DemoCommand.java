package io.sluice.cli;

import io.sluice.embedded.EmbeddedStack;
import io.sluice.samples.Demo;
import io.sluice.samples.FraudDemo;
import io.sluice.samples.ImageDemo;
import io.sluice.samples.IntrusionDemo;
import io.sluice.samples.RecsDemo;
import io.sluice.samples.RolloutDemo;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code sluice demo [fraud] [intrusion] [recs] [vision] | rollout}: starts the embedded broker and
 * registry and runs the named pipelines over the sample data (all of them by default).
 */
@Command(
    name = "demo",
    description = "Run pipelines end to end on an embedded broker and registry.")
final class DemoCommand implements Callable<Integer> {
  private static final List<String> PIPELINES = List.of("fraud", "intrusion", "recs", "vision");

  /** Not part of the default: the model lifecycle on the fraud pipeline, two instances. */
  private static final String ROLLOUT = "rollout";

  @Parameters(
      arity = "0..*",
      description =
          "Pipelines to run: ${COMPLETION-CANDIDATES}; default all; or rollout (the model"
              + " lifecycle on two fraud instances).",
      completionCandidates = Candidates.class)
  List<String> pipelines = PIPELINES;

  @Option(names = "--data-dir", description = "Data directory (default: ${DEFAULT-VALUE}).")
  Path dataDir = Demo.defaultDataDir();

  static final class Candidates extends java.util.ArrayList<String> {
    private static final long serialVersionUID = 1L;

    Candidates() {
      super(PIPELINES);
    }
  }

  @Override
  public Integer call() throws Exception {
    for (String p : pipelines) {
      if (!PIPELINES.contains(p) && !p.equals(ROLLOUT)) {
        throw new IllegalArgumentException(
            "unknown pipeline '" + p + "', expected one of " + PIPELINES + " or " + ROLLOUT);
      }
    }
    if (!java.nio.file.Files.isDirectory(dataDir)) {
      throw new IllegalArgumentException(
          "data directory "
              + dataDir.toAbsolutePath()
              + " does not exist; set --data-dir or SLUICE_DATA_DIR");
    }
    int rc = 0;
    try (EmbeddedStack stack = EmbeddedStack.start()) {
      for (String p : pipelines) {
        if (p.equals("fraud")) {
          rc = Math.max(rc, new FraudDemo(dataDir, Demo.MODELS_DIR, System.out).run(stack));
        } else if (p.equals("intrusion")) {
          rc = Math.max(rc, new IntrusionDemo(dataDir, Demo.MODELS_DIR, System.out).run(stack));
        } else if (p.equals("recs")) {
          rc = Math.max(rc, new RecsDemo(dataDir, Demo.MODELS_DIR, System.out).run(stack));
        } else if (p.equals(ROLLOUT)) {
          rc = Math.max(rc, new RolloutDemo(dataDir, Demo.MODELS_DIR, System.out).run(stack));
        } else if (p.equals("vision")) {
          rc =
              Math.max(
                  rc, new ImageDemo(dataDir, Demo.visionDescriptorsDir(), System.out).run(stack));
        }
      }
    }
    return rc;
  }
}
