package io.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/**
 * {@code --help} on every command and subcommand of the tree (read from picocli, so a command added
 * later is covered without touching this test), and misuse answered with the usage.
 */
class HelpTest {

  private record Result(int exitCode, String out, String err) {}

  private static Result execute(List<String> args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int rc =
        Main.execute(
            new PrintWriter(out, true), new PrintWriter(err, true), args.toArray(String[]::new));
    return new Result(rc, out.toString(), err.toString());
  }

  /** The path of names from the root to every command: [], [run], [model, list], ... */
  static Stream<List<String>> commands() {
    List<List<String>> paths = new ArrayList<>();
    collect(Main.commandLine(), new ArrayList<>(), paths);
    return paths.stream();
  }

  private static void collect(CommandLine command, List<String> path, List<List<String>> out) {
    out.add(List.copyOf(path));
    command
        .getSubcommands()
        .forEach(
            (name, sub) -> {
              if (name.equals(sub.getCommandName())) { // aliases lead to the same command
                List<String> next = new ArrayList<>(path);
                next.add(name);
                collect(sub, next, out);
              }
            });
  }

  @ParameterizedTest
  @MethodSource("commands")
  void everyCommandAnswersHelpWithItsUsage(List<String> path) {
    List<String> args = new ArrayList<>(path);
    args.add("--help");
    Result r = execute(args);
    assertThat(r.exitCode()).as("exit code of %s (stderr: %s)", args, r.err()).isZero();
    assertThat(r.out())
        .contains(String.join(" ", usagePrefix(path)))
        .contains("--help")
        .contains("--version");
  }

  @ParameterizedTest
  @MethodSource("commands")
  void anUnknownOptionPrintsTheUsageAndExitsWithTwo(List<String> path) {
    List<String> args = new ArrayList<>(path);
    args.add("--no-such-option");
    Result r = execute(args);
    assertThat(r.exitCode()).isEqualTo(2);
    // A required parameter missing is reported first where there is one; either way, the usage.
    assertThat(r.err())
        .containsAnyOf("Unknown option: '--no-such-option'", "Missing required")
        .contains(String.join(" ", usagePrefix(path)));
  }

  private static List<String> usagePrefix(List<String> path) {
    List<String> prefix = new ArrayList<>(List.of("Usage:", "sluice"));
    prefix.addAll(path);
    return prefix;
  }

  @Test
  void theTreeHoldsTheCommandsThisTestWasWrittenFor() {
    assertThat(commands().filter(p -> p.size() == 1).map(p -> p.get(0)))
        .contains("run", "demo", "train", "produce", "replay");
  }

  @Test
  void optionDefaultsAreShown() {
    Result r = execute(List.of("produce", "--help"));
    assertThat(r.out()).contains("Events per second (default: 200)");
  }
}
