package io.sluice.topology.recs;

import io.sluice.batching.MicroBatchProcessor;
import io.sluice.config.SluiceConfig;
import io.sluice.metrics.PipelineMetrics;
import io.sluice.schemas.Recommendation;
import io.sluice.topology.EventDecoder;
import io.sluice.topology.TopologyFactory;
import java.util.Map;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * Builds the topology of a recommendation pipeline from its collaborators.
 *
 * <pre>
 * input topic (raw bytes, keyed by user id)
 *   → user state [changelogged store: recent and rated items per user] ─► dead-letter topic
 *   → micro-batcher [changelogged buffer]  ─┬─► recommendations topic
 *                                           └─► dead-letter topic
 * </pre>
 */
public final class RecsTopology {
  public static final String USER_STATE = "user-state";
  public static final String RECOMMENDATIONS_SINK = "recommendations";

  private RecsTopology() {}

  /** Name of the changelogged per-user state store of a pipeline. */
  public static String userStoreName(String pipeline) {
    return pipeline + "-user-state";
  }

  /** The topology: events in, {@link Recommendation}s and dead letters out. */
  public static Topology build(
      SluiceConfig.Pipeline pipeline,
      RecsSettings settings,
      Serializer<Recommendation> serializer,
      EventDecoder decoder,
      Catalogue catalogue,
      CandidateModel model,
      RecommendationStages.ModelInfo info,
      PipelineMetrics metrics) {
    String userStore = userStoreName(pipeline.name());
    String buffer = TopologyFactory.bufferStoreName(pipeline.name());
    RecsMetrics recsMetrics = new RecsMetrics(metrics, pipeline.name());
    RecommendationStages stages =
        new RecommendationStages(
            catalogue, model, info, settings, RECOMMENDATIONS_SINK, metrics, recsMetrics);
    MicroBatchProcessor.Settings batching =
        new MicroBatchProcessor.Settings(
            pipeline.name(),
            buffer,
            TopologyFactory.DLQ_SINK,
            pipeline.batchMaxSize(),
            pipeline.batchMaxLinger());

    Topology topology = new Topology();
    topology.addSource(
        TopologyFactory.SOURCE,
        new ByteArrayDeserializer(),
        new ByteArrayDeserializer(),
        pipeline.inputTopic());
    topology.addProcessor(
        USER_STATE,
        () ->
            new UserStateProcessor(
                pipeline.name(),
                userStore,
                TopologyFactory.BATCHER,
                TopologyFactory.DLQ_SINK,
                decoder,
                catalogue,
                settings,
                metrics,
                recsMetrics),
        TopologyFactory.SOURCE);
    // Logged, so that a user's state survives a restart on this or another instance.
    topology.addStateStore(
        Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(userStore), Serdes.Long(), Serdes.ByteArray())
            .withLoggingEnabled(Map.of()),
        USER_STATE);
    topology.addProcessor(
        TopologyFactory.BATCHER,
        () -> new MicroBatchProcessor<>(batching, stages, metrics),
        USER_STATE);
    topology.addStateStore(
        Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(buffer), Serdes.Long(), Serdes.ByteArray())
            .withLoggingEnabled(Map.of()),
        TopologyFactory.BATCHER);
    topology.addSink(
        RECOMMENDATIONS_SINK,
        pipeline.outputTopic(),
        new ByteArraySerializer(),
        TopologyFactory.sinkSerializer(
            new TopologyFactory.Output<>(serializer, Recommendation.class)),
        TopologyFactory.BATCHER);
    topology.addSink(
        TopologyFactory.DLQ_SINK,
        pipeline.dlqTopic(),
        new ByteArraySerializer(),
        new ByteArraySerializer(),
        TopologyFactory.BATCHER,
        USER_STATE);
    return topology;
  }
}
