package io.sluice.app;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.batching.BatchScorer;
import io.sluice.batching.MicroBatchProcessor;
import io.sluice.config.ConfigKeys;
import io.sluice.config.SluiceConfig;
import io.sluice.inference.ExecutionProvider;
import io.sluice.inference.InferenceSettings;
import io.sluice.inference.ModelHandle;
import io.sluice.inference.ModelLoadException;
import io.sluice.inference.ModelLoader;
import io.sluice.inference.ModelRunner;
import io.sluice.inference.ModelVersions;
import io.sluice.metrics.Health;
import io.sluice.metrics.PipelineMetrics;
import io.sluice.pipeline.PipelineContext;
import io.sluice.pipeline.PipelineKind;
import io.sluice.pipeline.PipelineKinds;
import io.sluice.pipeline.PipelineParts;
import io.sluice.serde.AvroDecodeException;
import io.sluice.serde.SchemaRegistryClient;
import io.sluice.topology.SchemaGate;
import io.sluice.topology.StreamsSettings;
import io.sluice.topology.TopologyFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running pipeline: opens the registry client and the model, builds the topology, and runs it
 * in Kafka Streams.
 *
 * <p>Lifecycle: NEW → STARTING → RUNNING → STOPPING → STOPPED (or FAILED); single use. {@link
 * #start()} returns once the streams are RUNNING, or throws if they fail first. {@link #close()}
 * closes the streams, then the scoring threads, the model and the registry client it owns. Not
 * thread-safe: start and close from one thread.
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
  private final ModelHandle model;
  private final ModelFollower follower;
  private final ModelVersions versions;
  private final KafkaStreams streams;
  private final ExecutorService scoring;
  private final MeterRegistry meters;
  private final Map<String, String> topics; // checked at start: the pipeline's, by key
  private final AtomicReference<Throwable> failure = new AtomicReference<>();
  private KafkaStreamsMetrics streamsMetrics;
  private volatile State state = State.NEW;

  private SluiceApplication(
      SluiceConfig config,
      SchemaRegistryClient registry,
      ModelHandle model,
      ModelFollower follower,
      ModelVersions versions,
      KafkaStreams streams,
      ExecutorService scoring,
      MeterRegistry meters,
      Map<String, String> topics) {
    this.config = config;
    this.topics = topics;
    this.registry = registry;
    this.model = model;
    this.follower = follower;
    this.versions = versions;
    this.streams = streams;
    this.scoring = scoring;
    this.meters = meters;
  }

  /**
   * Builds the application; nothing runs until {@link #start()}.
   *
   * @throws ConfigException naming the key, if the configuration cannot work: the model is missing
   *     or does not match its descriptor, the feature mapping does not fit the model, an unknown
   *     Kafka setting, ...
   */
  public static SluiceApplication create(SluiceConfig config, MeterRegistry meters) {
    SluiceConfig.Pipeline p = config.pipeline();
    PipelineKinds.Resolved resolved = PipelineKinds.resolve(config);
    PipelineKind kind = resolved.kind();
    if (p.shadow().isPresent() && !kind.supportsShadow()) {
      throw new ConfigException(
          ConfigKeys.SHADOW_OUTPUT_TOPIC,
          p.shadow().get().outputTopic(),
          "shadow models are not supported by " + p.kind() + " pipelines");
    }
    ModelHandle model =
        new ModelHandle(loadModel(p, p.modelDescriptor(), ConfigKeys.MODEL_DESCRIPTOR, config));
    SchemaRegistryClient registry = null;
    ModelFollower follower = null;
    ExecutorService scoring = scoringExecutor(p.name());
    try {
      registry = RegistryClients.create(config.registry(), config.stateDir());
      PipelineMetrics metrics = new PipelineMetrics(meters, p.name());
      ModelRunner configured = model.current();
      metrics.modelLoaded(
          configured.name(), configured.version(), configured.activeProvider().configName());
      ModelVersions.Loader loader = d -> loadVersion(p, Path.of(d), config);
      ModelVersions.Desired initial =
          ModelVersions.Desired.champion(p.modelDescriptor().toString());
      ModelVersions versions =
          new ModelVersions(
              p.name(),
              model,
              initial,
              loader,
              config.models().warmupRuns(),
              new ModelVersions.Listener() {
                @Override
                public void refused(ModelVersions.Refusal r) {
                  ModelFollower.countRefusal(metrics, r);
                }
              });
      if (p.shadow().isPresent() && p.shadow().get().modelDescriptor() != null) {
        Path shadowDescriptor = p.shadow().get().modelDescriptor();
        ModelVersions.Desired withShadow =
            new ModelVersions.Desired(
                initial.champion(), shadowDescriptor.toString(), ModelHandle.Mode.SHADOW, 0);
        if (!versions.apply(withShadow)) {
          throw new ConfigException(
              ConfigKeys.SHADOW_MODEL_DESCRIPTOR,
              shadowDescriptor.toString(),
              versions.status().refused().get(0).reason());
        }
        LOG.info(
            "pipeline {}: shadow model {}, its predictions to {}",
            p.name(),
            model.serving().challenger(),
            p.shadow().get().outputTopic());
      }
      PipelineContext pipelineContext =
          new PipelineContext(config, resolved.settings(), registry, model, metrics);
      TopologyFactory.Plan plan = plan(kind, pipelineContext, Optional.empty());
      // Before Kafka Streams starts: no stream thread waits on the registry for an output's schema.
      TopologyFactory.prepareOutputSchemas(p, plan);
      Topology topology = topology(pipelineContext, plan, scoring);
      KafkaStreams streams = new KafkaStreams(topology, StreamsSettings.from(config));
      if (config.models().controlEnabled()) {
        // After every check of the configuration: this is the first contact with the broker.
        try {
          follower = ModelFollower.open(config, model, versions.applied(), loader, metrics);
        } catch (RuntimeException e) {
          streams.close(Duration.ZERO);
          throw e;
        }
        versions = follower.versions();
      }
      ModelRunner runner = model.current();
      LOG.info(
          "pipeline {} ({}) ready: {} -> {} (alerts {}, dead letters {}), model {}:{} on {}",
          p.name(),
          kind.name(),
          p.inputTopic(),
          p.outputTopic(),
          p.alertsTopic(),
          p.dlqTopic(),
          runner.name(),
          runner.version(),
          runner.activeProvider().configName());
      return new SluiceApplication(
          config,
          registry,
          model,
          follower,
          versions,
          streams,
          scoring,
          meters,
          PipelineTopics.of(p, topology.describe()));
    } catch (RuntimeException e) {
      scoring.shutdownNow();
      if (follower != null) {
        follower.close();
      }
      model.close();
      if (registry != null) {
        registry.close();
      }
      throw e;
    }
  }

  /**
   * The topology of a pipeline of any kind: the kind's parts around the engine's batcher, and the
   * shadow model's stages (built by the kind, with meters of their own so that the pipeline's
   * counts stay the model's) beside, if there is one. Public so that tests build exactly the
   * application's topology.
   */
  public static Topology topology(
      PipelineKind kind, PipelineContext context, Optional<ModelHandle> shadow) {
    return topology(kind, context, shadow, MicroBatchProcessor.SAME_THREAD);
  }

  /**
   * The topology of a pipeline of any kind, whose batches in flight are scored on {@code scoring}.
   */
  public static Topology topology(
      PipelineKind kind, PipelineContext context, Optional<ModelHandle> shadow, Executor scoring) {
    return topology(context, plan(kind, context, shadow), scoring);
  }

  /** What the kind's parts and the shadow make of the pipeline, before it is a topology. */
  private static TopologyFactory.Plan plan(
      PipelineKind kind, PipelineContext context, Optional<ModelHandle> shadow) {
    PipelineParts parts = kind.live(context);
    Optional<BatchScorer<?, ?>> shadowScorer = Optional.empty();
    SluiceConfig.Pipeline pipeline = context.pipeline();
    if (shadow.isEmpty() && pipeline.shadow().isPresent() && kind.supportsShadow()) {
      // The shadow is the handle's challenger while the control topic (or the configuration)
      // puts one in shadow mode; it must fit the champion, so the champion's stages serve it,
      // and the version that scores names each shadow prediction.
      PipelineContext shadowContext =
          new PipelineContext(
              context.config(),
              context.settings(),
              context.registry(),
              context.model(),
              new PipelineMetrics(new SimpleMeterRegistry(), pipeline.name() + "-shadow"));
      shadowScorer =
          Optional.of(
              BatchScorer.shadowOf(kind.shadowStages(context, shadowContext), context.model()));
    } else if (shadow.isPresent()) {
      SluiceConfig.Pipeline p = context.pipeline();
      PipelineContext shadowContext =
          new PipelineContext(
              context.config(),
              context.settings(),
              context.registry(),
              shadow.get(),
              new PipelineMetrics(new SimpleMeterRegistry(), p.name() + "-shadow"));
      shadowScorer =
          Optional.of(new BatchScorer<>(kind.shadowStages(context, shadowContext), shadow.get()));
    }
    return parts.plan(context.model(), shadowScorer);
  }

  private static Topology topology(
      PipelineContext context, TopologyFactory.Plan plan, Executor scoring) {
    // Only a real registry can be unreachable; the registry-less client reads the classpath.
    Optional<SchemaGate> gate =
        context.config().registry().enabled()
            ? Optional.of(
                new SchemaGate(context.registry(), SchemaGate.fetcher(), context.metrics()))
            : Optional.empty();
    return TopologyFactory.build(context.pipeline(), plan, context.metrics(), scoring, gate);
  }

  /**
   * The threads that score the batches in flight of every task of this instance: one per core, for
   * the model call is CPU-bound (ONNX Runtime's own intra-op threads come on top). Daemon threads,
   * so that a batch stuck in the model cannot keep a stopping JVM alive.
   */
  private static ExecutorService scoringExecutor(String pipeline) {
    int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
    AtomicInteger n = new AtomicInteger();
    return Executors.newFixedThreadPool(
        threads,
        r -> {
          Thread t = new Thread(r, "sluice-" + pipeline + "-scoring-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
  }

  /**
   * Loads the model of an application's pipeline with its execution provider and threads. Public so
   * that the benchmarks load it exactly as the application does.
   *
   * @throws ConfigException naming the key, if the provider or the model is not usable
   */
  public static ModelRunner loadModel(SluiceConfig config) {
    SluiceConfig.Pipeline p = config.pipeline();
    return loadModel(p, p.modelDescriptor(), ConfigKeys.MODEL_DESCRIPTOR, config);
  }

  private static ModelRunner loadModel(
      SluiceConfig.Pipeline p, Path descriptor, String key, SluiceConfig config) {
    try {
      return loadVersion(p, descriptor, config);
    } catch (ModelLoadException e) {
      throw new ConfigException(key, descriptor.toString(), e.getMessage());
    }
  }

  /** Loads and checks one model version with the pipeline's provider and threads. */
  private static ModelRunner loadVersion(
      SluiceConfig.Pipeline p, Path descriptor, SluiceConfig config) throws ModelLoadException {
    ExecutionProvider provider;
    try {
      provider = ExecutionProvider.parse(p.executionProvider());
    } catch (IllegalArgumentException e) {
      throw new ConfigException(
          ConfigKeys.EXECUTION_PROVIDER, p.executionProvider(), e.getMessage());
    }
    InferenceSettings settings =
        new InferenceSettings(provider, p.cudaDevice(), p.intraOpThreads(), 1, true);
    return ModelLoader.load(descriptor, settings, config.dataDir());
  }

  /** Starts the streams and waits until they run. */
  public void start() {
    if (state != State.NEW) {
      throw new IllegalStateException("application is " + state + "; it can be started once");
    }
    state = State.STARTING;
    try {
      PipelineTopics.ensure(
          new StreamsConfig(StreamsSettings.from(config)).getAdminConfigs("sluice-topics"),
          topics,
          config.topics(),
          "create it (README: Topics), or set "
              + ConfigKeys.TOPICS_CREATE
              + "=true to have Sluice create the missing topics at start");
    } catch (RuntimeException e) {
      state = State.FAILED;
      throw e;
    }
    CountDownLatch settled = new CountDownLatch(1);
    streams.setStateListener(
        (newState, oldState) -> {
          if (newState != KafkaStreams.State.REBALANCING) {
            settled.countDown(); // RUNNING, or failed, or closed while starting
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
      Throwable cause = failure.get();
      throw new IllegalStateException(
          "Kafka Streams failed to start: state " + streams.state() + rootCause(cause), cause);
    }
    state = State.RUNNING;
    if (follower != null) {
      follower.start();
    }
    // Bound once running: the clients' metrics exist by now (the binder looks for new ones
    // every minute).
    streamsMetrics =
        new KafkaStreamsMetrics(streams, Tags.of("pipeline", config.pipeline().name()));
    streamsMetrics.bindTo(meters);
    LOG.info("pipeline {} running", config.pipeline().name());
  }

  /** Waits for the model calls still running before the model they run on is closed. */
  private void awaitScoring(Duration timeout) {
    try {
      if (!scoring.awaitTermination(Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS)) {
        LOG.warn("pipeline {}: batches still being scored at close", config.pipeline().name());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * ": " and the innermost cause's type and message (an authentication failure, a refused ACL), or
   * nothing. Kafka's messages name the user, the resource and the operation, never a password.
   */
  static String rootCause(Throwable e) {
    if (e == null) {
      return "";
    }
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return ": " + root.getClass().getSimpleName() + ": " + root.getMessage();
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

  /**
   * Live unless the application has failed; ready only while the streams are RUNNING (not
   * rebalancing, not stopping) with the model loaded. Thread-safe.
   */
  public Health health() {
    State s = state();
    KafkaStreams.State streamsState = streams.state();
    boolean live = s != State.FAILED;
    boolean ready = s == State.RUNNING && streamsState == KafkaStreams.State.RUNNING;
    return new Health(
        live,
        ready,
        "pipeline "
            + config.pipeline().name()
            + " "
            + s
            + ", streams "
            + streamsState
            + ", model "
            + model().name()
            + ":"
            + model().version()
            + " on "
            + model().activeProvider().configName());
  }

  /** The error that stopped the application, if one did. */
  public Throwable failure() {
    return failure.get();
  }

  public KafkaStreams streams() {
    return streams;
  }

  /** The model version serving now. */
  public ModelRunner model() {
    return model.current();
  }

  /** The model versions: what serves now, the last refusals; applies a desired state. */
  public ModelVersions versions() {
    return versions;
  }

  @Override
  public void close() {
    if (state == State.STOPPED) {
      return;
    }
    state = State.STOPPING;
    Duration timeout = config.shutdownTimeout();
    LOG.info(
        "pipeline {} stopping: the stream threads finish the batch in hand and commit (up to {} ms)",
        config.pipeline().name(),
        timeout.toMillis());
    // A clean close commits, and before each commit the batchers score what waits (CommitHook):
    // under exactly_once_v2 the outputs of every record and the input offsets go in one last
    // transaction. Processor#close would be too late: Kafka Streams commits a task's last
    // transaction before it closes its processors.
    // Leaving the group hands the partitions to the other instances now rather than after the
    // session timeout; a static member (group.instance.id) stays, as static membership intends.
    CloseOptions.GroupMembershipOperation membership =
        config.kafka().keySet().stream().anyMatch(k -> k.endsWith("group.instance.id"))
            ? CloseOptions.GroupMembershipOperation.REMAIN_IN_GROUP
            : CloseOptions.GroupMembershipOperation.LEAVE_GROUP;
    if (!streams.close(CloseOptions.groupMembershipOperation(membership).withTimeout(timeout))) {
      LOG.warn(
          "pipeline {}: Kafka Streams did not stop within {} ms; uncommitted work is redone"
              + " after a restart",
          config.pipeline().name(),
          timeout.toMillis());
    }
    if (streamsMetrics != null) {
      streamsMetrics.close();
    }
    // The tasks are closed: what is still being scored is abandoned, its offsets uncommitted.
    scoring.shutdownNow();
    awaitScoring(timeout);
    if (follower != null) {
      follower.close();
    }
    model.close();
    registry.close();
    state = State.STOPPED;
    LOG.info("pipeline {} stopped", config.pipeline().name());
  }
}
