package io.sluice.kinds.classification;

import io.sluice.anomaly.Observation;
import io.sluice.batching.BatchHandler;
import io.sluice.batching.BufferedRecord;
import io.sluice.batching.Child;
import io.sluice.batching.Emit;
import io.sluice.errors.DeadLetter.Stage;
import io.sluice.errors.RejectedRecordException;
import io.sluice.metrics.PipelineMetrics;
import io.sluice.schemas.Prediction;
import io.sluice.topology.EventDecoder;
import io.sluice.topology.EventFields;
import io.sluice.topology.Probabilities;
import io.sluice.topology.TopologyFactory;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The steps of a classification pipeline around the model call: decode the event, map its fields to
 * the model's input row, and turn the model's class probabilities into a {@link Prediction}. Each
 * scored event also goes, as an {@link Observation}, to the anomaly stage: the per-key rules
 * ({@link TopologyFactory#KEY_RULES}) and the model monitor ({@link TopologyFactory#MONITOR}),
 * which raise the alerts. Stateless and thread-safe.
 */
public final class ClassificationHandler implements BatchHandler<ClassificationHandler.Event> {

  /** A decoded, featurized event. */
  public record Event(
      GenericRecord record,
      float[] features,
      String eventId,
      String key,
      long eventTime,
      String label) {}

  /** What the handler needs to know of the model. */
  public record ModelInfo(String name, String version, List<String> labels, String positiveLabel) {
    public ModelInfo {
      labels = List.copyOf(labels);
      if (positiveLabel != null && !labels.contains(positiveLabel)) {
        throw new IllegalArgumentException(
            "positive label '" + positiveLabel + "' is not one of the model's labels " + labels);
      }
    }
  }

  /** The anomaly stage's processors, which take every scored event's observation. */
  private static final List<Child<Observation>> OBSERVERS =
      List.of(
          Child.of(TopologyFactory.KEY_RULES, Observation.class),
          Child.of(TopologyFactory.MONITOR, Observation.class));

  private final EventDecoder decoder;
  private final FeatureMapping features;
  private final ModelInfo model;
  private final EventFields fields;
  private final PipelineMetrics metrics;

  public ClassificationHandler(
      EventDecoder decoder,
      FeatureMapping features,
      ModelInfo model,
      EventFields fields,
      PipelineMetrics metrics) {
    this.decoder = decoder;
    this.features = features;
    this.model = model;
    this.fields = fields;
    this.metrics = metrics;
  }

  @Override
  public Event prepare(BufferedRecord source) throws RejectedRecordException {
    if (source.value() == null) {
      throw new RejectedRecordException(Stage.DECODE, "EMPTY", "record has no value");
    }
    GenericRecord event = decoder.decode(source.value());
    float[] row = features.extract(event);
    String eventId = fields.eventId(event);
    return new Event(
        event,
        row,
        eventId == null ? source.coordinates() : eventId,
        source.key() == null ? null : new String(source.key(), StandardCharsets.UTF_8),
        fields.eventTime(event, source.timestamp()),
        fields.label(event));
  }

  @Override
  public float[] features(Event prepared) {
    return prepared.features();
  }

  /**
   * Predictions first, in input order; then each event's observation to the per-key rules, then to
   * the model monitor.
   */
  @Override
  public List<Emit<?>> complete(List<Scored<Event>> scored, BatchInfo batch) {
    List<Emit<?>> out = new ArrayList<>(3 * scored.size());
    List<Observation> observations = new ArrayList<>(scored.size());
    double versionThreshold =
        batch.model() == null
            ? Double.NaN
            : batch.model().descriptor().alertThreshold().orElse(Double.NaN);
    for (Scored<Event> s : scored) {
      Prediction p = predict(s, batch);
      out.add(
          Emit.to(
              TopologyFactory.PREDICTIONS,
              s.source().key(),
              p,
              s.source().timestamp(),
              new RecordHeaders()));
      BufferedRecord source = s.source();
      observations.add(
          new Observation(
              p.getKey(),
              p.getEventId(),
              s.prepared().eventTime(),
              p.getScore(),
              s.prepared().features(),
              source.topic(),
              source.partition(),
              source.offset(),
              p.getModelName(),
              p.getModelVersion(),
              versionThreshold));
    }
    metrics.predictionsOut(scored.size());
    for (Child<Observation> child : OBSERVERS) {
      for (int i = 0; i < scored.size(); i++) {
        BufferedRecord source = scored.get(i).source();
        out.add(
            Emit.to(
                child, source.key(), observations.get(i), source.timestamp(), new RecordHeaders()));
      }
    }
    return out;
  }

  private Prediction predict(Scored<Event> s, BatchInfo batch) {
    float[] probabilities = s.output();
    // The version that scored this batch names the prediction: the champion or a canary.
    String name = batch.model() == null ? model.name() : batch.model().name();
    String version = batch.model() == null ? model.version() : batch.model().version();
    Probabilities.requireOnePerLabel(name, version, probabilities, model.labels());
    Map<String, Double> scores = new LinkedHashMap<>(2 * probabilities.length);
    int best = 0;
    for (int i = 0; i < probabilities.length; i++) {
      scores.put(model.labels().get(i), (double) probabilities[i]);
      if (probabilities[i] > probabilities[best]) {
        best = i;
      }
    }
    String predicted = model.labels().get(best);
    double score =
        model.positiveLabel() == null
            ? probabilities[best]
            : probabilities[model.labels().indexOf(model.positiveLabel())];
    Event e = s.prepared();
    // The all-args constructor, not the builder: a builder copies the schema's field array and
    // checks every value, per prediction. Every field is set here, none is null that must not be.
    return new Prediction(
        e.eventId(),
        e.key(),
        name,
        version,
        scores,
        predicted,
        score,
        e.label(),
        Instant.ofEpochMilli(e.eventTime()),
        Instant.ofEpochMilli(s.source().ingestTimeMs()),
        Instant.ofEpochMilli(batch.inferenceTimeMs()),
        batch.size(),
        s.source().topic(),
        s.source().partition(),
        s.source().offset());
  }
}
