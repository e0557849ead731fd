package io.sluice.topology;

import io.sluice.batching.BatchHandler;
import io.sluice.batching.BatchScorer;
import io.sluice.batching.BatchStages;
import io.sluice.batching.Child;
import io.sluice.batching.CommitHook;
import io.sluice.batching.MicroBatchProcessor;
import io.sluice.batching.Scorer;
import io.sluice.config.SluiceConfig;
import io.sluice.metrics.PipelineMetrics;
import io.sluice.schemas.Alert;
import io.sluice.schemas.Prediction;
import io.sluice.serde.SchemaAhead;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.function.BiFunction;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * Builds the topology of one pipeline, of any kind, from its collaborators; {@code main} only wires
 * and starts it, and the tests call the same factory. The kind contributes its sinks, its pre-batch
 * state and its anomaly stage (see {@link Plan}); the rest is the same for every kind.
 *
 * <pre>
 * input topic (raw bytes) → [the kind's pre-batch state] → micro-batcher [commit hook]
 *                                                            ─┬─► the kind's sinks (predictions,
 *                                                             │   alerts, ...)
 *                                                             ├─► shadow predictions topic
 *                                                             └─► dead-letter topic
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
  public static final String SCHEMA_GATE = "schema-gate";
  public static final String REKEY = "partition-key";

  private TopologyFactory() {}

  /**
   * Name of the changelogged batch buffer that earlier versions wrote; now only drained at start
   * (see {@link MicroBatchProcessor}).
   */
  public static String bufferStoreName(String pipeline) {
    return pipeline + "-batch-buffer";
  }

  /** Name of the changelogged store of the records a registry outage holds back. */
  public static String heldBackStoreName(String pipeline) {
    return pipeline + "-held-back";
  }

  /** Name of the store through which a pipeline's batcher scores before each commit. */
  public static String commitHookName(String pipeline) {
    return pipeline + "-batch-commit";
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
   * the stages' emits to {@link #KEY_RULES} and {@link #MONITOR}, and raise alerts to the {@code
   * alerts} sink (which the batcher may feed too).
   */
  public record AnomalyStage(
      KeyRulesProcessor.Settings keyRules, ModelMonitorProcessor.Settings monitor, Sink<?> alerts) {
    /** The stage with alerts of {@link Alert} to {@link #ALERTS_SINK} on the pipeline's topic. */
    public AnomalyStage(
        KeyRulesProcessor.Settings keyRules, ModelMonitorProcessor.Settings monitor) {
      this(keyRules, monitor, null);
    }
  }

  /**
   * A sink: the typed child the stages emit to, the topic it writes, and the serializer of the
   * child's value type (Avro, Confluent wire format); the record keys are the input's raw bytes.
   *
   * @param topic the topic written; null: the pipeline's own topic for the sink's name (outputs for
   *     {@link #PREDICTIONS_SINK} and the kind's other sinks, alerts for {@link #ALERTS_SINK})
   */
  public record Sink<V>(Child<V> child, String topic, Serializer<V> serializer) {
    public Sink {
      Objects.requireNonNull(child, "child");
      Objects.requireNonNull(serializer, "serializer");
    }

    public String name() {
      return child.name();
    }

    /** Serializes a value emitted to this sink (a replay writing predictions). */
    public byte[] serialize(String topic, Object value) {
      return serializer.serialize(topic, child.type().cast(value));
    }
  }

  /**
   * The kind's state in front of the batcher (a recommender's per-user state): a processor that
   * forwards raw records to {@link #BATCHER}, or its rejects to {@link #DLQ_SINK}, and its stores.
   *
   * @param partitionKey if present, the input is first repartitioned through an internal topic
   *     ({@code <application.id>-<pipeline>-by-key-repartition}) on the key this function gives
   *     (from the record's raw key and value), so that the processor's state keyed by it meets all
   *     of its records in one task; it returns the raw key unchanged for a record it cannot read
   *     (the processor then dead-letters it)
   */
  public record PreBatch(
      String name,
      ProcessorSupplier<byte[], byte[], byte[], byte[]> processor,
      List<StoreBuilder<?>> stores,
      Optional<BiFunction<byte[], byte[], byte[]>> partitionKey) {
    public PreBatch {
      stores = List.copyOf(stores);
      Objects.requireNonNull(partitionKey, "partitionKey");
    }

    /** State in front of the batcher, on the input as it is partitioned. */
    public PreBatch(
        String name,
        ProcessorSupplier<byte[], byte[], byte[], byte[]> processor,
        List<StoreBuilder<?>> stores) {
      this(name, processor, stores, Optional.empty());
    }
  }

  /**
   * What a pipeline is built from, beside the engine's source, buffer and dead-letter sink.
   *
   * @param scorer the batch scoring loop over the kind's stages and the serving model
   * @param shadow the shadow model's scoring loop, if the pipeline has one: its emits to the
   *     predictions sink go to {@link #SHADOW_SINK}, in the same type
   * @param predictions the kind's predictions sink
   * @param sinks the kind's other sinks fed by the batcher
   */
  public record Plan(
      BatchScorer<?, ?> scorer,
      Optional<BatchScorer<?, ?>> shadow,
      Sink<?> predictions,
      List<Sink<?>> sinks,
      Optional<PreBatch> preBatch,
      Optional<AnomalyStage> anomaly) {
    public Plan {
      sinks = List.copyOf(sinks);
    }
  }

  /** What one sink writes: values of this type, with this serializer. */
  public record Output<T>(Serializer<T> serializer, Class<T> type) {
    Sink<T> sink(String name) {
      return new Sink<>(Child.of(name, type), null, serializer);
    }
  }

  /** The typed child of a classification pipeline's predictions. */
  public static final Child<Prediction> PREDICTIONS = Child.of(PREDICTIONS_SINK, Prediction.class);

  /** The typed child of a pipeline's alerts. */
  public static final Child<Alert> ALERTS = Child.of(ALERTS_SINK, Alert.class);

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
        BatchStages.of(handler, scorer),
        metrics,
        null);
  }

  /**
   * The topology of a scoring pipeline whose stages carry their model and emit {@code predictions}
   * to {@link #PREDICTIONS_SINK} and {@code alerts} to {@link #ALERTS_SINK}, with an anomaly stage
   * (null: none) that takes observations at {@link #KEY_RULES} and {@link #MONITOR}.
   */
  public static Topology build(
      SluiceConfig.Pipeline pipeline,
      Output<?> predictions,
      Output<?> alerts,
      BatchStages<?, ?> stages,
      PipelineMetrics metrics,
      AnomalyStage anomaly) {
    Sink<?> alertSink = alerts.sink(ALERTS_SINK);
    return build(
        pipeline,
        new Plan(
            new BatchScorer<>(stages, null),
            Optional.empty(),
            predictions.sink(PREDICTIONS_SINK),
            anomaly == null ? List.of(alertSink) : List.of(),
            Optional.empty(),
            Optional.ofNullable(anomaly)
                .map(a -> new AnomalyStage(a.keyRules(), a.monitor(), alertSink))),
        metrics);
  }

  /**
   * The topology of a pipeline of any kind, whose batches in flight are scored on the stream thread
   * that cuts them (tests, where the order of events must not depend on threads).
   */
  public static Topology build(SluiceConfig.Pipeline pipeline, Plan plan, PipelineMetrics metrics) {
    return build(pipeline, plan, metrics, MicroBatchProcessor.SAME_THREAD);
  }

  /**
   * The topology of a pipeline of any kind.
   *
   * @param scoring where batches in flight are scored, off the stream threads: the application's
   *     executor, shared by its tasks (and closed by the application)
   */
  public static Topology build(
      SluiceConfig.Pipeline pipeline, Plan plan, PipelineMetrics metrics, Executor scoring) {
    return build(pipeline, plan, metrics, scoring, Optional.empty());
  }

  /**
   * The topology of a pipeline of any kind, with its input held back per partition by {@code gate}
   * while the schema registry cannot give a record's writer schema ({@link SchemaGateProcessor}).
   */
  public static Topology build(
      SluiceConfig.Pipeline pipeline,
      Plan plan,
      PipelineMetrics metrics,
      Executor scoring,
      Optional<SchemaGate> gate) {
    String legacyBuffer = bufferStoreName(pipeline.name());
    AnomalyStage anomaly = plan.anomaly().orElse(null);
    MicroBatchProcessor.Settings settings =
        new MicroBatchProcessor.Settings(
            pipeline.name(),
            commitHookName(pipeline.name()),
            legacyBuffer,
            anomaly == null ? DLQ_SINK : MONITOR,
            pipeline.batchMaxSize(),
            pipeline.batchMaxLinger(),
            pipeline.batchMaxInFlight(),
            pipeline.batchOffloadMin(),
            pipeline.batchLatencyTarget());
    MicroBatchProcessor.Shadow shadow =
        plan.shadow()
            .map(s -> new MicroBatchProcessor.Shadow(s, plan.predictions().name(), SHADOW_SINK))
            .orElse(null);
    List<String> dlqParents = new ArrayList<>();
    Topology topology;
    String batcherParent;
    if (plan.preBatch().flatMap(PreBatch::partitionKey).isPresent()) {
      PreBatch pre = plan.preBatch().get();
      topology = repartitionedFront(pipeline, gate, pre);
      dlqParents.add(pre.name());
      batcherParent = pre.name();
    } else {
      topology = new Topology();
      topology.addSource(
          SOURCE, new ByteArrayDeserializer(), new ByteArrayDeserializer(), pipeline.inputTopic());
      batcherParent = SOURCE;
      if (gate.isPresent()) {
        String store = heldBackStoreName(pipeline.name());
        topology.addProcessor(
            SCHEMA_GATE, () -> new SchemaGateProcessor(gate.get(), store), SOURCE);
        topology.addStateStore(SchemaGateProcessor.store(store), SCHEMA_GATE);
        batcherParent = SCHEMA_GATE;
      }
      if (plan.preBatch().isPresent()) {
        PreBatch pre = plan.preBatch().get();
        topology.addProcessor(pre.name(), pre.processor(), batcherParent);
        for (StoreBuilder<?> builder : pre.stores()) {
          topology.addStateStore(builder, pre.name());
        }
        dlqParents.add(pre.name());
        batcherParent = pre.name();
      }
    }
    topology.addProcessor(
        BATCHER, () -> batcher(settings, plan.scorer(), shadow, metrics, scoring), batcherParent);
    // The batcher scores and forwards what waits before each commit, through this hook. It is
    // connected before any store downstream of the batcher (the anomaly stage's), so Kafka Streams
    // flushes it first and the stores its forwards write to are flushed after, in the same commit.
    topology.addStateStore(CommitHook.builder(settings.hookStore()), BATCHER);
    // Drained at start, never written: what earlier versions left buffered is scored once.
    topology.addStateStore(
        Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(legacyBuffer), Serdes.Long(), Serdes.ByteArray())
            .withLoggingEnabled(Map.of()),
        BATCHER);
    addSink(topology, plan.predictions(), pipeline, BATCHER);
    if (shadow != null) {
      addSink(
          topology,
          shadowSink(plan.predictions(), pipeline.shadow().orElseThrow().outputTopic()),
          pipeline,
          BATCHER);
    }
    for (Sink<?> sink : plan.sinks()) {
      addSink(topology, sink, pipeline, BATCHER);
    }
    if (anomaly == null) {
      dlqParents.add(BATCHER);
    } else {
      addAnomalyStage(topology, anomaly, pipeline, metrics);
      dlqParents.add(MONITOR);
    }
    topology.addSink(
        DLQ_SINK,
        pipeline.dlqTopic(),
        new ByteArraySerializer(),
        new ByteArraySerializer(),
        dlqParents.toArray(String[]::new));
    return topology;
  }

  /**
   * Source, schema gate and the kind's state, with the input repartitioned on the kind's key in
   * between: built with the DSL, the only public way to an internal repartition topic (created by
   * Kafka Streams with the input's partition count, its records purged once consumed, written and
   * read in the same exactly-once transactions as the rest). The rest of the topology is added to
   * it with the Processor API.
   */
  private static Topology repartitionedFront(
      SluiceConfig.Pipeline pipeline, Optional<SchemaGate> gate, PreBatch pre) {
    StreamsBuilder builder = new StreamsBuilder();
    KStream<byte[], byte[]> input =
        builder.stream(
            pipeline.inputTopic(),
            Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName(SOURCE));
    if (gate.isPresent()) {
      String store = heldBackStoreName(pipeline.name());
      builder.addStateStore(SchemaGateProcessor.store(store));
      input =
          input.process(
              () -> new SchemaGateProcessor(gate.get(), store), Named.as(SCHEMA_GATE), store);
    }
    BiFunction<byte[], byte[], byte[]> key = pre.partitionKey().orElseThrow();
    List<String> stores = new ArrayList<>();
    for (StoreBuilder<?> store : pre.stores()) {
      builder.addStateStore(store);
      stores.add(store.name());
    }
    input
        .selectKey((k, v) -> key.apply(k, v), Named.as(REKEY))
        .repartition(
            Repartitioned.with(Serdes.ByteArray(), Serdes.ByteArray())
                .withName(pipeline.name() + "-by-key"))
        .process(pre.processor(), Named.as(pre.name()), stores.toArray(String[]::new));
    return builder.build();
  }

  @SuppressWarnings({"unchecked", "rawtypes"}) // the plan's scorer and the batcher share <P>
  private static MicroBatchProcessor<?> batcher(
      MicroBatchProcessor.Settings settings,
      BatchScorer<?, ?> scorer,
      MicroBatchProcessor.Shadow shadow,
      PipelineMetrics metrics,
      Executor scoring) {
    return new MicroBatchProcessor(settings, scorer, shadow, metrics, scoring);
  }

  private static void addAnomalyStage(
      Topology topology,
      AnomalyStage anomaly,
      SluiceConfig.Pipeline pipeline,
      PipelineMetrics metrics) {
    addAnomalyProcessors(topology, anomaly, BATCHER, metrics);
    addSink(topology, anomaly.alerts(), pipeline, BATCHER, KEY_RULES, MONITOR);
  }

  /**
   * The anomaly stage's processors, {@link #KEY_RULES} and {@link #MONITOR}, as children of {@code
   * parent}, with their stores; the caller adds the alerts sink. Public for the load tests'
   * per-record baselines, which run the same stage.
   */
  public static void addAnomalyProcessors(
      Topology topology, AnomalyStage anomaly, String parent, PipelineMetrics metrics) {
    KeyRulesProcessor.Settings keyRules = anomaly.keyRules();
    topology.addProcessor(KEY_RULES, () -> new KeyRulesProcessor(keyRules, metrics), parent);
    if (keyRules.keepsState()) {
      // Logged and bounded: the LRU map's evictions are written to the changelog as tombstones.
      topology.addStateStore(
          Stores.keyValueStoreBuilder(
                  Stores.lruMap(keyRules.storeName(), keyRules.maxKeys()),
                  Serdes.String(),
                  Serdes.ByteArray())
              .withLoggingEnabled(Map.of()),
          KEY_RULES);
    }
    ModelMonitorProcessor.Settings monitor = anomaly.monitor();
    topology.addProcessor(MONITOR, () -> new ModelMonitorProcessor(monitor, metrics), parent);
    // Cached: the open windows change with every event, the changelog only once per commit.
    topology.addStateStore(
        Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(monitor.storeName()),
                Serdes.String(),
                Serdes.ByteArray())
            .withLoggingEnabled(Map.of())
            .withCachingEnabled(),
        MONITOR);
  }

  /** The shadow's predictions: of the predictions' type, to the shadow's topic. */
  private static <V> Sink<V> shadowSink(Sink<V> predictions, String topic) {
    return new Sink<>(
        Child.of(SHADOW_SINK, predictions.child().type()), topic, predictions.serializer());
  }

  /** A typed sink: its serializer takes the child's value type, as the stages emit it. */
  private static <V> void addSink(
      Topology topology, Sink<V> sink, SluiceConfig.Pipeline pipeline, String... parents) {
    topology.addSink(
        sink.name(),
        topicOf(sink, pipeline),
        new ByteArraySerializer(),
        sink.serializer(),
        parents);
  }

  /** The topic a sink writes: its own, or the pipeline's for the sink's name. */
  private static String topicOf(Sink<?> sink, SluiceConfig.Pipeline pipeline) {
    if (sink.topic() != null) {
      return sink.topic();
    }
    return sink.name().equals(ALERTS_SINK) ? pipeline.alertsTopic() : pipeline.outputTopic();
  }

  /**
   * Gets the schema id of every output of {@code plan} whose schema is known ahead ({@link
   * SchemaAhead}: the generated classes' Avro sinks), before Kafka Streams starts: a stream thread
   * then never waits on the registry for an output schema inside a transaction, which an
   * unreachable registry would keep open past its timeout. An id kept on disk from an earlier run
   * ({@code SchemaFileCache}) serves while the registry is unreachable.
   *
   * @throws org.apache.kafka.common.errors.SerializationException naming the subject, if the
   *     registry refuses a schema or cannot be reached and no id was kept for it
   */
  public static void prepareOutputSchemas(SluiceConfig.Pipeline pipeline, Plan plan) {
    List<Sink<?>> sinks = new ArrayList<>();
    sinks.add(plan.predictions());
    if (plan.shadow().isPresent()) {
      sinks.add(shadowSink(plan.predictions(), pipeline.shadow().orElseThrow().outputTopic()));
    }
    sinks.addAll(plan.sinks());
    plan.anomaly().ifPresent(a -> sinks.add(a.alerts()));
    for (Sink<?> sink : sinks) {
      if (sink.serializer() instanceof SchemaAhead ahead) {
        ahead.prepare(topicOf(sink, pipeline));
      }
    }
  }
}
