package io.sluice.loadtests;

import io.sluice.batching.BatchHandler;
import io.sluice.batching.BufferedRecord;
import io.sluice.batching.Emit;
import io.sluice.batching.Scorer;
import io.sluice.errors.RejectedRecordException;
import io.sluice.schemas.Alert;
import io.sluice.schemas.Prediction;
import io.sluice.topology.TopologyFactory;
import java.util.Arrays;
import java.util.List;
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
 * from; with {@link #noModel} it is a pass-through that does everything but call a model. The
 * per-record steps are Sluice's own {@link BatchHandler}, so that a comparison measures
 * micro-batching and the changelogged buffer, not two implementations of decoding. There is no
 * dead-letter topic: a record the handler rejects fails the stream thread.
 *
 * <pre>
 * input topic (raw bytes) → per-record scorer ─┬─► predictions topic
 *                                              └─► alerts topic
 * </pre>
 */
public final class PerRecordTopology {
  public static final String SOURCE = "input";
  public static final String SCORER = "per-record-scorer";

  private PerRecordTopology() {}

  /**
   * The per-record topology.
   *
   * @param handler decodes and featurizes records and turns scores into predictions and alerts
   * @param scorer called once per record, with a single row
   * @param predictionSerializer writes {@link Prediction} values (Avro, Confluent wire format)
   * @param alertSerializer writes {@link Alert} values
   */
  public static <P> Topology build(
      String inputTopic,
      String predictionsTopic,
      String alertsTopic,
      BatchHandler<P> handler,
      Scorer scorer,
      Serializer<Prediction> predictionSerializer,
      Serializer<Alert> alertSerializer) {
    Topology topology = new Topology();
    topology.addSource(
        SOURCE, new ByteArrayDeserializer(), new ByteArrayDeserializer(), inputTopic);
    topology.addProcessor(SCORER, () -> new PerRecordProcessor<>(handler, scorer), SOURCE);
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
        SCORER);
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

  /** Scores each record on its own. One instance per task; the handler and scorer are shared. */
  private static final class PerRecordProcessor<P>
      implements Processor<byte[], byte[], Object, Object> {
    private final BatchHandler<P> handler;
    private final Scorer scorer;
    private ProcessorContext<Object, Object> context;

    PerRecordProcessor(BatchHandler<P> handler, Scorer scorer) {
      this.handler = handler;
      this.scorer = scorer;
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
        // Predictions only: the handler's observations for Sluice's anomaly stage (threshold
        // alerts, health) have no consumer here, so the baselines do less work than Sluice.
        if (emit.child().equals(TopologyFactory.PREDICTIONS_SINK)) {
          context.forward(
              new Record<>(emit.key(), emit.value(), emit.timestamp(), emit.headers()),
              emit.child());
        }
      }
    }
  }
}
