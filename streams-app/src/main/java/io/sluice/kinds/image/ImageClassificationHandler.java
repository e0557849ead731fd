package io.sluice.kinds.image;

import io.sluice.anomaly.LowConfidenceRule;
import io.sluice.batching.BatchHandler;
import io.sluice.batching.BufferedRecord;
import io.sluice.batching.Child;
import io.sluice.batching.Emit;
import io.sluice.errors.DeadLetter.Stage;
import io.sluice.errors.RejectedRecordException;
import io.sluice.imaging.ImageDecoder;
import io.sluice.imaging.ImagePreprocessor;
import io.sluice.imaging.ImageRejectedException;
import io.sluice.imaging.ImageSources;
import io.sluice.metrics.PipelineMetrics;
import io.sluice.schemas.Alert;
import io.sluice.schemas.ClassProbability;
import io.sluice.schemas.ImageClassification;
import io.sluice.schemas.Severity;
import io.sluice.topology.EventDecoder;
import io.sluice.topology.EventFields;
import io.sluice.topology.Probabilities;
import io.sluice.topology.TopologyFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The steps of an image classification pipeline around the model call: decode the event, read its
 * image (from the event's bytes or its URI), decode and preprocess it into the model's input row,
 * and turn the model's output into an {@link ImageClassification} with the top-k classes (and an
 * {@link Alert} when the top-1 probability is under the minimum confidence).
 *
 * <p>Image events carry the fields {@code data} (encoded bytes) or {@code uri}, never both, and
 * optionally {@code metadata} (a map of strings); the id, time and label fields are configured as
 * for every pipeline. A bad image is rejected at stage {@code featurize} with the reason of {@link
 * ImageRejectedException.Reason}, or {@code NO_IMAGE} / {@code AMBIGUOUS_IMAGE}.
 *
 * <p>A batch is prepared in parallel on the common fork-join pool (decoding, not inference, is the
 * costly step), into input rows that each stream thread reuses from one batch to the next: a
 * prepared event's row is valid until the same thread prepares its next batch. Thread-safe: shared
 * by the stream threads.
 */
