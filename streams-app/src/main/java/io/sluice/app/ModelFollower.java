package io.sluice.app;

import io.sluice.config.SluiceConfig;
import io.sluice.inference.ModelHandle;
import io.sluice.inference.ModelRunner;
import io.sluice.inference.ModelVersions;
import io.sluice.inference.ModelVersions.Desired;
import io.sluice.inference.ModelVersions.Refusal;
import io.sluice.inference.ModelVersions.Status;
import io.sluice.inference.ModelVersions.Version;
import io.sluice.metrics.PipelineMetrics;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How one instance follows the model control topic: at start it reads the topic to its end and
 * serves the champion it finds there (saying so, when it is not the configured one); then a thread
 * of its own applies every change of the pipeline's desired state through {@link ModelVersions}
 * (load beside, check, swap at a batch boundary, or refuse) and writes this instance's status to
 * the status topic after every change or refusal.
 *
 * <p>Lifecycle: {@link #open} before the streams start, {@link #start()} once, {@link #close()}
 * before the model handle is closed. The handle is the caller's.
 */
final class ModelFollower implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ModelFollower.class);

  private final SluiceConfig config;
  private final KafkaConsumer<String, String> consumer;
  private final KafkaProducer<String, String> producer;
  private final ModelVersions versions;
  private final Thread thread;
  private volatile boolean running = true;

  private ModelFollower(
      SluiceConfig config,
      KafkaConsumer<String, String> consumer,
      KafkaProducer<String, String> producer,
      ModelVersions versions) {
    this.config = config;
    this.consumer = consumer;
    this.producer = producer;
    this.versions = versions;
    this.thread = new Thread(this::follow, "sluice-" + config.pipeline().name() + "-model-control");
    this.thread.setDaemon(true);
  }

  /**
   * Creates the topics if missing, reads the control topic to its end and makes the handle serve
   * the desired state found there, if any.
   *
   * @param serving where what the handle serves now came from (the configuration)
   */
  static ModelFollower open(
      SluiceConfig config,
      ModelHandle handle,
      Desired serving,
      ModelVersions.Loader loader,
      PipelineMetrics metrics) {
    SluiceConfig.Models m = config.models();
    String pipeline = config.pipeline().name();
    Map<String, Object> client = ModelControl.clientProperties(config);
    ModelControl.ensureTopics(client, m.controlTopic(), m.statusTopic());
    KafkaProducer<String, String> producer = ModelControl.producer(client);
    KafkaConsumer<String, String> consumer = null;
    try {
      consumer = ModelControl.consumer(client, m.controlTopic());
      AtomicReference<String> found = new AtomicReference<>();
      ModelControl.readToEnd(consumer, (k, v) -> keep(pipeline, k, v, found));
      StatusWriter status = new StatusWriter(config, producer, metrics, handle);
      ModelVersions versions =
          new ModelVersions(pipeline, handle, serving, loader, m.warmupRuns(), status);
      ModelFollower follower = new ModelFollower(config, consumer, producer, versions);
      if (found.get() == null) {
        LOG.info(
            "pipeline {}: no desired state on {}; serving the configured champion {}",
            pipeline,
            m.controlTopic(),
            serving.champion());
        status.changed(versions.status());
      } else {
        ModelControl.State state = ModelControl.State.decode(found.get());
        LOG.info(
            "pipeline {}: serving the desired state found on {} (champion {}{}, written {} by"
                + " '{}'), not the configured champion {}",
            pipeline,
            m.controlTopic(),
            state.desired().champion(),
            state.desired().challenger() == null
                ? ""
                : ", " + state.desired().mode() + " " + state.desired().challenger(),
            state.updated(),
            state.reason(),
            serving.champion());
        if (!versions.apply(state.desired())) {
          status.changed(versions.status());
        }
      }
      return follower;
    } catch (RuntimeException e) {
      producer.close(Duration.ZERO);
      if (consumer != null) {
        consumer.close(Duration.ZERO);
      }
      throw e;
    }
  }

  private static void keep(String pipeline, String key, String value, AtomicReference<String> to) {
    if (key.equals(pipeline)) {
      to.set(value);
    }
  }

  /** Starts following the control topic on a thread of its own. */
  void start() {
    thread.start();
  }

  /** The versions this follower applies the desired state to. */
  ModelVersions versions() {
    return versions;
  }

  private void follow() {
    String pipeline = config.pipeline().name();
    try {
      while (running) {
        AtomicReference<String> found = new AtomicReference<>();
        ModelControl.poll(consumer, Duration.ofMillis(500), (k, v) -> keep(pipeline, k, v, found));
        if (found.get() != null) {
          apply(found.get());
        }
      }
    } catch (WakeupException e) {
      // closing
    } catch (RuntimeException e) {
      LOG.error(
          "pipeline {}: following {} failed; the versions serving now keep serving",
          pipeline,
          config.models().controlTopic(),
          e);
    }
  }

  private void apply(String value) {
    ModelControl.State state;
    try {
      state = ModelControl.State.decode(value);
    } catch (RuntimeException e) {
      LOG.warn(
          "pipeline {}: ignoring an unreadable record on {}: {}",
          config.pipeline().name(),
          config.models().controlTopic(),
          e.getMessage());
      return;
    }
    LOG.info(
        "pipeline {}: desired state changed ({}): champion {}{}",
        config.pipeline().name(),
        state.reason(),
        state.desired().champion(),
        state.desired().challenger() == null
            ? ""
            : ", " + state.desired().mode() + " " + state.desired().challenger());
    if (state.desired().mode() == ModelHandle.Mode.SHADOW && config.pipeline().shadow().isEmpty()) {
      versions.refuse(
          state.desired().challenger(),
          "shadow",
          "pipeline.shadow.output.topic is not set: shadow predictions have nowhere to go");
      return;
    }
    versions.apply(state.desired());
  }

  @Override
  public void close() {
    running = false;
    consumer.wakeup();
    try {
      thread.join(Duration.ofSeconds(10).toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    consumer.close(Duration.ofSeconds(5));
    producer.close(Duration.ofSeconds(5));
  }

  /** Counts a refusal under the version's name and version (its descriptor, if unreadable). */
  static void countRefusal(PipelineMetrics metrics, Refusal r) {
    int colon = r.id().indexOf(':');
    metrics.modelRefused(
        colon < 0 ? r.id() : r.id().substring(0, colon),
        colon < 0 ? r.descriptor() : r.id().substring(colon + 1));
  }

  /** Writes the instance's status record after every change, and counts refusals and swaps. */
  private static final class StatusWriter implements ModelVersions.Listener {
    private final SluiceConfig config;
    private final KafkaProducer<String, String> producer;
    private final PipelineMetrics metrics;
    private final ModelHandle handle;
    private String lastChampion;

    StatusWriter(
        SluiceConfig config,
        KafkaProducer<String, String> producer,
        PipelineMetrics m,
        ModelHandle handle) {
      this.config = config;
      this.producer = producer;
      this.metrics = m;
      this.handle = handle;
    }

    @Override
    public void refused(Refusal r) {
      countRefusal(metrics, r);
    }

    @Override
    public void changed(Status s) {
      if (lastChampion != null && !lastChampion.equals(s.champion().id())) {
        ModelRunner now = handle.current();
        metrics.modelSwapped(now.name(), now.version(), now.activeProvider().configName());
      }
      lastChampion = s.champion().id();
      String key = config.pipeline().name() + "/" + config.models().instanceId();
      try {
        ModelControl.send(producer, config.models().statusTopic(), key, encode(s));
      } catch (RuntimeException e) {
        LOG.warn(
            "pipeline {}: cannot write its model status: {}",
            config.pipeline().name(),
            e.toString());
      }
    }

    private String encode(Status s) {
      Properties p = new Properties();
      p.setProperty("pipeline", config.pipeline().name());
      p.setProperty("instance", config.models().instanceId());
      p.setProperty("at", s.at().toString());
      put(p, "champion", s.champion());
      if (s.challenger() != null) {
        put(p, "challenger", s.challenger());
        p.setProperty("challenger.share", Double.toString(s.share()));
      }
      for (int i = 0; i < s.refused().size(); i++) {
        Refusal r = s.refused().get(i);
        p.setProperty("refused." + i + ".descriptor", r.descriptor());
        p.setProperty("refused." + i + ".id", r.id());
        p.setProperty("refused." + i + ".check", r.check());
        p.setProperty("refused." + i + ".reason", r.reason());
        p.setProperty("refused." + i + ".at", r.at().toString());
      }
      return ModelControl.encode(p);
    }

    private static void put(Properties p, String prefix, Version v) {
      p.setProperty(prefix + ".descriptor", v.descriptor());
      p.setProperty(prefix + ".id", v.id());
      p.setProperty(prefix + ".role", v.role());
      p.setProperty(prefix + ".since", v.since().toString());
    }
  }
}
