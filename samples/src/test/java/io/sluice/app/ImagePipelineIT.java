package io.sluice.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.config.ConfigKeys;
import io.sluice.config.ConfigLoader;
import io.sluice.embedded.EmbeddedStack;
import io.sluice.imaging.ImageDecoder;
import io.sluice.imaging.ImagePreprocessor;
import io.sluice.imaging.VisionFixtures;
import io.sluice.inference.ExecutionProvider;
import io.sluice.inference.InferenceSettings;
import io.sluice.inference.ModelLoader;
import io.sluice.inference.ModelRunner;
import io.sluice.samples.ImageDemo;
import io.sluice.samples.ImageEvents;
import io.sluice.samples.OutputCollector;
import io.sluice.schemas.Alert;
import io.sluice.schemas.ClassProbability;
import io.sluice.schemas.ImageClassification;
import io.sluice.schemas.ImageEvent;
import io.sluice.serde.RecordPart;
import io.sluice.serde.RegistrySettings;
import io.sluice.serde.RestSchemaRegistryClient;
import io.sluice.serde.SchemaRegistryClient;
import io.sluice.serde.SpecificAvroSerde;
import io.sluice.topology.Probabilities;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Image classification end to end on a real broker and a real schema registry: the sample photos
 * give the PROVENANCE top-5 whatever the batch size and equal an offline ONNX Runtime run, every
 * bad image reaches the dead-letter topic with its reason while the stream goes on, and the MNIST
 * t10k set scores 9,891/10,000 as the model does offline.
 */
class ImagePipelineIT {
  private static final Path DATA_DIR = VisionFixtures.dataDir();
  private static final Path DESCRIPTORS = VisionFixtures.descriptor("mnist-8").getParent();

  @TempDir static Path work;
  private static EmbeddedStack stack;
  private static SchemaRegistryClient registry;

  @BeforeAll
  static void startStack() {
    stack = EmbeddedStack.start();
    registry = new RestSchemaRegistryClient(RegistrySettings.of(stack.registry().url()));
  }

  @AfterAll
  static void stopStack() {
    if (registry != null) {
      registry.close();
    }
    if (stack != null) {
      stack.close();
    }
  }

  /** A pipeline with its own output topics on a shared input topic. */
  private static SluiceApplication app(ImageDemo.Pipeline pipeline, String suffix, int batchSize)
      throws Exception {
    Map<String, String> c =
        new HashMap<>(
            pipeline.config(
                stack,
                DESCRIPTORS,
                DATA_DIR,
                "it-" + pipeline.name() + "-" + suffix,
                Files.createDirectories(work.resolve("state-" + suffix))));
    c.put(ConfigKeys.OUTPUT_TOPIC, pipeline.predictions() + "-" + suffix);
    c.put(ConfigKeys.ALERTS_TOPIC, pipeline.alerts() + "-" + suffix);
    c.put(ConfigKeys.DLQ_TOPIC, pipeline.deadLetters() + "-" + suffix);
    c.put(ConfigKeys.BATCH_MAX_SIZE, Integer.toString(batchSize));
    c.put(ConfigKeys.EXECUTION_PROVIDER, "cpu");
    stack
        .kafka()
        .createTopics(
            2,
            pipeline.input(),
            pipeline.predictions() + "-" + suffix,
            pipeline.alerts() + "-" + suffix,
            pipeline.deadLetters() + "-" + suffix);
    SluiceApplication app =
        SluiceApplication.create(
            ConfigLoader.load(Optional.empty(), Map.of(), c), new SimpleMeterRegistry());
    app.start();
    return app;
  }

  /** Why a wait for outputs ran out: what arrived and what the application says of itself. */
  private static String waited(int produced, OutputCollector out, SluiceApplication app) {
    return produced
        + " events produced, "
        + out.describe()
        + "; "
        + app.health().detail()
        + (app.failure() == null ? "" : ", failed: " + app.failure());
  }

  private static OutputCollector collector(ImageDemo.Pipeline p, String suffix) {
    return new OutputCollector(
        stack.kafka().bootstrapServers(),
        registry,
        ImageClassification.class,
        p.predictions() + "-" + suffix,
        p.alerts() + "-" + suffix,
        p.deadLetters() + "-" + suffix);
  }

