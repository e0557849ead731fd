package io.sluice.kinds.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.anomaly.LowConfidenceRule;
import io.sluice.batching.BatchHandler;
import io.sluice.batching.BufferedRecord;
import io.sluice.batching.Emit;
import io.sluice.descriptor.Preprocessing;
import io.sluice.errors.DeadLetter;
import io.sluice.imaging.FileImageSource;
import io.sluice.imaging.ImageDecoder;
import io.sluice.imaging.ImagePreprocessor;
import io.sluice.imaging.ImageSources;
import io.sluice.imaging.VisionFixtures;
import io.sluice.metrics.PipelineMetrics;
import io.sluice.samples.ImageEvents;
import io.sluice.schemas.Alert;
import io.sluice.schemas.ClassProbability;
import io.sluice.schemas.ImageClassification;
import io.sluice.schemas.ImageEvent;
import io.sluice.serde.AvroRecordDecoder;
import io.sluice.serde.LocalSchemaRegistry;
import io.sluice.serde.RecordPart;
import io.sluice.serde.SpecificAvroSerde;
import io.sluice.topology.EventDecoder;
import io.sluice.topology.EventFields;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

/** The image handler alone: parallel preparation with reasons, reused rows, top-k and alerts. */
class ImageClassificationHandlerTest {
  private static final Path IMAGES = ImageEvents.imagesDir(VisionFixtures.dataDir());
  private static final List<String> DIGITS =
      List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
  private static final Preprocessing GREY_28 =
      new Preprocessing(
          Preprocessing.Resize.BILINEAR,
          28,
          28,
          Preprocessing.Channels.GRAY,
          Preprocessing.Layout.NCHW,
          1,
          List.of(0.0),
          List.of(1.0));

  private final LocalSchemaRegistry registry = LocalSchemaRegistry.fromClasspath();
  private final SpecificAvroSerde<ImageEvent> events =
      new SpecificAvroSerde<>(registry, ImageEvent.class, RecordPart.VALUE, true);
  private final ImagePreprocessor preprocessor = new ImagePreprocessor(GREY_28);
  private final ImageClassificationHandler handler =
      new ImageClassificationHandler(
          EventDecoder.avro(AvroRecordDecoder.generic(registry)),
          new ImageClassificationHandler.Images(
              new ImageSources(List.of(new FileImageSource(List.of(IMAGES)))),
              new ImageDecoder(new ImageDecoder.Limits(1 << 20, 1L << 20)),
              preprocessor),
          new ImageClassificationHandler.ModelInfo("digits", "7", DIGITS, true),
          new EventFields("id", "eventTime", "label"),
          3,
          new LowConfidenceRule(0.5, "INFO"),
          new PipelineMetrics(new SimpleMeterRegistry(), "test"));

  private BufferedRecord record(ImageEvent e, long offset) {
    return new BufferedRecord(
        e.getId().getBytes(StandardCharsets.UTF_8),
        events.serializer().serialize("images", e),
        1000 + offset,
        new RecordHeaders(),
        "images",
        0,
        offset,
        2000 + offset);
  }

  @Test
  void preparesABatchInParallelKeepingOrderAndReasons() throws Exception {
    byte[] three = Files.readAllBytes(IMAGES.resolve("3.jpg"));
    List<BufferedRecord> batch = new ArrayList<>();
    batch.add(record(ImageEvents.withData("by-data", 0, three, "3"), 0));
    batch.add(
        record(
            ImageEvent.newBuilder(ImageEvents.withData("none", 1, three, null))
                .setData(null)
                .build(),
            1));
    batch.add(
        record(
            ImageEvent.newBuilder(ImageEvents.withData("both", 2, three, null))
                .setUri(IMAGES.resolve("3.jpg").toUri().toString())
                .build(),
            2));
    batch.add(record(ImageEvents.withData("empty", 3, new byte[0], null), 3));
    batch.add(
        record(
            ImageEvents.withUri("by-uri", 4, IMAGES.resolve("3.jpg").toUri().toString(), "3"), 4));
    batch.add(
        new BufferedRecord(null, new byte[] {9, 9}, 0, new RecordHeaders(), "images", 0, 5, 0));

    List<BatchHandler.Prepared<ImageClassificationHandler.Event>> out = handler.prepareAll(batch);

    assertThat(out).hasSize(6);
    float[] expected =
        preprocessor.preprocess(
            new ImageDecoder(new ImageDecoder.Limits(1 << 20, 1L << 20)).decode(three).image());
    assertThat(out.get(0).value().row()).containsExactly(expected);
    assertThat(out.get(0).value().width()).isEqualTo(176);
    assertThat(out.get(4).value().row()).containsExactly(expected);
    assertThat(out.get(4).value().metadata()).containsEntry("source", "uri");
    assertThat(out.get(4).value().uri()).endsWith("/3.jpg");
    assertThat(List.of(out.get(1), out.get(2), out.get(3), out.get(5)))
        .extracting(p -> p.rejection().stage() + "/" + p.rejection().reason())
        .containsExactly(
            "FEATURIZE/NO_IMAGE",
            "FEATURIZE/AMBIGUOUS_IMAGE",
            "FEATURIZE/EMPTY_IMAGE",
            "DECODE/WRONG_MAGIC_BYTE");
    assertThat(out.get(1).rejection().stage()).isEqualTo(DeadLetter.Stage.FEATURIZE);
  }

