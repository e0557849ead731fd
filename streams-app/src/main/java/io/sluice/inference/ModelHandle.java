package io.sluice.inference;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The model version a pipeline serves now: what a swap replaces. A batch takes {@link #current()}
 * once, at its start, and runs every call of that batch on it, so that a swap takes effect at a
 * batch boundary.
 *
 * <p>Thread safety: any thread may read {@link #current()} and {@link #swap} concurrently. The
 * handle owns the runner it holds: {@link #close()} closes it; a runner replaced by {@link #swap}
 * is handed back to the caller, who closes it once no batch uses it any more.
 */
public final class ModelHandle implements AutoCloseable {
  private final AtomicReference<ModelRunner> current;

  public ModelHandle(ModelRunner initial) {
    this.current = new AtomicReference<>(Objects.requireNonNull(initial, "initial"));
  }

  /** The runner serving now. */
  public ModelRunner current() {
    ModelRunner runner = current.get();
    if (runner == null) {
      throw new IllegalStateException("model handle is closed");
    }
    return runner;
  }

  /** Makes {@code next} the serving runner; returns the one it replaces (now the caller's). */
  public ModelRunner swap(ModelRunner next) {
    ModelRunner previous = current.getAndUpdate(r -> r == null ? null : next);
    if (previous == null) {
      throw new IllegalStateException("model handle is closed");
    }
    return previous;
  }

  /** Closes the serving runner; later calls to {@link #current()} throw. */
  @Override
  public void close() {
    ModelRunner runner = current.getAndSet(null);
    if (runner != null) {
      runner.close();
    }
  }

  @Override
  public String toString() {
    ModelRunner runner = current.get();
    return runner == null ? "ModelHandle[closed]" : "ModelHandle[" + runner + "]";
  }
}
