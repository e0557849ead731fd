package io.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.imaging.VisionFixtures;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An image pipeline configuration that cannot work stops `sluice run` at start, naming the key. */
class ImageConfigurationTest {
  @TempDir Path dir;

  private String run(String properties) throws Exception {
    Path file = Files.createTempFile(dir, "pipeline", ".properties");
    Files.writeString(
        file,
        "bootstrap.servers=localhost:1\napplication.id=image-config-test\nmetrics.port=-1\n"
            + "pipeline.kind=image-classification\n"
            + "data.dir="
            + VisionFixtures.dataDir().toString().replace("\\", "/")
            + "\n"
            + properties);
    StringWriter err = new StringWriter();
    int rc =
        Main.execute(
            new PrintWriter(new StringWriter(), true),
            new PrintWriter(err, true),
            "run",
            "--config",
            file.toString());
    assertThat(rc).as(err.toString()).isEqualTo(2);
    return err.toString();
  }

  private static String descriptor(String name) {
    return "pipeline.model.descriptor="
        + VisionFixtures.descriptor(name).toString().replace("\\", "/")
        + "\n";
  }

  @Test
  void aDescriptorWithoutPreprocessingIsRefused() throws Exception {
    String json = Files.readString(VisionFixtures.descriptor("mnist-8"));
    Path copy =
        Files.writeString(
            dir.resolve("no-preprocessing.json"),
            json.substring(0, json.indexOf("\"preprocessing\""))
                + json.substring(json.indexOf("\"postprocessing\"")));
    String err = run("pipeline.model.descriptor=" + copy.toString().replace("\\", "/") + "\n");
    assertThat(err)
        .contains("pipeline.model.descriptor")
        .contains("needs a model descriptor with a 'preprocessing' block");
  }

  @Test
  void anAllowedImageDirectoryThatDoesNotExistIsNamed() throws Exception {
    String err =
        run(
            descriptor("mnist-8")
                + "pipeline.image.uri.allowed.dirs="
                + dir.resolve("nope")
                + "\n");
    assertThat(err).contains("pipeline.image.uri.allowed.dirs").contains("does not exist");
  }

  @Test
  void aMinimumConfidenceOutsideZeroToOneIsNamed() throws Exception {
    String err = run(descriptor("mnist-8") + "pipeline.alert.min.confidence=1.5\n");
    assertThat(err)
        .contains("pipeline.alert.min.confidence")
        .contains("expected a number in [0, 1]");
  }

  @Test
  void aBatchOfImagesTooLargeForTheHeapIsRefused() throws Exception {
    String err = run(descriptor("mobilenetv2-12-int8") + "pipeline.batch.max.size=20000\n");
    assertThat(err)
        .contains("pipeline.batch.max.size")
        .contains("MiB of input rows per stream thread");
  }
}
