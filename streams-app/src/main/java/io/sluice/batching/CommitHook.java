package io.sluice.batching;

import java.util.Map;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.internals.CacheFlushListener;
import org.apache.kafka.streams.state.internals.CachedStateStore;

/**
 * A state store that holds nothing and tells its processor that the task is about to commit.
 *
 * <p>Kafka Streams flushes the record caches of a task's stores before it flushes the producer and
 * commits the task's offsets (in the same transaction under {@code exactly_once_v2}): that is how a
 * cached KTable forwards its pending updates downstream before their input offsets are committed.
 * This store takes part in that step: the task's {@link MicroBatchProcessor} scores the records it
 * holds and forwards their outputs there, so no offset is ever committed for a record whose outputs
 * have not been sent in the same commit. The interface is Kafka Streams' internal {@link
 * CachedStateStore}, the one it calls the caches through; {@code CommitHookTest} runs a real task's
 * commit to catch a Kafka Streams version that no longer calls it.
 *
 * <p>Neither logged nor persistent; one per task, used by its stream thread.
 */
public final class CommitHook implements StateStore, CachedStateStore<Object, Object> {
  private final String name;
  private Runnable beforeCommit = () -> {};
  private boolean open;

  CommitHook(String name) {
    this.name = name;
  }

  /** A builder of hooks named {@code name}, one per task. */
  public static StoreBuilder<CommitHook> builder(String name) {
    return new Builder(name);
  }

  /** What runs before each commit of the task: its processor's, set in its {@code init}. */
  void beforeCommit(Runnable action) {
    this.beforeCommit = action;
  }

  @Override
  public void flushCache() {
    beforeCommit.run();
  }

  @Override
  public boolean setFlushListener(CacheFlushListener<Object, Object> listener, boolean sendOld) {
    return false;
  }

  @Override
  public void clearCache() {}

  @Override
  public String name() {
    return name;
  }

  @Override
  public void init(StateStoreContext context, StateStore root) {
    context.register(root, (key, value) -> {});
    open = true;
  }

  @Override
  public void close() {
    open = false;
    beforeCommit = () -> {};
  }

  @Override
  public boolean persistent() {
    return false;
  }

  @Override
  public boolean isOpen() {
    return open;
  }

  private record Builder(String name) implements StoreBuilder<CommitHook> {
    @Override
    public StoreBuilder<CommitHook> withCachingEnabled() {
      return this;
    }

    @Override
    public StoreBuilder<CommitHook> withCachingDisabled() {
      return this;
    }

    @Override
    public StoreBuilder<CommitHook> withLoggingEnabled(Map<String, String> config) {
      throw new UnsupportedOperationException("a commit hook holds nothing to log");
    }

    @Override
    public StoreBuilder<CommitHook> withLoggingDisabled() {
      return this;
    }

    @Override
    public CommitHook build() {
      return new CommitHook(name);
    }

    @Override
    public Map<String, String> logConfig() {
      return Map.of();
    }

    @Override
    public boolean loggingEnabled() {
      return false;
    }
  }
}
