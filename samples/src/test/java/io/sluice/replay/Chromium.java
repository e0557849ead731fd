package io.sluice.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Opens a page in headless Chromium (Debian's {@code chromium} package, or {@code
 * -Dsluice.chromium=PATH}) with no network use, for the DOM after its scripts ran and a screenshot.
 * In CI (environment variable {@code CI} set, as {@code .ci/run} does, or {@code
 * -Dsluice.require.chromium=true}) a missing Chromium fails the test; elsewhere it skips it, saying
 * why.
 */
final class Chromium {
  private final Path binary;

  private Chromium(Path binary) {
    this.binary = binary;
  }

  static Chromium find() {
    Path binary = Path.of(System.getProperty("sluice.chromium", "/usr/bin/chromium"));
    if (!Files.isExecutable(binary)) {
      String message =
          "Expected headless Chromium at "
              + binary
              + " (Debian: apt-get install chromium; or -Dsluice.chromium=PATH), found none";
      if (System.getenv("CI") != null || Boolean.getBoolean("sluice.require.chromium")) {
        fail(message);
      }
      Assumptions.abort(message);
    }
    return new Chromium(binary);
  }

  /** The DOM of the page once loaded. */
  String dumpDom(Path page, Path work) throws IOException, InterruptedException {
    return run(page, work, "--dump-dom");
  }

  /** Writes a screenshot of the page to {@code png}. */
  void screenshot(Path page, Path work, Path png, int width, int height)
      throws IOException, InterruptedException {
    run(
        page,
        work,
        "--screenshot=" + png.toAbsolutePath(),
        "--window-size=" + width + "," + height);
    assertThat(png).exists();
  }

  private String run(Path page, Path work, String... extra)
      throws IOException, InterruptedException {
    Path profile = Files.createTempDirectory(work, "chromium-profile");
    List<String> command =
        new ArrayList<>(
            List.of(
                binary.toString(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                "--hide-scrollbars",
                "--virtual-time-budget=5000",
                "--user-data-dir=" + profile.toAbsolutePath()));
    command.addAll(List.of(extra));
    command.add(page.toAbsolutePath().toUri().toString());
    Path stdout = work.resolve("chromium-" + System.nanoTime() + ".out");
    Path stderr = work.resolve("chromium-" + System.nanoTime() + ".err");
    Process p =
        new ProcessBuilder(command)
            .redirectOutput(stdout.toFile())
            .redirectError(stderr.toFile())
            .start();
    if (!p.waitFor(90, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail("Chromium did not finish within 90 s: " + command);
    }
    assertThat(p.exitValue())
        .as("Chromium exit code; stderr: %s", Files.readString(stderr, StandardCharsets.UTF_8))
        .isZero();
    return Files.readString(stdout, StandardCharsets.UTF_8);
  }
}
