package io.sluice.app;

import io.sluice.config.SluiceConfig;
import io.sluice.metrics.Health;
import io.sluice.metrics.OpsServer;
import io.sluice.metrics.ProcessMeters;
import java.util.OptionalInt;

/**
 * A Sluice process as operators run it: one pipeline application, the process's meters (the
 * pipeline's, Kafka Streams' clients' and the JVM's) and the HTTP endpoint that serves them for
 * Prometheus along with liveness and readiness.
 *
 * <p>Lifecycle: {@link #create} builds the application and opens the endpoint, which from then on
 * reports live but not ready; {@link #start} starts the streams and returns once they run; {@link
 * #close} stops the application (the stream threads finish the batch in hand and commit), then the
 * endpoint. Start from one thread; close may come from another (a shutdown hook) and is idempotent.
 */
public final class SluiceService implements AutoCloseable {
  private final ProcessMeters meters;
  private final SluiceApplication app;
  private final OpsServer ops;
  private boolean closed; // guarded by this

  private SluiceService(ProcessMeters meters, SluiceApplication app, OpsServer ops) {
    this.meters = meters;
    this.app = app;
    this.ops = ops;
  }

  /**
   * Builds the application and opens the metrics and health endpoint (unless {@code metrics.port}
   * is -1).
   *
   * @throws org.apache.kafka.common.config.ConfigException naming the key, if the configuration
   *     cannot work
   * @throws java.io.UncheckedIOException if the endpoint's port cannot be bound
   */
  public static SluiceService create(SluiceConfig config) {
    ProcessMeters meters = new ProcessMeters();
    try {
      SluiceApplication app = SluiceApplication.create(config, meters.registry());
      try {
        OpsServer ops =
            config.metrics().enabled()
                ? OpsServer.start(
                    config.metrics().host(), config.metrics().port(), meters::scrape, app::health)
                : null;
        return new SluiceService(meters, app, ops);
      } catch (RuntimeException e) {
        app.close();
        throw e;
      }
    } catch (RuntimeException e) {
      meters.close();
      throw e;
    }
  }

  /** Starts the streams; returns once they run, or throws if they fail first. */
  public void start() {
    app.start();
  }

  public Health health() {
    return app.health();
  }

  public SluiceApplication application() {
    return app;
  }

  /** The port of the metrics and health endpoint, if there is one. */
  public OptionalInt metricsPort() {
    return ops == null ? OptionalInt.empty() : OptionalInt.of(ops.port());
  }

  /** The meters in the Prometheus text format, as {@code GET /metrics} serves them. */
  public String scrape() {
    return meters.scrape();
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      // The endpoint stays up while the application stops, reporting it not ready.
      app.close();
    } finally {
      if (ops != null) {
        ops.close();
      }
      meters.close();
    }
  }
}
