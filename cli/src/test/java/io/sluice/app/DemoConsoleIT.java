package io.sluice.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console of {@code sluice demo fraud intrusion}, as a user sees it: the report, no ERROR line,
 * and no WARN from a library (Sluice's own warnings, such as drift, are the report's business).
 */
class DemoConsoleIT {
  private static final Path DATA_DIR =
      Path.of(System.getProperty("sluice.data.dir", "../shared/data")).toAbsolutePath();
  private static final Pattern LEVEL = Pattern.compile("^\\S+ (ERROR|WARN) +\\[[^]]*] (\\S+)");

  @TempDir Path work;

  @Test
  void theFraudAndIntrusionDemosPrintNoErrorAndNoLibraryWarning() throws Exception {
    Path out = work.resolve("demo.out");
    Path err = work.resolve("demo.err");
    Process demo =
        ChildJvm.start(
            out, err, Map.of(), "demo", "fraud", "intrusion", "--data-dir", DATA_DIR.toString());
    try {
      assertThat(demo.waitFor(10, TimeUnit.MINUTES)).isTrue();
      assertThat(demo.exitValue()).as(ChildJvm.tail(err, 40)).isZero();
    } finally {
      demo.descendants().forEach(ProcessHandle::destroyForcibly);
      demo.destroyForcibly();
    }
    List<String> console = Files.readAllLines(err);
    console.addAll(Files.readAllLines(out));
    for (String line : console) {
      assertThat(line).as("console line").doesNotContain("ERROR");
      var m = LEVEL.matcher(line);
      if (m.find()) {
        assertThat(m.group(2)).as("logger of: %s", line).matches("(io\\.sluice|i\\.s)\\..*");
      }
    }
    String report = String.join("\n", Files.readAllLines(out));
    assertThat(report).contains("fraud").contains("intrusion");
    assertThat(String.join("\n", console)).contains("broker.log");
  }
}
