package io.sluice.cli;

import io.sluice.models.fraud.FraudModelTrainer;
import io.sluice.models.intrusion.IntrusionModelTrainer;
import io.sluice.models.recs.RecommenderTrainer;
import io.sluice.samples.Demo;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code sluice train fraud|intrusion|recs}: trains one of the project's own models from the data
 * directory.
 */
@Command(
    name = "train",
    description = "Train one of the project's own models (fraud, intrusion, recs).")
final class TrainCommand implements Callable<Integer> {

  @Parameters(index = "0", description = "Model to train: fraud, intrusion or recs.")
  String model;

  @Option(names = "--data-dir", description = "Data directory (default: ${DEFAULT-VALUE}).")
  Path dataDir = Demo.defaultDataDir();

  @Option(
      names = "--out-dir",
      description = "Where to write the model (default: .sluice/models/<model>).")
  Path outDir;

  @Option(names = "--seed", description = "Split seed (default: ${DEFAULT-VALUE}).")
  long seed = 42;

  @Option(
      names = "--algorithm",
      description =
          "Fraud model algorithm: logreg, or fm (a factorization machine challenger)"
              + " (default: ${DEFAULT-VALUE}).")
  String algorithm = "logreg";

  @Override
  public Integer call() throws Exception {
    Path out = outDir != null ? outDir : Demo.MODELS_DIR.resolve(model);
    switch (model) {
      case "fraud" ->
          System.out.println(
              FraudModelTrainer.train(
                      dataDir, out, seed, FraudModelTrainer.Algorithm.parse(algorithm))
                  .summary());
      case "intrusion" ->
          System.out.println(IntrusionModelTrainer.train(dataDir, out, seed).summary());
      case "recs" -> System.out.println(RecommenderTrainer.train(dataDir, out, seed).summary());
      default ->
          throw new IllegalArgumentException(
              "unknown model '" + model + "', expected one of [fraud, intrusion, recs]");
    }
    return 0;
  }
}