public final class ImageClassificationHandler
    implements BatchHandler<ImageClassificationHandler.Event> {

  /** The typed child of the classifications. */
  public static final Child<ImageClassification> PREDICTIONS =
      Child.of(TopologyFactory.PREDICTIONS_SINK, ImageClassification.class);

  /** A decoded, preprocessed image event. */
  public record Event(
      String eventId,
      String key,
      long eventTime,
      String label,
      String uri,
      Map<String, String> metadata,
      int width,
      int height,
      float[] row) {}

  /**
   * What the handler needs to know of the model.
   *
   * @param softmax whether the model's output is logits (true) or probabilities (false)
   */
  public record ModelInfo(String name, String version, List<String> labels, boolean softmax) {
    public ModelInfo {
      labels = List.copyOf(labels);
      if (labels.isEmpty()) {
        throw new IllegalArgumentException("model " + name + ":" + version + " has no labels");
      }
    }
  }

  /** How images are read and turned into rows. */
  public record Images(
      ImageSources sources, ImageDecoder decoder, ImagePreprocessor preprocessor) {}

  private final EventDecoder decoder;
  private final Images images;
  private final ModelInfo model;
  private final EventFields fields;
  private final int topK;
  private final LowConfidenceRule rule;
  private final PipelineMetrics metrics;
  private final ThreadLocal<float[][]> rows = ThreadLocal.withInitial(() -> new float[0][]);

  /**
   * @param rule the low-confidence rule, or null for no alerts
   */
  public ImageClassificationHandler(
      EventDecoder decoder,
      Images images,
      ModelInfo model,
      EventFields fields,
      int topK,
      LowConfidenceRule rule,
      PipelineMetrics metrics) {
    if (topK < 1) {
      throw new IllegalArgumentException("topK must be >= 1, was " + topK);
    }
    this.decoder = decoder;
    this.images = images;
    this.model = model;
    this.fields = fields;
    this.topK = Math.min(topK, model.labels().size());
    this.rule = rule;
    this.metrics = metrics;
  }

  @Override
  public Event prepare(BufferedRecord source) throws RejectedRecordException {
    return prepare(source, new float[images.preprocessor().rowLength()]);
  }

  @Override
  public List<Prepared<Event>> prepareAll(List<BufferedRecord> records) {
    float[][] batchRows = rowsFor(records.size());
    List<Prepared<Event>> out = new ArrayList<>(Collections.nCopies(records.size(), null));
    // Each task sets its own index; the parallel stream's completion publishes every write.
    IntStream.range(0, records.size())
        .parallel()
        .forEach(
            i -> {
              try {
                out.set(i, Prepared.of(prepare(records.get(i), batchRows[i])));
              } catch (RejectedRecordException e) {
                out.set(i, Prepared.rejected(e));
              }
            });
    return out;
  }

  /** This thread's reused rows, grown to {@code n}. */
  private float[][] rowsFor(int n) {
    float[][] current = rows.get();
    if (current.length >= n) {
      return current;
    }
    float[][] grown = Arrays.copyOf(current, n);
    for (int i = current.length; i < n; i++) {
      grown[i] = new float[images.preprocessor().rowLength()];
    }
    rows.set(grown);
    return grown;
  }

  private Event prepare(BufferedRecord source, float[] row) throws RejectedRecordException {
    if (source.value() == null) {
      throw new RejectedRecordException(Stage.DECODE, "EMPTY", "record has no value");
    }
    GenericRecord event = decoder.decode(source.value());
    ByteBuffer data = field(event, "data") instanceof ByteBuffer b ? b : null;
    Object uriField = field(event, "uri");
    String uri = uriField == null ? null : uriField.toString();
    if (data == null && uri == null) {
      throw new RejectedRecordException(
          Stage.FEATURIZE, "NO_IMAGE", "the event has neither 'data' nor 'uri'");
    }
    if (data != null && uri != null) {
      throw new RejectedRecordException(
          Stage.FEATURIZE,
          "AMBIGUOUS_IMAGE",
          "the event has both 'data' and 'uri' (" + uri + "); expected one of them");
    }
    ImageDecoder.Decoded decoded;
    try {
      byte[] bytes =
          data != null
              ? bytes(data)
              : images.sources().read(uri, images.decoder().limits().maxBytes());
      decoded = images.decoder().decode(bytes);
    } catch (ImageRejectedException e) {
      throw new RejectedRecordException(Stage.FEATURIZE, e.reason().name(), e.getMessage(), e);
    }
    images.preprocessor().preprocess(decoded.image(), row, 0);
    String eventId = fields.eventId(event);
    return new Event(
        eventId == null ? source.coordinates() : eventId,
        source.key() == null ? null : new String(source.key(), StandardCharsets.UTF_8),
        fields.eventTime(event, source.timestamp()),
        fields.label(event),
        uri,
        metadata(event),
        decoded.image().getWidth(),
        decoded.image().getHeight(),
        row);
  }

  @Override
  public float[] features(Event prepared) {
    return prepared.row();
  }

  @Override
  public List<Emit<?>> complete(List<Scored<Event>> scored, BatchInfo batch) {
    List<Emit<?>> classifications = new ArrayList<>(scored.size());
    List<Emit<?>> alerts = new ArrayList<>();
    for (Scored<Event> s : scored) {
      ImageClassification c = classify(s, batch);
      classifications.add(
          Emit.to(PREDICTIONS, s.source().key(), c, s.source().timestamp(), new RecordHeaders()));
      if (rule != null) {
        rule.evaluate(c.getProbability(), c.getPredictedLabel())
            .ifPresent(
                f -> {
                  metrics.alert(f.kind(), f.severity());
                  alerts.add(
                      Emit.to(
                          TopologyFactory.ALERTS,
                          s.source().key(),
                          Alert.newBuilder()
                              .setId(f.kind() + ":" + s.source().coordinates())
                              .setKind(f.kind())
                              .setSeverity(Severity.valueOf(f.severity()))
                              .setKey(c.getKey())
                              .setEventId(c.getEventId())
                              .setScore(f.value())
                              .setThreshold(f.threshold())
                              .setReason(f.reason())
                              .setModelName(c.getModelName())
                              .setModelVersion(c.getModelVersion())
                              .setEventTime(c.getEventTime())
                              .setSourceTopic(s.source().topic())
                              .setSourcePartition(s.source().partition())
                              .setSourceOffset(s.source().offset())
                              .setMetric(f.metric())
                              .setCompared(f.compared())
                              .build(),
                          s.source().timestamp(),
                          new RecordHeaders()));
                });
      }
    }
    metrics.predictionsOut(classifications.size());
    classifications.addAll(alerts);
    return classifications;
  }

  private ImageClassification classify(Scored<Event> s, BatchInfo batch) {
    float[] output = s.output();
    Probabilities.requireOnePerLabel(model.name(), model.version(), output, model.labels());
    double[] p = model.softmax() ? Probabilities.softmax(output) : Probabilities.of(output);
    List<ClassProbability> top = new ArrayList<>(topK);
    for (int index : Probabilities.topK(p, topK)) {
      top.add(new ClassProbability(index, model.labels().get(index), p[index]));
    }
    Event e = s.prepared();
    return ImageClassification.newBuilder()
        .setEventId(e.eventId())
        .setKey(e.key())
        .setModelName(batch.model() == null ? model.name() : batch.model().name())
        .setModelVersion(batch.model() == null ? model.version() : batch.model().version())
        .setTop(top)
        .setPredictedLabel(top.get(0).getLabel())
        .setProbability(top.get(0).getProbability())
        .setLabel(e.label())
        .setUri(e.uri())
        .setImageWidth(e.width())
        .setImageHeight(e.height())
        .setMetadata(e.metadata())
        .setEventTime(Instant.ofEpochMilli(e.eventTime()))
        .setIngestTime(Instant.ofEpochMilli(s.source().ingestTimeMs()))
        .setInferenceTime(Instant.ofEpochMilli(batch.inferenceTimeMs()))
        .setBatchSize(batch.size())
        .setSourceTopic(s.source().topic())
        .setSourcePartition(s.source().partition())
        .setSourceOffset(s.source().offset())
        .build();
  }

  private static Object field(GenericRecord event, String name) {
    return EventFields.value(event, name);
  }

  /** The image's bytes: the decoder's own array when the buffer spans all of it, else a copy. */
  private static byte[] bytes(ByteBuffer data) {
    if (data.hasArray()
        && data.arrayOffset() == 0
        && data.position() == 0
        && data.remaining() == data.array().length) {
      return data.array(); // a fresh buffer per decoded event: no copy of a 70 KB photo needed
    }
    ByteBuffer b = data.duplicate();
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }

  private static Map<String, String> metadata(GenericRecord event) {
    if (!(field(event, "metadata") instanceof Map<?, ?> map)) {
      return Map.of();
    }
    Map<String, String> out = new LinkedHashMap<>();
    map.forEach((k, v) -> out.put(String.valueOf(k), String.valueOf(v)));
    return out;
  }
}
