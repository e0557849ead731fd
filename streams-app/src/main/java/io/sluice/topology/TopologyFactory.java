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
 *
 * With an {@link AnomalyStage}, the batcher's scored events also go to the per-key rules and the
 * model monitor, and its dead letters pass through the monitor:
 *
 * <pre>
 * micro-batcher ─┬─► predictions topic
 *                ├─► key-rules [per-key LRU store, changelogged] ─────────► alerts topic
 *                └─► model-monitor [window store, changelogged] ─┬────────► alerts topic
 *                     (observations and dead letters)            └────────► dead-letter topic
 * </pre>
 */
public final class TopologyFactory {
  public static final String SOURCE = "input";
  public static final String BATCHER = "micro-batcher";
  public static final String PREDICTIONS_SINK = "predictions";
  public static final String ALERTS_SINK = "alerts";
  public static final String DLQ_SINK = "dead-letters";
  public static final String SHADOW_SINK = "shadow-predictions";
  public static final String KEY_RULES = "key-rules";
  public static final String MONITOR = "model-monitor";

  private TopologyFactory() {}

  /** Name of the changelogged batch-buffer store of a pipeline. */
  public static String bufferStoreName(String pipeline) {
    return pipeline + "-batch-buffer";
  }

  /** Name of the changelogged per-key state store of a pipeline. */
  public static String keyStoreName(String pipeline) {
    return pipeline + "-key-state";
  }

  /** Name of the changelogged window store of a pipeline's model monitor. */
  public static String monitorStoreName(String pipeline) {
    return pipeline + "-model-monitor";
  }

  /**
   * The anomaly stage behind the batcher: the per-key rules and the model monitor, which receive
   * the handler's emits to {@link #KEY_RULES} and {@link #MONITOR}.
   */
  public record AnomalyStage(
      KeyRulesProcessor.Settings keyRules, ModelMonitorProcessor.Settings monitor) {}

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
    return build(pipeline, predictions, alerts, handler, scorer, metrics, null);
  }

  /**
   * The topology of a scoring pipeline with an anomaly stage (null: none), whose handler emits
   * {@code predictions} to {@link #PREDICTIONS_SINK} and observations to {@link #KEY_RULES} and
   * {@link #MONITOR}.
   */
  public static <P> Topology build(
      SluiceConfig.Pipeline pipeline,
      Output<?> predictions,
      Output<?> alerts,
      BatchHandler<P> handler,
      Scorer scorer,
      PipelineMetrics metrics,
      AnomalyStage anomaly) {
    return build(pipeline, predictions, alerts, BatchStages.of(handler, scorer), metrics, anomaly);
  }

  /**
   * As {@link #build(SluiceConfig.Pipeline, Output, Output, BatchHandler, Scorer, PipelineMetrics,
   * AnomalyStage)}, for stages of any model; when the pipeline has a shadow model, the stages'
   * emits to {@link #SHADOW_SINK} (values of the predictions' type) go to {@code
   * pipeline.shadow.output.topic}.
   */
  public static <P> Topology build(
      SluiceConfig.Pipeline pipeline,
      Output<?> predictions,
      Output<?> alerts,
      BatchStages<P, ?> stages,
      PipelineMetrics metrics,
      AnomalyStage anomaly) {
    String store = bufferStoreName(pipeline.name());
    MicroBatchProcessor.Settings settings =
        new MicroBatchProcessor.Settings(
            pipeline.name(),
            store,
            anomaly == null ? DLQ_SINK : MONITOR,
            pipeline.batchMaxSize(),
            pipeline.batchMaxLinger());
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
    if (pipeline.shadow().isPresent()) {
      topology.addSink(
          SHADOW_SINK,
          pipeline.shadow().get().outputTopic(),
          new ByteArraySerializer(),
          sinkSerializer(predictions),
          BATCHER);
    }
    if (anomaly == null) {
      topology.addSink(
          ALERTS_SINK,
          pipeline.alertsTopic(),
          new ByteArraySerializer(),
          sinkSerializer(alerts),
          BATCHER);
      topology.addSink(
          DLQ_SINK,
          pipeline.dlqTopic(),
          new ByteArraySerializer(),
          new ByteArraySerializer(),
          BATCHER);
      return topology;
    }
    KeyRulesProcessor.Settings keyRules = anomaly.keyRules();
    topology.addProcessor(KEY_RULES, () -> new KeyRulesProcessor(keyRules, metrics), BATCHER);
    if (keyRules.keepsState()) {
      // Logged and bounded: the LRU map's evictions are written to the changelog as tombstones.
      topology.addStateStore(
          Stores.keyValueStoreBuilder(
                  Stores.lruMap(keyRules.storeName(), keyRules.maxKeys()),
                  Serdes.String(),
                  Serdes.ByteArray())
              .withLoggingEnabled(java.util.Map.of()),
          KEY_RULES);
    }
    ModelMonitorProcessor.Settings monitor = anomaly.monitor();
    topology.addProcessor(MONITOR, () -> new ModelMonitorProcessor(monitor, metrics), BATCHER);
    // Cached: the open windows change with every event, the changelog only once per commit.
    topology.addStateStore(
        Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(monitor.storeName()),
                Serdes.String(),
                Serdes.ByteArray())
            .withLoggingEnabled(java.util.Map.of())
            .withCachingEnabled(),
        MONITOR);
    topology.addSink(
        ALERTS_SINK,
        pipeline.alertsTopic(),
        new ByteArraySerializer(),
        sinkSerializer(alerts),
        BATCHER,
        KEY_RULES,
        MONITOR);
    topology.addSink(
        DLQ_SINK,
        pipeline.dlqTopic(),
        new ByteArraySerializer(),
        new ByteArraySerializer(),
        MONITOR);
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
