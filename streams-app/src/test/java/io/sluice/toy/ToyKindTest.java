package io.sluice.toy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.app.SluiceApplication;
import io.sluice.config.ConfigLoader;
import io.sluice.config.SluiceConfig;
import io.sluice.errors.DeadLetter;
import io.sluice.inference.ModelHandle;
import io.sluice.metrics.PipelineMetrics;
import io.sluice.pipeline.PipelineContext;
import io.sluice.pipeline.PipelineKinds;
import io.sluice.serde.LocalSchemaRegistry;
import io.sluice.topology.TopologyFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fourth pipeline kind from test code alone ({@link DigitsKind}, registered in the tests' {@code
 * META-INF/services}): the engine finds it by {@code pipeline.kind}, parses its own key, and runs
 * it through the one topology factory and batch scorer, dead letters included.
 */
class ToyKindTest {
  @TempDir Path dir;

  private Path mnistDescriptor() throws Exception {
    Path model =
        Path.of(System.getProperty("sluice.data.dir"), "vision", "models", "mnist-8.onnx")
            .toAbsolutePath();
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("name", "mnist");
    d.put("version", "8");
    d.put("file", model.toString());
    d.put(
        "sha256",
        HexFormat.of()
            .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(model))));
    d.put("inputs", List.of(tensor("Input3", List.of(1, 1, 28, 28))));
    d.put("outputs", List.of(tensor("Plus214_Output_0", List.of(1, 10))));
    Path path = dir.resolve("mnist-8.json");
    new ObjectMapper().writeValue(path.toFile(), d);
    return path;
  }

  private static Map<String, Object> tensor(String name, List<Integer> shape) {
    return Map.of("name", name, "type", "FLOAT", "shape", shape);
  }

  @Test
  void aKindFromTestCodeAloneRunsThroughTheEngine() throws Exception {
    SluiceConfig config =
        ConfigLoader.load(
            Optional.empty(),
            Map.of(),
            Map.of(
                "application.id",
                "toy-test",
                "bootstrap.servers",
                "unused:9092",
                "pipeline.name",
                "digits",
                "pipeline.kind",
                "digits",
                "pipeline.input.topic",
                "pixels",
                "pipeline.output.topic",
                "digits",
                "pipeline.batch.max.size",
                "2",
                "pipeline.model.descriptor",
                mnistDescriptor().toString(),
                "pipeline.model.execution.provider",
                "cpu",
                DigitsKind.PREFIX,
                "digit-"));
    PipelineKinds.Resolved resolved = PipelineKinds.resolve(config);
    assertThat(resolved.kind()).isInstanceOf(DigitsKind.class);
    assertThat(PipelineKinds.all()).extracting(k -> k.name()).contains("classification", "digits");

    try (ModelHandle model = new ModelHandle(SluiceApplication.loadModel(config))) {
      PipelineContext context =
          new PipelineContext(
              config,
              resolved.settings(),
              LocalSchemaRegistry.fromClasspath(),
              model,
              new PipelineMetrics(new SimpleMeterRegistry(), "digits"));
      Properties props = new Properties();
      props.put(StreamsConfig.APPLICATION_ID_CONFIG, "toy-test");
      props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
      try (TopologyTestDriver driver =
          new TopologyTestDriver(
              SluiceApplication.topology(resolved.kind(), context, Optional.empty()),
              props,
              Instant.ofEpochMilli(0))) {
        TestInputTopic<String, byte[]> input =
            driver.createInputTopic("pixels", new StringSerializer(), new ByteArraySerializer());
        byte[] stroke = new byte[DigitsKind.PIXELS];
        for (int row = 4; row < 24; row++) {
          stroke[row * 28 + 14] = (byte) 255; // a vertical stroke
        }
        input.pipeInput("a", stroke, 1);
        input.pipeInput("b", new byte[] {1, 2, 3}, 2); // not an image: dead-lettered
        input.pipeInput("c", new byte[DigitsKind.PIXELS], 3);
        driver.advanceWallClockTime(Duration.ofSeconds(1)); // c lingers alone, then goes

        float[][] direct =
            model.current().run(List.of(DigitsKind.rowOf(stroke), new float[DigitsKind.PIXELS]));
        assertThat(
                driver
                    .createOutputTopic("digits", new StringDeserializer(), new StringDeserializer())
                    .readKeyValuesToMap())
            .containsExactlyInAnyOrderEntriesOf(
                Map.of(
                    "a", "digit-" + DigitsKind.argmax(direct[0]),
                    "c", "digit-" + DigitsKind.argmax(direct[1])));
        var dead =
            driver
                .createOutputTopic(
                    config.pipeline().dlqTopic(),
                    new StringDeserializer(),
                    new ByteArrayDeserializer())
                .readRecordsToList();
        assertThat(dead).extracting(r -> r.key()).containsExactly("b");
        assertThat(new String(dead.get(0).headers().lastHeader(DeadLetter.REASON).value()))
            .isEqualTo("NOT_28_BY_28");
        assertThat(driver.getAllStateStores())
            .containsKey(TopologyFactory.commitHookName("digits"));
      }
    }
  }
}
