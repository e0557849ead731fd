package io.sluice.loadtests;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.app.SluiceApplication;
import io.sluice.batching.Scorer;
import io.sluice.config.SluiceConfig;
import io.sluice.inference.ModelHandle;
import io.sluice.inference.ModelRunner;
import io.sluice.kinds.classification.ClassificationHandler;
import io.sluice.kinds.classification.ClassificationKind;
import io.sluice.metrics.PipelineMetrics;
import io.sluice.pipeline.PipelineContext;
import io.sluice.pipeline.PipelineKinds;
import io.sluice.schemas.Alert;
import io.sluice.schemas.Prediction;
import io.sluice.serde.RecordPart;
import io.sluice.serde.RegistrySettings;
import io.sluice.serde.RestSchemaRegistryClient;
import io.sluice.serde.SchemaRegistryClient;
import io.sluice.serde.SpecificAvroSerde;
import io.sluice.topology.StreamsSettings;
import io.sluice.topology.TopologyFactory;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;

/**
 * A {@link PerRecordTopology} running in Kafka Streams with everything else taken from a Sluice
 * configuration: the same Kafka Streams settings, registry, serializers, model, per-record steps
 * and (optionally) anomaly stage as {@link SluiceApplication}, so that only the batching differs.
 *
 * <p>Single use: {@link #start()} returns once the streams are RUNNING; {@link #close()} closes the
 * streams, then the model and the registry client. Not thread-safe.
 */
public final class PerRecordApplication implements AutoCloseable {
  private final ModelRunner model;
  private final SchemaRegistryClient registry;
  private final KafkaStreams streams;
  private final AtomicReference<Throwable> failure = new AtomicReference<>();
  private boolean started;
  private boolean closed;

  private PerRecordApplication(
      ModelRunner model, SchemaRegistryClient registry, KafkaStreams streams) {
    this.model = model;
    this.registry = registry;
    this.streams = streams;
  }

  /**
   * Builds the application; nothing runs until {@link #start()}.
   *
   * @param replayed null: each record is scored by the model; else the pass-through: each distinct
   *     row is scored once and its scores replayed from this memory afterwards (see {@link
   *     PerRecordTopology#replaying}), so that the outputs are the model's
   * @param withAnomalyStage whether the scored records go through Sluice's anomaly stage (per-key
   *     rules, model monitor) as in Sluice, or only predictions are written
   */
  public static PerRecordApplication create(
      SluiceConfig config, Map<Object, float[]> replayed, boolean withAnomalyStage) {
    SluiceConfig.Pipeline p = config.pipeline();
    ModelRunner model = SluiceApplication.loadModel(config);
    SchemaRegistryClient registry = null;
    try {
      registry = new RestSchemaRegistryClient(RegistrySettings.of(config.registry().url()));
      PipelineKinds.Resolved resolved = PipelineKinds.resolve(config);
      PipelineMetrics metrics = new PipelineMetrics(new SimpleMeterRegistry(), p.name());
      // The handle is not closed: the model is this application's, closed by close().
      PipelineContext context =
          new PipelineContext(
              config, resolved.settings(), registry, new ModelHandle(model), metrics);
      ClassificationHandler handler = ClassificationKind.handler(context);
      // Sluice's anomaly stage, from the same configuration, so that the baselines write the same
      // alerts as Sluice (threshold, per-key and model-level rules) through the same code.
      TopologyFactory.AnomalyStage anomaly =
          withAnomalyStage ? resolved.kind().live(context).anomaly().orElse(null) : null;
      Scorer scorer =
          replayed == null ? model::run : PerRecordTopology.replaying(model::run, replayed);
      boolean autoRegister = config.registry().autoRegister();
      KafkaStreams streams =
          new KafkaStreams(
              PerRecordTopology.build(
                  p.inputTopic(),
                  p.outputTopic(),
                  p.alertsTopic(),
                  handler,
                  scorer,
                  new SpecificAvroSerde<>(
                          registry, Prediction.class, RecordPart.VALUE, autoRegister)
                      .serializer(),
                  new SpecificAvroSerde<>(registry, Alert.class, RecordPart.VALUE, autoRegister)
                      .serializer(),
                  anomaly,
                  metrics),
              StreamsSettings.from(config));
      return new PerRecordApplication(model, registry, streams);
    } catch (RuntimeException e) {
      model.close();
      if (registry != null) {
        registry.close();
      }
      throw e;
    }
  }

  /** Starts the streams and waits until they run. */
  public void start() {
    if (started || closed) {
      throw new IllegalStateException("application already started or closed; it is single use");
    }
    started = true;
    CountDownLatch settled = new CountDownLatch(1);
    streams.setStateListener(
        (newState, oldState) -> {
          if (newState == KafkaStreams.State.RUNNING || newState == KafkaStreams.State.ERROR) {
            settled.countDown();
          }
        });
    streams.setUncaughtExceptionHandler(
        e -> {
          failure.set(e);
          return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
    streams.start();
    try {
      if (!settled.await(120, TimeUnit.SECONDS)) {
        throw new IllegalStateException("Kafka Streams did not reach RUNNING within 120 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting", e);
    }
    if (failed()) {
      throw new IllegalStateException(
          "Kafka Streams failed to start: state " + streams.state(), failure.get());
    }
  }

  /** Whether the streams stopped on an error. */
  public boolean failed() {
    return failure.get() != null
        || streams.state() == KafkaStreams.State.ERROR
        || streams.state() == KafkaStreams.State.PENDING_ERROR;
  }

  /** The error that stopped the streams, if one did. */
  public Throwable failure() {
    return failure.get();
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      streams.close(Duration.ofSeconds(30));
    } finally {
      model.close();
      registry.close();
    }
  }
}
