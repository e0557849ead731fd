package io.sluice.cli;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code sluice} command. */
@Command(
    name = "sluice",
    mixinStandardHelpOptions = true,
    version = "sluice 0.1.0",
    description = "Streaming inference on Apache Kafka: micro-batched ONNX Runtime models.",
    subcommands = {
      RunCommand.class,
      DemoCommand.class,
      TrainCommand.class,
      ProduceCommand.class,
      ReplayCommand.class,
      ModelCommand.class,
      StackCommand.class,
      TailCommand.class
    })
public final class Main implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /**
   * Tribuo logs its training progress through java.util.logging, in a format of its own; held here
   * so that the level set in {@link #main} stays set (JUL keeps loggers weakly).
   */
  private static final java.util.logging.Logger TRIBUO =
      java.util.logging.Logger.getLogger("org.tribuo");

  public static void main(String[] args) {
    TRIBUO.setLevel(java.util.logging.Level.WARNING);
    System.exit(execute(args));
  }

  /** Runs the command line and returns the exit code. */
  public static int execute(String... args) {
    return execute(
        new PrintWriter(System.out, true, StandardCharsets.UTF_8),
        new PrintWriter(System.err, true, StandardCharsets.UTF_8),
        args);
  }

  /** Runs the command line with the given output streams and returns the exit code. */
  public static int execute(PrintWriter out, PrintWriter err, String... args) {
    CommandLine cli = commandLine();
    cli.setOut(out);
    cli.setErr(err);
    cli.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          commandLine.getErr().println("sluice: " + Errors.describe(e));
          return 2;
        });
    return cli.execute(args);
  }

  /**
   * The command tree, with {@code --help} and {@code --version} on every command and subcommand
   * (those added later too).
   */
  static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new Main());
    withHelp(cli, cli.getCommandSpec().version());
    return cli;
  }

  private static void withHelp(CommandLine command, String[] version) {
    CommandLine.Model.CommandSpec spec = command.getCommandSpec();
    if (!spec.mixinStandardHelpOptions()) {
      spec.mixinStandardHelpOptions(true);
    }
    if (spec.version().length == 0) {
      spec.version(version);
    }
    command.getSubcommands().values().forEach(sub -> withHelp(sub, version));
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