  @Test
  void photosGiveTheProvenanceTop5AtAnyBatchSizeAndBadImagesAreDeadLettered() throws Exception {
    ImageDemo.Pipeline p = ImageDemo.IMAGENET;
    List<ImageEvent> events = new ArrayList<>();
    int seq = 0;
    for (Path image : ImageEvents.sampleImages(DATA_DIR)) {
      String name = image.getFileName().toString();
      events.add(ImageEvents.withData(name + "#data", seq++, Files.readAllBytes(image), null));
      events.add(ImageEvents.withUri(name + "#uri", seq++, image.toUri().toString(), null));
    }
    List<ImageEvents.PoisonPill> pills =
        ImageEvents.poisonPills(DATA_DIR, ImageEvents.imagesDir(DATA_DIR));
    // bad images between good ones: the stream must go on past each
    for (int i = 0; i < pills.size(); i++) {
      events.add(Math.min(events.size(), 2 * i + 1), pills.get(i).event());
    }
    Map<String, double[]> offline = offlineProbabilities();
    try (SluiceApplication one = app(p, "b1", 1);
        SluiceApplication seven = app(p, "b7", 7);
        OutputCollector out1 = collector(p, "b1");
        OutputCollector out7 = collector(p, "b7")) {
      int produced =
          ImageEvents.produce(stack.kafka().bootstrapServers(), registry, p.input(), events);
      assertThat(out1.awaitOutputs(produced, Duration.ofMinutes(2)))
          .as(() -> waited(produced, out1, one))
          .isTrue();
      assertThat(out7.awaitOutputs(produced, Duration.ofMinutes(2)))
          .as(() -> waited(produced, out7, seven))
          .isTrue();
      out1.poll(Duration.ofMillis(500));
      out7.poll(Duration.ofMillis(500));

      for (OutputCollector out : List.of(out1, out7)) {
        List<ImageClassification> results = out.predictions(ImageClassification.class);
        assertThat(results).hasSize(2 * offline.size());
        for (ImageClassification r : results) {
          String file = r.getEventId().substring(0, r.getEventId().indexOf('#'));
          double[] expected = offline.get(file);
          // streamed = offline ONNX Runtime on the same preprocessed rows
          for (ClassProbability c : r.getTop()) {
            assertThat(c.getProbability())
                .as("%s p[%d]", r.getEventId(), c.getIndex())
                .isCloseTo(expected[c.getIndex()], within(1e-6));
          }
          assertThat(r.getTop())
              .extracting(ClassProbability::getIndex)
              .containsExactly(
                  Probabilities.topK(expected, 5)[0],
                  Probabilities.topK(expected, 5)[1],
                  Probabilities.topK(expected, 5)[2],
                  Probabilities.topK(expected, 5)[3],
                  Probabilities.topK(expected, 5)[4]);
          assertThat(r.getModelName()).isEqualTo("mobilenetv2-12-int8");
        }
        // and the PROVENANCE table, to within 1e-3
        Map<String, ImageClassification> byId =
            results.stream()
                .collect(Collectors.toMap(ImageClassification::getEventId, Function.identity()));
        for (VisionFixtures.Expected e : VisionFixtures.MOBILENET_TABLE) {
          for (String via : List.of("#data", "#uri")) {
            ImageClassification r = byId.get(e.file() + via);
            assertThat(r.getTop()).extracting(ClassProbability::getIndex).isEqualTo(e.top5());
            e.probabilities()
                .forEach(
                    (index, prob) ->
                        assertThat(
                                r.getTop().stream()
                                    .filter(c -> c.getIndex() == index)
                                    .findFirst()
                                    .orElseThrow()
                                    .getProbability())
                            .isCloseTo(prob, within(1e-3)));
          }
        }
        // every bad image dead-lettered with its reason and original bytes; nothing else
        assertThat(out.deadLetters())
            .extracting(OutputCollector.DeadLetterRecord::reason)
            .containsExactlyInAnyOrderElementsOf(
                pills.stream().map(ImageEvents.PoisonPill::expectedReason).toList());
        assertThat(out.deadLetters())
            .allSatisfy(
                d -> {
                  assertThat(d.stage()).isEqualTo("featurize");
                  assertThat(d.message()).isNotBlank();
                });
        SpecificAvroSerde<ImageEvent> serde =
            new SpecificAvroSerde<>(registry, ImageEvent.class, RecordPart.VALUE, false);
        assertThat(
                out.deadLetters().stream()
                    .map(d -> serde.deserializer().deserialize(p.input(), d.value()).getId())
                    .toList())
            .containsExactlyInAnyOrderElementsOf(
                pills.stream().map(pill -> pill.event().getId()).toList());
        // low confidence: cat, grace_hopper and the digit, by data and by URI
        assertThat(out.alerts())
            .extracting(Alert::getEventId)
            .containsExactlyInAnyOrder(
                "3.jpg#data", "3.jpg#uri",
                "cat.jpg#data", "cat.jpg#uri",
                "grace_hopper.jpg#data", "grace_hopper.jpg#uri");
        assertThat(out.alerts())
            .allSatisfy(a -> assertThat(a.getKind()).isEqualTo("low-confidence"));
      }
      assertThat(out1.predictions(ImageClassification.class))
          .allSatisfy(r -> assertThat(r.getBatchSize()).isEqualTo(1));
      assertThat(out7.predictions(ImageClassification.class))
          .anySatisfy(r -> assertThat(r.getBatchSize()).isGreaterThan(1));
      assertThat(List.of(one.state(), seven.state())).containsOnly(SluiceApplication.State.RUNNING);
    }
  }

