package io.sluice.embedded;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded default: a real single-node Kafka broker and a real schema registry on loopback,
 * started together (the registry's JVM boots while the broker formats and starts) and stopped
 * together.
 */
public final class EmbeddedStack implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedStack.class);

  private final EmbeddedKafka kafka;
  private final EmbeddedRegistry registry;

  private EmbeddedStack(EmbeddedKafka kafka, EmbeddedRegistry registry) {
    this.kafka = kafka;
    this.registry = registry;
  }

  /** Starts both; if either fails, the other is stopped and the failure thrown. */
  public static EmbeddedStack start() {
    CompletableFuture<EmbeddedRegistry> registry =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return EmbeddedRegistry.start();
              } catch (java.io.IOException e) {
                throw new CompletionException(e);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CompletionException(e);
              }
            });
    EmbeddedKafka kafka = new EmbeddedKafka();
    try {
      kafka.start();
      EmbeddedRegistry started = registry.join();
      LOG.info("embedded stack up: kafka {} registry {}", kafka.bootstrapServers(), started.url());
      return new EmbeddedStack(kafka, started);
    } catch (RuntimeException e) {
      kafka.close();
      registry.thenAccept(EmbeddedRegistry::close);
      throw e instanceof CompletionException && e.getCause() != null
          ? new IllegalStateException(
              "embedded schema registry failed to start: " + e.getCause().getMessage(),
              e.getCause())
          : e;
    }
  }

  public EmbeddedKafka kafka() {
    return kafka;
  }

  public EmbeddedRegistry registry() {
    return registry;
  }

  @Override
  public void close() {
    try {
      registry.close();
    } finally {
      kafka.close();
    }
  }
}
