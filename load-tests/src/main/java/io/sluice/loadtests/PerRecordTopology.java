package io.sluice.loadtests;

import io.sluice.batching.BatchHandler;
import io.sluice.batching.BufferedRecord;
import io.sluice.batching.Emit;
import io.sluice.batching.Scorer;
import io.sluice.errors.RejectedRecordException;
import io.sluice.metrics.PipelineMetrics;
import io.sluice.schemas.Alert;
import io.sluice.schemas.Prediction;
import io.sluice.topology.TopologyFactory;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * Builds the topologies Sluice is measured against: each record is decoded, featurized, scored and
 * written as it arrives, with no buffer and one scorer call per record.
 *
 * <p>With the model as scorer this is the "model inside {@code mapValues}" design most teams start
 * from; with {@link #noModel} or {@link #replaying} it is a pass-through that calls no model. The
 * per-record steps are Sluice's own {@link BatchHandler}, so that a comparison measures
 * micro-batching, not two implementations of decoding. There is no dead-letter topic: a record the
 * handler rejects fails the stream thread.
 *
 * <p>With an anomaly stage (as the benchmarks build it, so that every contestant writes the same
 * predictions and alerts), the handler's observations go to Sluice's own per-key rules and model
 * monitor, with the same stores as {@link TopologyFactory} gives them; without one, predictions
 * only.
 *
 * <pre>
 * input topic (raw bytes) → per-record scorer ─┬─────────────────────────────► predictions topic
 *                                              ├─► key-rules [per-key store] ─┐
 *                                              └─► model-monitor [windows] ───┴► alerts topic
 * </pre>
 */
public final class PerRecordTopology {
  public static final String SOURCE = "input";
  public static final String SCORER = "per-record-scorer";

  private PerRecordTopology() {}

  /**
   * The per-record topology, with Sluice's anomaly stage behind the scorer or without.
   *
   * @param handler decodes and featurizes records and turns scores into predictions and alerts
   * @param scorer called once per record, with a single row
   * @param predictionSerializer writes {@link Prediction} values (Avro, Confluent wire format)
   * @param alertSerializer writes {@link Alert} values
   * @param anomaly the per-key rules and model monitor settings (its alerts sink is not used: the
   *     alerts go to {@code alertsTopic} through {@code alertSerializer}); null: none, and the
   *     scorer writes predictions only
   * @param metrics the anomaly stage's meters; may be null without an anomaly stage
   */
  public static <P> Topology build(
      String inputTopic,
      String predictionsTopic,
      String alertsTopic,
      BatchHandler<P> handler,
      Scorer scorer,
      Serializer<Prediction> predictionSerializer,
      Serializer<Alert> alertSerializer,
      TopologyFactory.AnomalyStage anomaly,
      PipelineMetrics metrics) {
    Topology topology = new Topology();
    topology.addSource(
        SOURCE, new ByteArrayDeserializer(), new ByteArrayDeserializer(), inputTopic);
    boolean observe = anomaly != null;
    topology.addProcessor(SCORER, () -> new PerRecordProcessor<>(handler, scorer, observe), SOURCE);
    String[] alertParents = {SCORER};
    if (observe) {
      TopologyFactory.addAnomalyProcessors(topology, anomaly, SCORER, metrics);
      alertParents = new String[] {SCORER, TopologyFactory.KEY_RULES, TopologyFactory.MONITOR};
    }
    topology.addSink(
        TopologyFactory.PREDICTIONS_SINK,
        predictionsTopic,
        new ByteArraySerializer(),
        (Serializer<Object>)
            (topic, value) -> predictionSerializer.serialize(topic, (Prediction) value),
        SCORER);
    topology.addSink(
        TopologyFactory.ALERTS_SINK,
        alertsTopic,
        new ByteArraySerializer(),
        (Serializer<Object>) (topic, value) -> alertSerializer.serialize(topic, (Alert) value),
        alertParents);
    return topology;
  }

  /**
   * A scorer that calls no model: every row gets {@code scores}, one per model label. The
   * pass-through baseline uses it.
   */
  public static Scorer noModel(float... scores) {
    float[] fixed = scores.clone();
    return rows -> {
      float[][] out = new float[rows.size()][];
      Arrays.fill(out, fixed);
      return out;
    };
  }

  /**
   * A scorer that calls {@code model} once per distinct row and afterwards replays its scores from
   * {@code memory}: a pass-through that writes exactly the predictions and alerts the model would,
   * for the price of a hash lookup per row. The benchmarks' data set repeats a few thousand rows,
   * so the first run fills the memory and the following ones call no model. Thread-safe.
   *
   * @param memory rows seen (keyed by {@link #row}) and their scores; shared between runs
   */
  public static Scorer replaying(Scorer model, Map<Object, float[]> memory) {
    return rows -> {
      float[][] out = new float[rows.size()][];
      for (int i = 0; i < out.length; i++) {
        float[] row = rows.get(i);
        // Looked up by the row itself; only a row seen for the first time is copied into a key.
        float[] scores = memory.get(new Row(row));
        out[i] =
            scores != null
                ? scores
                : memory.computeIfAbsent(row(row), k -> model.score(List.of(row))[0]);
      }
      return out;
    };
  }

  /** A key for a row of features: equal when the values are. */
  static Object row(float[] features) {
    return new Row(features.clone());
  }

  private record Row(float[] values) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Row r && Arrays.equals(values, r.values);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(values);
    }

    @Override
    public String toString() {
      return Arrays.toString(values);
    }
  }

  /** Scores each record on its own. One instance per task; the handler and scorer are shared. */
  private static final class PerRecordProcessor<P>
      implements Processor<byte[], byte[], Object, Object> {
    private final BatchHandler<P> handler;
    private final Scorer scorer;
    private final boolean observe;
    private ProcessorContext<Object, Object> context;

    PerRecordProcessor(BatchHandler<P> handler, Scorer scorer, boolean observe) {
      this.handler = handler;
      this.scorer = scorer;
      this.observe = observe;
    }

    @Override
    public void init(ProcessorContext<Object, Object> context) {
      this.context = context;
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
      RecordMetadata m =
          context
              .recordMetadata()
              .orElseThrow(() -> new IllegalStateException("record without source metadata"));
      BufferedRecord source =
          new BufferedRecord(
              record.key(),
              record.value(),
              record.timestamp(),
              record.headers(),
              m.topic(),
              m.partition(),
              m.offset(),
              context.currentSystemTimeMs());
      P prepared;
      try {
        prepared = handler.prepare(source);
      } catch (RejectedRecordException e) {
        throw new IllegalStateException(
            "record "
                + source.coordinates()
                + " rejected at stage "
                + e.stage().label()
                + " ("
                + e.reason()
                + "): "
                + e.getMessage()
                + "; the per-record topology expects clean input and has no dead-letter topic",
            e);
      }
      float[][] output = scorer.score(List.of(handler.features(prepared)));
      if (output.length != 1) {
        throw new IllegalStateException("scorer returned " + output.length + " rows for 1 input");
      }
      List<Emit<?>> emits =
          handler.complete(
              List.of(new BatchHandler.Scored<>(source, prepared, output[0])),
              new BatchHandler.BatchInfo(1, context.currentSystemTimeMs()));
      for (Emit<?> emit : emits) {
        // Without an anomaly stage, predictions only: the handler's observations (threshold
        // alerts, health) would have no consumer.
        if (observe || emit.child().equals(TopologyFactory.PREDICTIONS_SINK)) {
          context.forward(
              new Record<>(emit.key(), emit.value(), emit.timestamp(), emit.headers()),
              emit.child());
        }
      }
    }
  }
}