  /** Each sample photo's probabilities from ONNX Runtime directly, all in one batch. */
  private static Map<String, double[]> offlineProbabilities() throws Exception {
    InferenceSettings cpu = InferenceSettings.defaults().withProvider(ExecutionProvider.CPU);
    try (ModelRunner model =
        ModelLoader.load(VisionFixtures.descriptor("mobilenetv2-12-int8"), cpu, DATA_DIR)) {
      ImagePreprocessor pre = new ImagePreprocessor(model.descriptor().preprocessing().get());
      ImageDecoder decoder = new ImageDecoder(new ImageDecoder.Limits(1 << 24, 1L << 24));
      List<Path> images = ImageEvents.sampleImages(DATA_DIR);
      List<float[]> rows = new ArrayList<>();
      for (Path image : images) {
        rows.add(pre.preprocess(decoder.decode(Files.readAllBytes(image)).image()));
      }
      float[][] logits = model.run(rows);
      Map<String, double[]> out = new HashMap<>();
      for (int i = 0; i < images.size(); i++) {
        out.put(images.get(i).getFileName().toString(), Probabilities.softmax(logits[i]));
      }
      return out;
    }
  }

  @Test
  void theMnistTestSetScores9891Of10000AsTheModelDoesOffline() throws Exception {
    ImageDemo.Pipeline p = ImageDemo.MNIST;
    List<ImageEvent> digits = ImageEvents.mnist(DATA_DIR, 10_000);
    try (SluiceApplication app = app(p, "all", 64);
        OutputCollector out = collector(p, "all")) {
      int produced =
          ImageEvents.produce(stack.kafka().bootstrapServers(), registry, p.input(), digits);
      assertThat(out.awaitOutputs(produced, Duration.ofMinutes(3))).isTrue();
      out.poll(Duration.ofMillis(500));
      List<ImageClassification> results = out.predictions(ImageClassification.class);
      assertThat(results).hasSize(10_000);
      assertThat(out.deadLetters()).isEmpty();
      assertThat(results.stream().map(ImageClassification::getEventId).distinct().count())
          .isEqualTo(10_000);
      assertThat(results.stream().filter(r -> r.getPredictedLabel().equals(r.getLabel())).count())
          .isEqualTo(9_891);
      assertThat(results).anySatisfy(r -> assertThat(r.getBatchSize()).isGreaterThan(1));
      assertThat(app.state()).isEqualTo(SluiceApplication.State.RUNNING);
    }
  }
}
