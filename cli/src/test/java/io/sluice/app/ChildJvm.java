package io.sluice.app;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/** The {@code sluice} command line run in a JVM of its own, on the tests' classpath. */
final class ChildJvm {
  private ChildJvm() {}

  /** Writes a configuration as a properties file for {@code sluice run --config}. */
  static void writeProperties(Path file, Map<String, String> c, String comment) throws IOException {
    Properties p = new Properties();
    p.putAll(c);
    try (OutputStream o = Files.newOutputStream(file)) {
      p.store(o, comment);
    }
  }

  /** Starts {@code sluice run --config config}, its output to {@code log}. */
  static Process run(Path config, Path log) throws IOException {
    return start(log, null, Map.of(), "run", "--config", config.toString());
  }

  /**
   * Starts {@code sluice args...} with more environment variables, its standard output to {@code
   * out} and its standard error to {@code err} (to {@code out} as well if null).
   */
  static Process start(Path out, Path err, Map<String, String> env, String... args)
      throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>();
    command.addAll(
        List.of(java, "-cp", System.getProperty("java.class.path"), "io.sluice.cli.Main"));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().putAll(env);
    pb.redirectOutput(out.toFile());
    if (err == null) {
      pb.redirectErrorStream(true);
    } else {
      pb.redirectError(err.toFile());
    }
    return pb.start();
  }

  /** The last lines of a child's log, for a failure message. */
  static String tail(Path log, int lines) {
    try {
      List<String> all = Files.readAllLines(log);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }
}
