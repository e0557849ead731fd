package io.sluice.topology;

import io.sluice.batching.BatchHandler;
import io.sluice.batching.BatchStages;
import io.sluice.batching.MicroBatchProcessor;
import io.sluice.batching.Scorer;
import io.sluice.config.SluiceConfig;
import io.sluice.metrics.PipelineMetrics;
import io.sluice.schemas.Alert;
import io.sluice.schemas.Prediction;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * Builds the topology of one pipeline from its collaborators; {@code main} only wires and starts
 * it, and the tests call the same factory.
 *
 * <pre>
 * input topic (raw bytes) → micro-batcher [changelogged buffer] ─┬─► predictions topic
 *                                                                ├─► alerts topic
 *                                                                └─► dead-letter topic
 * </pre>
 */
public final class TopologyFactory {
  public static final String SOURCE = "input";
  public static final String BATCHER = "micro-batcher";
  public static final String PREDICTIONS_SINK = "predictions";
  public static final String ALERTS_SINK = "alerts";
  public static final String DLQ_SINK = "dead-letters";
  public static final String SHADOW_SINK = "shadow-predictions";

  private TopologyFactory() {}

  /** Name of the changelogged batch-buffer store of a pipeline. */
  public static String bufferStoreName(String pipeline) {
    return pipeline + "-batch-buffer";
  }

  /** The topology of a classification pipeline: {@link Prediction}s and {@link Alert}s out. */
  public static <P> Topology build(
      SluiceConfig.Pipeline pipeline,
      Serializer<Prediction> predictionSerializer,
      Serializer<Alert> alertSerializer,
      BatchHandler<P> handler,
      Scorer scorer,
      PipelineMetrics metrics) {
    return build(
        pipeline,
        new Output<>(predictionSerializer, Prediction.class),
        new Output<>(alertSerializer, Alert.class),
        handler,
        scorer,
        metrics);
  }

  /**
   * What one sink writes: values of this type, with this serializer (Avro, Confluent wire format).
   */
  public record Output<T>(Serializer<T> serializer, Class<T> type) {}

  /**
   * The topology of a scoring pipeline whose handler emits {@code predictions} to {@link
   * #PREDICTIONS_SINK} and {@code alerts} to {@link #ALERTS_SINK}.
   */
  public static <P> Topology build(
      SluiceConfig.Pipeline pipeline,
      Output<?> predictions,
      Output<?> alerts,
      BatchHandler<P> handler,
      Scorer scorer,
      PipelineMetrics metrics) {
    return build(pipeline, predictions, alerts, BatchStages.of(handler, scorer), metrics);
  }

  /**
   * The topology of a scoring pipeline whose stages emit to {@link #PREDICTIONS_SINK}, {@link
   * #ALERTS_SINK} and, when the pipeline has a shadow model, {@link #SHADOW_SINK} (values of the
   * predictions' type, to {@code pipeline.shadow.output.topic}).
   */
  public static <P> Topology build(
      SluiceConfig.Pipeline pipeline,
      Output<?> predictions,
      Output<?> alerts,
      BatchStages<P, ?> stages,
      PipelineMetrics metrics) {
    String store = bufferStoreName(pipeline.name());
    MicroBatchProcessor.Settings settings =
        new MicroBatchProcessor.Settings(
            pipeline.name(), store, DLQ_SINK, pipeline.batchMaxSize(), pipeline.batchMaxLinger());
    Topology topology = new Topology();
    topology.addSource(
        SOURCE, new ByteArrayDeserializer(), new ByteArrayDeserializer(), pipeline.inputTopic());
    topology.addProcessor(
        BATCHER, () -> new MicroBatchProcessor<>(settings, stages, metrics), SOURCE);
    // Logged: the buffer must survive a crash (see MicroBatchProcessor).
    topology.addStateStore(
        Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(store), Serdes.Long(), Serdes.ByteArray())
            .withLoggingEnabled(java.util.Map.of()),
        BATCHER);
    topology.addSink(
        PREDICTIONS_SINK,
        pipeline.outputTopic(),
        new ByteArraySerializer(),
        sinkSerializer(predictions),
        BATCHER);
    topology.addSink(
        ALERTS_SINK,
        pipeline.alertsTopic(),
        new ByteArraySerializer(),
        sinkSerializer(alerts),
        BATCHER);
    if (pipeline.shadow().isPresent()) {
      topology.addSink(
          SHADOW_SINK,
          pipeline.shadow().get().outputTopic(),
          new ByteArraySerializer(),
          sinkSerializer(predictions),
          BATCHER);
    }
    topology.addSink(
        DLQ_SINK,
        pipeline.dlqTopic(),
        new ByteArraySerializer(),
        new ByteArraySerializer(),
        BATCHER);
    return topology;
  }

  /**
   * The value serializer of a sink fed by the batcher: the batcher forwards plain objects, and the
   * sink checks it gets the type it writes.
   */
  public static <T> Serializer<Object> sinkSerializer(Output<T> output) {
    Serializer<T> serializer = output.serializer();
    Class<T> type = output.type();
    return new Serializer<>() {
      @Override
      public byte[] serialize(String topic, Object data) {
        return serializer.serialize(topic, data == null ? null : type.cast(data));
      }

      @Override
      public byte[] serialize(
          String topic, org.apache.kafka.common.header.Headers headers, Object data) {
        return serializer.serialize(topic, headers, data == null ? null : type.cast(data));
      }

      @Override
      public void close() {
        serializer.close();
      }
    };
  }
}
