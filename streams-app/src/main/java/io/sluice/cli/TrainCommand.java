package io.sluice.cli;

import io.sluice.models.fraud.FraudModelTrainer;
import io.sluice.models.fraud.TrainingReport;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code sluice train fraud}: trains the project's own fraud model from the data directory. */
@Command(name = "train", description = "Train one of the project's own models (fraud).")
final class TrainCommand implements Callable<Integer> {

  @Parameters(index = "0", description = "Model to train: fraud.")
  String model;

  @Option(names = "--data-dir", description = "Data directory (default: ${DEFAULT-VALUE}).")
  Path dataDir = Demo.defaultDataDir();

  @Option(
      names = "--out-dir",
      description = "Where to write the model (default: ${DEFAULT-VALUE}).")
  Path outDir = Demo.MODELS_DIR.resolve("fraud");

  @Option(names = "--seed", description = "Split seed (default: ${DEFAULT-VALUE}).")
  long seed = 42;

  @Override
  public Integer call() throws Exception {
    if (!"fraud".equals(model)) {
      throw new IllegalArgumentException("unknown model '" + model + "', expected one of [fraud]");
    }
    TrainingReport report = FraudModelTrainer.train(dataDir, outDir, seed);
    System.out.println(report.summary());
    return 0;
  }
}
