package io.sluice.topology;

import io.sluice.metrics.PipelineMetrics;
import io.sluice.serde.SchemaRegistryClient;
import io.sluice.serde.SchemaRegistryException;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the stream threads whether the writer schema of a record can be had now, without ever
 * letting them wait on the registry for long: fetches run on {@code fetcher}, a stream thread waits
 * at most {@link #FIRST_WAIT} for one, and not at all while the registry is known to be
 * unreachable. Shared by the tasks of an application; thread-safe.
 *
 * <p>An outage (a fetch failing as unreachable, {@link SchemaRegistryException}) is logged once at
 * WARN when it starts and once at INFO when a fetch succeeds again, and counted in {@code
 * sluice_registry_outages_total}; the records held back meanwhile are the gauge {@code
 * sluice_records_held_back}.
 */
public final class SchemaGate {
  private static final Logger LOG = LoggerFactory.getLogger(SchemaGate.class);

  /**
   * How long a stream thread waits for the first fetch of a schema while the registry is thought
   * reachable: long enough for a healthy registry to answer, short against a transaction timeout.
   */
  static final Duration FIRST_WAIT = Duration.ofSeconds(1);

  private final SchemaRegistryClient registry;
  private final Executor fetcher;
  private final Set<Integer> known = ConcurrentHashMap.newKeySet();
  private final Map<Integer, CompletableFuture<Void>> fetches = new ConcurrentHashMap<>();
  private final AtomicBoolean outage = new AtomicBoolean();
  private final AtomicLong outageStartMs = new AtomicLong();
  private final AtomicLong heldBack;
  private final PipelineMetrics metrics;

  /**
   * @param registry the registry client (not owned)
   * @param fetcher where fetches run, never a stream thread
   */
  public SchemaGate(SchemaRegistryClient registry, Executor fetcher, PipelineMetrics metrics) {
    this.registry = Objects.requireNonNull(registry, "registry");
    this.fetcher = Objects.requireNonNull(fetcher, "fetcher");
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    this.heldBack = metrics.recordsHeldBack();
  }

  /**
   * Daemon threads for the fetches, which end when idle for a minute: the gate needs no closing,
   * and a fetch stuck on an unreachable registry cannot keep a stopping JVM alive.
   */
  public static Executor fetcher() {
    return Executors.newCachedThreadPool(
        r -> {
          Thread t = new Thread(r, "sluice-schema-fetch");
          t.setDaemon(true);
          return t;
        });
  }

  /**
   * Whether the schema with this id is fetched, or its fetch ended in an answer that is the
   * record's fault (unknown id, not Avro: the decoder dead-letters the record). False while the
   * registry cannot be reached; the fetch is then retried at the next call.
   *
   * @param mayWait whether the caller may wait up to {@link #FIRST_WAIT}
   */
  public boolean ready(int id, boolean mayWait) {
    if (known.contains(id)) {
      return true;
    }
    CompletableFuture<Void> fetch =
        fetches.computeIfAbsent(id, i -> CompletableFuture.runAsync(() -> fetch(i), fetcher));
    try {
      if (mayWait && !outage.get()) {
        fetch.get(FIRST_WAIT.toMillis(), TimeUnit.MILLISECONDS);
      } else if (!fetch.isDone()) {
        return false;
      } else {
        fetch.join();
      }
    } catch (TimeoutException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (ExecutionException | RuntimeException e) {
      fetches.remove(id, fetch);
      Throwable cause = e.getCause() == null ? e : e.getCause();
      if (cause instanceof SchemaRegistryException
          && cause.getClass() == SchemaRegistryException.class) {
        outageStarted(id, cause);
        return false;
      }
      // The record's fault (unknown id, unsupported schema): the decoder says so.
      return true;
    }
    return true;
  }

  private void fetch(int id) {
    registry.schemaById(id);
    known.add(id);
    if (outage.compareAndSet(true, false)) {
      LOG.info(
          "schema registry {} reachable again after {} ms; releasing held-back records",
          registry,
          System.currentTimeMillis() - outageStartMs.get());
    }
  }

  private void outageStarted(int id, Throwable cause) {
    if (outage.compareAndSet(false, true)) {
      outageStartMs.set(System.currentTimeMillis());
      metrics.registryOutage();
      LOG.warn(
          "schema registry {} unreachable ({}): partitions whose next record needs a schema not"
              + " fetched yet (first: id {}) are held back until it answers; the others go on",
          registry,
          cause.getMessage(),
          id);
    }
  }

  /** Records held back by all tasks changed by {@code delta}. */
  void heldBack(long delta) {
    heldBack.addAndGet(delta);
  }
}
