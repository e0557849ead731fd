package io.sluice.cli;

import io.sluice.app.ModelControl;
import io.sluice.config.SluiceConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.function.UnaryOperator;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code sluice model status|deploy|canary|shadow|promote|rollback --config FILE}: writes the
 * pipeline's desired model versions to its control topic, which every instance follows, and shows
 * what each instance serves and refused, from the status topic.
 */
@Command(
    name = "model",
    mixinStandardHelpOptions = true,
    description =
        "Roll out, canary, shadow, promote and roll back model versions of a running pipeline,"
            + " on every instance, without stopping it.",
    subcommands = {
      ModelCommand.Status.class,
      ModelCommand.Deploy.class,
      ModelCommand.Canary.class,
      ModelCommand.Shadow.class,
      ModelCommand.Promote.class,
      ModelCommand.Rollback.class
    })
final class ModelCommand implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** What every subcommand shares: the configuration, and a change written to the control topic. */
  abstract static class Change implements Callable<Integer> {
    @Mixin ConfigOptions configOptions = new ConfigOptions();

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    abstract UnaryOperator<ModelControl.State> change(SluiceConfig config);

    @Override
    public Integer call() {
      SluiceConfig config = configOptions.load();
      ModelControl.State written = ModelControl.update(config, change(config));
      PrintWriter out = spec.commandLine().getOut();
      out.printf(
          "pipeline %s: wrote to %s: %s%n",
          config.pipeline().name(), config.models().controlTopic(), ModelControl.describe(written));
      out.println("every instance applies it at its next batch; see `sluice model status`");
      out.flush();
      return 0;
    }
  }

  @Command(
      name = "status",
      mixinStandardHelpOptions = true,
      description =
          "Show the desired versions and, per instance, which versions it serves, since when, and"
              + " which it refused and why.")
  static final class Status implements Callable<Integer> {
    @Mixin ConfigOptions configOptions = new ConfigOptions();

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      out.print(ModelControl.report(configOptions.load()));
      out.flush();
      return 0;
    }
  }

  @Command(
      name = "deploy",
      mixinStandardHelpOptions = true,
      description =
          "Make a model version the champion on every instance (any challenger is dropped); the"
              + " old champion is remembered for a rollback. Each instance loads it beside the one"
              + " serving, checks it (sha256, signature, golden rows, warm-up) and swaps at a batch"
              + " boundary, or refuses it and keeps serving the old one.")
  static final class Deploy extends Change {
    @Parameters(index = "0", paramLabel = "DESCRIPTOR", description = "The version's descriptor.")
    Path descriptor;

    @Override
    UnaryOperator<ModelControl.State> change(SluiceConfig config) {
      return s -> s.deploy(descriptor.toString(), config.models().historySize());
    }
  }

  @Command(
      name = "canary",
      mixinStandardHelpOptions = true,
      description =
          "Score a share of the keys with a challenger, chosen by a stable hash of the record key"
              + " (a key always sees the same version); its predictions and alerts are real.")
  static final class Canary extends Change {
    @Parameters(
        index = "0",
        paramLabel = "DESCRIPTOR",
        description = "The challenger's descriptor.")
    Path descriptor;

    @Option(
        names = "--share",
        defaultValue = "0.2",
        description = "Share of the keys on the challenger, in (0, 1] (default: ${DEFAULT-VALUE}).")
    double share;

    @Override
    UnaryOperator<ModelControl.State> change(SluiceConfig config) {
      return s -> s.canary(descriptor.toString(), share);
    }
  }

  @Command(
      name = "shadow",
      mixinStandardHelpOptions = true,
      description =
          "Score every record with a challenger beside the champion; its predictions go to"
              + " pipeline.shadow.output.topic, never to the output or the alerts.")
  static final class Shadow extends Change {
    @Parameters(
        index = "0",
        paramLabel = "DESCRIPTOR",
        description = "The challenger's descriptor.")
    Path descriptor;

    @Override
    UnaryOperator<ModelControl.State> change(SluiceConfig config) {
      return s -> s.shadow(descriptor.toString());
    }
  }

  @Command(
      name = "promote",
      mixinStandardHelpOptions = true,
      description = "Make the challenger (canary or shadow) the champion on every instance.")
  static final class Promote extends Change {
    @Override
    UnaryOperator<ModelControl.State> change(SluiceConfig config) {
      return s -> s.promote(config.models().historySize());
    }
  }

  @Command(
      name = "rollback",
      mixinStandardHelpOptions = true,
      description =
          "Serve the previous champion again, alone, on every instance (the control topic"
              + " remembers model.history.size of them).")
  static final class Rollback extends Change {
    @Override
    UnaryOperator<ModelControl.State> change(SluiceConfig config) {
      return ModelControl.State::rollback;
    }
  }
}
