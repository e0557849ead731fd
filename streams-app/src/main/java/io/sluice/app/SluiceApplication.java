package io.sluice.app;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.sluice.anomaly.ThresholdRule;
import io.sluice.config.ConfigKeys;
import io.sluice.config.SluiceConfig;
import io.sluice.errors.DeadLetter.Stage;
import io.sluice.errors.RejectedRecordException;
import io.sluice.inference.ExecutionProvider;
import io.sluice.inference.InferenceSettings;
import io.sluice.inference.ModelDescriptor;
import io.sluice.inference.ModelLoadException;
import io.sluice.inference.ModelRunner;
import io.sluice.metrics.PipelineMetrics;
import io.sluice.schemas.Alert;
import io.sluice.schemas.Prediction;
import io.sluice.serde.AvroDecodeException;
import io.sluice.serde.AvroRecordDecoder;
import io.sluice.serde.SchemaRegistryClient;
import io.sluice.serde.SpecificAvroSerde;
import io.sluice.topology.ClassificationHandler;
import io.sluice.topology.EventDecoder;
import io.sluice.topology.FeatureMapping;
import io.sluice.topology.StreamsSettings;
import io.sluice.topology.TopologyFactory;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running pipeline: opens the registry client and the model, builds the topology, and runs
 * it in Kafka Streams.
 *
 * <p>Lifecycle: NEW → STARTING → RUNNING → STOPPING → STOPPED (or FAILED); single use. {@link
 * #start()} returns once the streams are RUNNING, or throws if they fail first. {@link #close()}
 * closes the streams, then the model and the registry client it owns. Not thread-safe: start and
 * close from one thread.
 */
public final class SluiceApplication implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SluiceApplication.class);

  /** Where the application is in its life. */
  public enum State {
    NEW,
    STARTING,
    RUNNING,
    STOPPING,
    STOPPED,
    FAILED
  }

  private final SluiceConfig config;
  private final SchemaRegistryClient registry;
  private final ModelRunner model;
  private final KafkaStreams streams;
  private final AtomicReference<Throwable> failure = new AtomicReference<>();
  private volatile State state = State.NEW;

  private SluiceApplication(
      SluiceConfig config, SchemaRegistryClient registry, ModelRunner model, KafkaStreams streams) {
    this.config = config;
    this.registry = registry;
    this.model = model;
    this.streams = streams;
  }

  /**
   * Builds the application; nothing runs until {@link #start()}.
   *
   * @throws ConfigException naming the key, if the configuration cannot work: the model is
   *     missing or does not match its descriptor, the feature mapping does not fit the model, an
   *     unknown Kafka setting, ...
   */
  public static SluiceApplication create(SluiceConfig config, MeterRegistry meters) {
    SluiceConfig.Pipeline p = config.pipeline();
    ModelRunner model = loadModel(p);
    SchemaRegistryClient registry = null;
    try {
      registry = RegistryClients.create(config.registry());
      PipelineMetrics metrics = new PipelineMetrics(meters, p.name());
      meters.gauge(
          "sluice.model.execution.provider",
          Tags.of(
              "pipeline", p.name(), "provider", model.activeProvider().configName()),
          1);
      ClassificationHandler handler = classificationHandler(p, model, registry, metrics);
      boolean autoRegister = config.registry().autoRegister();
      Topology topology =
          TopologyFactory.build(
              p,
              new SpecificAvroSerde<>(registry, Prediction.class, io.sluice.serde.RecordPart.VALUE, autoRegister).serializer(),
              new SpecificAvroSerde<>(registry, Alert.class, io.sluice.serde.RecordPart.VALUE, autoRegister).serializer(),
              handler,
              model::run,
              metrics);
      KafkaStreams streams = new KafkaStreams(topology, StreamsSettings.from(config));
      LOG.info(
          "pipeline {} ready: {} -> {} (alerts {}, dead letters {}), model {}:{} on {}",
          p.name(),
          p.inputTopic(),
          p.outputTopic(),
          p.alertsTopic(),
          p.dlqTopic(),
          model.name(),
          model.version(),
          model.activeProvider().configName());
      return new SluiceApplication(config, registry, model, streams);
    } catch (RuntimeException e) {
      model.close();
      if (registry != null) {
        registry.close();
      }
      throw e;
    }
  }

  /**
   * The steps of pipeline {@code p} around its model: decode, featurize, and turn scores into
   * predictions and alerts. Public so that the benchmarks run exactly this code without batching.
   *
   * @throws ConfigException naming the key, if the feature mapping does not fit the model
   */
  public static ClassificationHandler classificationHandler(
      SluiceConfig.Pipeline p,
      ModelRunner model,
      SchemaRegistryClient registry,
      PipelineMetrics metrics) {
    ModelDescriptor descriptor = model.descriptor();
    return new ClassificationHandler(
        decoder(AvroRecordDecoder.generic(registry)),
        FeatureMapping.parse(ConfigKeys.FEATURES, p.features(), descriptor.features()),
        new ClassificationHandler.ModelInfo(
            model.name(),
            model.version(),
            descriptor.labels(),
            descriptor.positiveLabel().orElse(null)),
        new ClassificationHandler.Fields(p.eventIdField(), p.eventTimeField(), p.labelField()),
        thresholdRule(p, descriptor),
        metrics);
  }

  /**
   * Loads the model of pipeline {@code p} with its execution provider and threads.
   *
   * @throws ConfigException naming the key, if the provider or the model is not usable
   */
  public static ModelRunner loadModel(SluiceConfig.Pipeline p) {
    ExecutionProvider provider;
    try {
      provider = ExecutionProvider.parse(p.executionProvider());
    } catch (IllegalArgumentException e) {
      throw new ConfigException(ConfigKeys.EXECUTION_PROVIDER, p.executionProvider(), e.getMessage());
    }
    InferenceSettings settings =
        new InferenceSettings(provider, p.cudaDevice(), p.intraOpThreads(), 1, true);
    try {
      return ModelRunner.load(p.modelDescriptor(), settings);
    } catch (ModelLoadException e) {
      throw new ConfigException(
          ConfigKeys.MODEL_DESCRIPTOR, p.modelDescriptor().toString(), e.getMessage());
    }
  }

  private static ThresholdRule thresholdRule(SluiceConfig.Pipeline p, ModelDescriptor d) {
    if (p.alertThreshold().isPresent()) {
      return new ThresholdRule(p.alertThreshold().getAsDouble(), p.alertSeverity());
    }
    if (d.alertThreshold().isPresent()) {
      return new ThresholdRule(d.alertThreshold().getAsDouble(), p.alertSeverity());
    }
    LOG.warn(
        "pipeline {}: no {} and no alertThreshold in the model descriptor: no threshold alerts",
        p.name(),
        ConfigKeys.ALERT_THRESHOLD);
    return null;
  }

  /** Bad bytes are the record's fault; a registry outage is not, and must not dead-letter it. */
  private static EventDecoder decoder(AvroRecordDecoder<GenericRecord> avro) {
    return bytes -> {
      try {
        return avro.decode(bytes);
      } catch (AvroDecodeException e) {
        if (e.isRetriable()) {
          throw e;
        }
        throw new RejectedRecordException(Stage.DECODE, e.reason().name(), e.getMessage(), e);
      }
    };
  }

  /** Starts the streams and waits until they run. */
  public void start() {
    if (state != State.NEW) {
      throw new IllegalStateException("application is " + state + "; it can be started once");
    }
    state = State.STARTING;
    CountDownLatch settled = new CountDownLatch(1);
    streams.setStateListener(
        (newState, oldState) -> {
          if (newState == KafkaStreams.State.RUNNING || newState == KafkaStreams.State.ERROR) {
            settled.countDown();
          }
          if (newState == KafkaStreams.State.ERROR) {
            state = State.FAILED;
          }
        });
    streams.setUncaughtExceptionHandler(
        e -> {
          if (isRetriable(e)) {
            LOG.warn("stream thread failed on a retriable error, replacing it: {}", e.toString());
            return StreamThreadExceptionResponse.REPLACE_THREAD;
          }
          LOG.error("pipeline {} failed; stopping", config.pipeline().name(), e);
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
    if (streams.state() != KafkaStreams.State.RUNNING
        && streams.state() != KafkaStreams.State.REBALANCING) {
      state = State.FAILED;
      throw new IllegalStateException(
          "Kafka Streams failed to start: state " + streams.state(), failure.get());
    }
    state = State.RUNNING;
    LOG.info("pipeline {} running", config.pipeline().name());
  }

  private static boolean isRetriable(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof AvroDecodeException a && a.isRetriable()) {
        return true;
      }
    }
    return false;
  }

  public State state() {
    if (state == State.RUNNING && streams.state() == KafkaStreams.State.ERROR) {
      return State.FAILED;
    }
    return state;
  }

  /** The error that stopped the application, if one did. */
  public Throwable failure() {
    return failure.get();
  }

  public KafkaStreams streams() {
    return streams;
  }

  public ModelRunner model() {
    return model;
  }

  @Override
  public void close() {
    if (state == State.STOPPED) {
      return;
    }
    state = State.STOPPING;
    streams.close(Duration.ofSeconds(30));
    model.close();
    registry.close();
    state = State.STOPPED;
    LOG.info("pipeline {} stopped", config.pipeline().name());
  }
}
