package io.sluice.replay;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.config.ConfigLoader;
import io.sluice.embedded.EmbeddedStack;
import io.sluice.imaging.VisionFixtures;
import io.sluice.samples.ImageDemo;
import io.sluice.samples.ImageEvents;
import io.sluice.schemas.ImageEvent;
import io.sluice.serde.RegistrySettings;
import io.sluice.serde.RestSchemaRegistryClient;
import io.sluice.serde.SchemaRegistryClient;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A replay of the MNIST test set through mnist-8 gives its top-1 and top-5 accuracy. */
class ImageReplayIT {
  private static final Path DATA_DIR =
      Path.of(System.getProperty("sluice.data.dir", "../shared/data"));

  @TempDir Path work;

  @Test
  void replayOfTheMnistTestSetGivesTheModelsTop1AndTop5Accuracy() throws Exception {
    ImageDemo.Pipeline p = ImageDemo.MNIST;
    List<ImageEvent> digits = ImageEvents.mnist(DATA_DIR, 10_000);
    try (EmbeddedStack stack = EmbeddedStack.start();
        SchemaRegistryClient registry =
            new RestSchemaRegistryClient(RegistrySettings.of(stack.registry().url()))) {
      p.createTopics(stack);
      ImageEvents.produce(stack.kafka().bootstrapServers(), registry, p.input(), digits);
      Map<String, String> c =
          p.config(
              stack,
              VisionFixtures.descriptor("mnist-8").getParent(),
              DATA_DIR,
              "mnist-live",
              work.resolve("state"));
      ReplayReport report =
          Replay.run(
              new Replay.Settings(
                  ConfigLoader.load(Optional.empty(), Map.of(), c),
                  List.of(VisionFixtures.descriptor("mnist-8"), secondVersion()),
                  ReplayRange.all(),
                  Optional.empty()),
              registry,
              total -> new Progress(new PrintWriter(new StringWriter()), false, total));

      ReplayReport.VersionReport v = report.versions().get(0);
      assertThat(v.predictions()).isEqualTo(10_000);
      assertThat(v.metrics()).isNull();
      // as the live pipeline and the model offline: 9,891 of 10,000
      assertThat(v.accuracy().top1Correct()).isEqualTo(9_891);
      assertThat(v.accuracy().k()).isEqualTo(5);
      assertThat(v.accuracy().topKCorrect()).isBetween(9_891L, 10_000L);
      assertThat(v.accuracy().topK()).isGreaterThan(0.99);
      String html = HtmlReport.render(report);
      assertThat(html).contains("top-1 accuracy").contains("0.9891");
      // the same model under another version: a verdict on top-1 and top-5 accuracy, no difference
      ReplayReport.Comparison cmp = report.comparisons().get(0);
      assertThat(cmp.verdicts())
          .extracting(ReplayReport.MetricVerdict::metric)
          .containsExactly("top-1 accuracy", "top-5 accuracy");
      assertThat(cmp.on("top-1 accuracy").orElseThrow().champion()).isEqualTo(0.9891);
      assertThat(cmp.verdicts())
          .allSatisfy(
              mv -> {
                assertThat(mv.records()).isEqualTo(10_000);
                assertThat(mv.difference()).isZero();
                assertThat(mv.verdict()).isEqualTo("no significant difference");
              });
      assertThat(html.indexOf("id=\"verdict\""))
          .isPositive()
          .isLessThan(html.indexOf("<h2>Metrics"));
      System.out.println(cmp.verdict());
    }
  }

  /** mnist-8's descriptor under version 2, in the test's directory. */
  private Path secondVersion() throws Exception {
    com.fasterxml.jackson.databind.ObjectMapper json =
        new com.fasterxml.jackson.databind.ObjectMapper();
    com.fasterxml.jackson.databind.node.ObjectNode d =
        (com.fasterxml.jackson.databind.node.ObjectNode)
            json.readTree(VisionFixtures.descriptor("mnist-8").toFile());
    d.put("version", "2");
    Path copy = work.resolve("mnist-8-v2.json");
    json.writeValue(copy.toFile(), d);
    return copy;
  }
}