  @Test
  void reusesTheThreadsRowsFromOneBatchToTheNext() throws Exception {
    byte[] three = Files.readAllBytes(IMAGES.resolve("3.jpg"));
    List<BufferedRecord> batch = List.of(record(ImageEvents.withData("a", 0, three, null), 0));
    float[] first = handler.prepareAll(batch).get(0).value().row();
    float[] second = handler.prepareAll(batch).get(0).value().row();
    assertThat(second).isSameAs(first);
  }

  @Test
  void emitsTheTopKWithSoftmaxProbabilitiesAndALowConfidenceAlert() throws Exception {
    byte[] three = Files.readAllBytes(IMAGES.resolve("3.jpg"));
    BufferedRecord sure = record(ImageEvents.withData("sure", 0, three, "3"), 0);
    BufferedRecord unsure = record(ImageEvents.withData("unsure", 1, three, "3"), 1);
    var prepared = handler.prepareAll(List.of(sure, unsure));
    float[] confident = new float[10];
    confident[3] = 20f;
    float[] flat = new float[10]; // uniform: 0.1 each, under the 0.5 minimum
    List<Emit<?>> emits =
        handler.complete(
            List.of(
                new BatchHandler.Scored<>(sure, prepared.get(0).value(), confident),
                new BatchHandler.Scored<>(unsure, prepared.get(1).value(), flat)),
            new BatchHandler.BatchInfo(2, 5000));

    assertThat(emits)
        .extracting(Emit::child)
        .containsExactly("predictions", "predictions", "alerts");
    ImageClassification c = (ImageClassification) emits.get(0).value();
    assertThat(c.getTop()).hasSize(3);
    assertThat(c.getTop().get(0).getIndex()).isEqualTo(3);
    assertThat(c.getPredictedLabel()).isEqualTo("3");
    assertThat(c.getProbability()).isCloseTo(1.0, within(1e-6));
    assertThat(c.getLabel()).isEqualTo("3");
    assertThat(c.getModelName()).isEqualTo("digits");
    assertThat(c.getModelVersion()).isEqualTo("7");
    assertThat(c.getBatchSize()).isEqualTo(2);
    assertThat(c.getImageWidth()).isEqualTo(176);
    assertThat(c.getSourceOffset()).isZero();
    ImageClassification u = (ImageClassification) emits.get(1).value();
    assertThat(u.getTop()).extracting(ClassProbability::getIndex).containsExactly(0, 1, 2);
    assertThat(u.getProbability()).isCloseTo(0.1, within(1e-9));
    Alert a = (Alert) emits.get(2).value();
    assertThat(a.getKind()).isEqualTo("low-confidence");
    assertThat(a.getEventId()).isEqualTo("unsure");
    assertThat(a.getThreshold()).isEqualTo(0.5);
    assertThat(a.getId()).isEqualTo("low-confidence:images-0@1");
  }

  @Test
  void failsLoudlyWhenTheModelGivesAnotherNumberOfClasses() throws Exception {
    byte[] three = Files.readAllBytes(IMAGES.resolve("3.jpg"));
    BufferedRecord r = record(ImageEvents.withData("x", 0, three, null), 0);
    var prepared = handler.prepareAll(List.of(r)).get(0).value();
    assertThatThrownBy(
            () ->
                handler.complete(
                    List.of(new BatchHandler.Scored<>(r, prepared, new float[4])),
                    new BatchHandler.BatchInfo(1, 0)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("model digits:7 returned 4 scores, its descriptor declares 10 labels");
  }

  @Test
  void metadataOfTheEventIsCopied() throws Exception {
    byte[] three = Files.readAllBytes(IMAGES.resolve("3.jpg"));
    ImageEvent e =
        ImageEvent.newBuilder(ImageEvents.withData("m", 0, three, null))
            .setMetadata(Map.of("camera", "front"))
            .build();
    assertThat(handler.prepareAll(List.of(record(e, 0))).get(0).value().metadata())
        .containsExactly(Map.entry("camera", "front"));
  }
}
