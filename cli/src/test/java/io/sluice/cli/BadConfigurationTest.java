package io.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.models.fraud.FraudModelTrainer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A configuration that cannot work stops `sluice run` at start, with a message naming it. */
class BadConfigurationTest {
  @TempDir static Path dir;
  private static Path descriptor;

  @BeforeAll
  static void trainModel() throws Exception {
    Path data = Path.of(System.getProperty("sluice.data.dir", "../shared/data"));
    FraudModelTrainer.train(data, dir.resolve("model"), 42);
    descriptor = dir.resolve("model").resolve("fraud-logreg.json");
  }

  private record Run(int exitCode, String err) {}

  private static Run run(String properties) throws Exception {
    Path file = Files.createTempFile(dir, "pipeline", ".properties");
    Files.writeString(file, properties);
    StringWriter err = new StringWriter();
    int rc =
        Main.execute(
            new PrintWriter(new StringWriter(), true),
            new PrintWriter(err, true),
            "run",
            "--config",
            file.toString());
    return new Run(rc, err.toString());
  }

  /** The keys every run needs; the broker is never reached: each run stops before. */
  private static final String REQUIRED =
      "bootstrap.servers=localhost:1\napplication.id=bad-config-test\nmetrics.port=-1\n";

  private static String valid() {
    return REQUIRED
        + "pipeline.model.descriptor="
        + descriptor.toString().replace("\\", "/")
        + "\n";
  }

  @Test
  void anUnknownKeyIsNamed() throws Exception {
    Run r = run(valid() + "pipeline.batch.max.sise=10\n");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err())
        .contains("Unknown configuration key 'pipeline.batch.max.sise'")
        .contains("did you mean 'pipeline.batch.max.size'?");
  }

  @Test
  void aMisspeltEngineKeySuggestsTheClosestOne() throws Exception {
    Run r = run(valid() + "metrics.prot=9\n");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("'metrics.prot'").contains("did you mean 'metrics.port'?");
  }

  @Test
  void anOnnxFileGivenAsTheDescriptorIsSaidToBeOne() throws Exception {
    Run r = run(REQUIRED + "pipeline.model.descriptor=models/fraud-logreg-1.onnx\n");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err())
        .contains("pipeline.model.descriptor")
        .contains("is an ONNX model, not its descriptor");
  }

  @Test
  void aRelativeDescriptorPathNamesTheDirectoryItWasResolvedAgainst() throws Exception {
    Run r = run(REQUIRED + "pipeline.model.descriptor=no-such-dir/model.json\n");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err())
        .contains("no-such-dir/model.json")
        .contains("resolved against the working directory " + Path.of("").toAbsolutePath());
  }

  @Test
  void anUnknownKafkaSettingIsNamed() throws Exception {
    Run r = run(valid() + "kafka.comit.interval.ms=100\n");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("kafka.comit.interval.ms");
  }

  @Test
  void aMissingModelFileIsNamedWithItsKey() throws Exception {
    Run r = run(REQUIRED + "pipeline.model.descriptor=" + dir.resolve("nowhere.json") + "\n");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("pipeline.model.descriptor").contains("nowhere.json");
  }

  @Test
  void aModelWhoseInputsDoNotMatchItsDescriptorIsRefused() throws Exception {
    Path copy = dir.resolve("model").resolve("wrong-shape.json");
    Files.writeString(
        copy, Files.readString(descriptor).replaceFirst("\\[\\s*-1\\s*,\\s*29\\s*]", "[ -1, 30 ]"));
    Run r =
        run(REQUIRED + "pipeline.model.descriptor=" + copy.toString().replace("\\", "/") + "\n");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err())
        .contains("pipeline.model.descriptor")
        .contains("input 'input'")
        .contains("[-1, 30]");
  }

  @Test
  void aFeatureMappingThatDoesNotFitTheModelIsNamed() throws Exception {
    Run r = run(valid() + "pipeline.features=V1..V28=features[0..27]\n");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("pipeline.features").contains("[Amount]");
  }

  @Test
  void aMissingRequiredValueIsNamed() throws Exception {
    Run r = run(valid().replace("bootstrap.servers=localhost:1\n", ""));
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err())
        .contains("Missing required configuration key 'bootstrap.servers'")
        .contains("SLUICE_BOOTSTRAP_SERVERS");
  }

  @Test
  void aValueOfTheWrongTypeIsNamed() throws Exception {
    Run r = run(valid() + "pipeline.batch.max.linger.ms=fifty\n");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("pipeline.batch.max.linger.ms").contains("fifty");
  }

  @Test
  void aMisspeltKafkaPasswordKeyIsNamedWithoutItsValue() throws Exception {
    Run r = run(valid() + "kafka.ssl.keystore.pasword=hunter2\n");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("kafka.ssl.keystore.pasword").doesNotContain("hunter2");
  }
}
