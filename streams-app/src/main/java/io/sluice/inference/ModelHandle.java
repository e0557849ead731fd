package io.sluice.inference;

import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The model versions a pipeline serves now: the champion, and optionally a challenger that takes a
 * share of the keys ({@link Mode#CANARY}) or scores beside it ({@link Mode#SHADOW}). A batch takes
 * one {@link #lease()} at its start and runs every call of that batch on what the lease holds, so
 * that a change takes effect at a batch boundary; {@link #current()} is the champion now.
 *
 * <p>Thread safety: any thread may lease, read and {@link #serve} concurrently. The handle owns the
 * runners it holds: a runner that {@link #serve} no longer uses is closed once the last lease that
 * holds it is released (the old session outlives its last batch, never more); {@link #close()}
 * closes what serves. {@link #swap} instead hands the replaced runner back to the caller.
 */
public final class ModelHandle implements AutoCloseable {

  /** What a challenger does. */
  public enum Mode {
    /** No challenger. */
    NONE,
    /** The challenger scores a share of the keys; its predictions are real. */
    CANARY,
    /** The challenger scores every record beside the champion; its predictions go elsewhere. */
    SHADOW
  }

  /**
   * What serves: an immutable snapshot.
   *
   * @param champion the version that scores every record not on the challenger
   * @param challenger the challenger, or null
   * @param mode what the challenger does; {@link Mode#NONE} exactly when there is none
   * @param share the share of keys on a canary, in [0, 1]; 0 otherwise
   */
  public record Serving(ModelRunner champion, ModelRunner challenger, Mode mode, double share) {
    public Serving {
      Objects.requireNonNull(champion, "champion");
      Objects.requireNonNull(mode, "mode");
      if ((challenger == null) != (mode == Mode.NONE)) {
        throw new IllegalArgumentException("a challenger needs a mode and a mode a challenger");
      }
      if (!(share >= 0 && share <= 1)) {
        throw new IllegalArgumentException("canary share " + share + " is not in [0, 1]");
      }
    }

    /** The champion alone. */
    public static Serving of(ModelRunner champion) {
      return new Serving(champion, null, Mode.NONE, 0);
    }

    /** The runner that scores a record with this key (null: the champion). */
    public ModelRunner forKey(byte[] key) {
      return mode == Mode.CANARY && KeyShare.onChallenger(key, share) ? challenger : champion;
    }

    boolean uses(ModelRunner runner) {
      return champion == runner || challenger == runner;
    }
  }

  /** The serving snapshot of one batch; release it when the batch is scored. */
  public final class Lease implements AutoCloseable {
    private final Serving serving;
    private boolean released;

    private Lease(Serving serving) {
      this.serving = serving;
    }

    public Serving serving() {
      return serving;
    }

    /** Releases the runners of this batch; closes those no longer served. Idempotent. */
    @Override
    public void close() {
      if (!released) {
        released = true;
        release(serving);
      }
    }
  }

  private final AtomicReference<Serving> serving;
  // Leases in progress per runner; a runner retired from serving closes when its count is 0.
  private final Map<ModelRunner, AtomicInteger> uses = new IdentityHashMap<>();
  private final Map<ModelRunner, Boolean> retired = new IdentityHashMap<>();

  public ModelHandle(ModelRunner initial) {
    this.serving = new AtomicReference<>(Serving.of(Objects.requireNonNull(initial, "initial")));
  }

  /** The champion serving now. */
  public ModelRunner current() {
    return serving().champion();
  }

  /** What serves now, without holding it: for reports; a batch takes a {@link #lease()}. */
  public Serving serving() {
    Serving s = serving.get();
    if (s == null) {
      throw new IllegalStateException("model handle is closed");
    }
    return s;
  }

  /**
   * What serves now, held until the lease is released: a runner it holds stays open while a lease
   * holds it, even if {@link #serve} replaced it meanwhile.
   */
  public Lease lease() {
    while (true) {
      Serving s = serving();
      acquire(s);
      // Serve swaps before it retires, so if the snapshot is still current, none of its runners
      // can have been closed before this lease counted.
      if (serving.get() == s) {
        return new Lease(s);
      }
      release(s);
    }
  }

  /**
   * Serves {@code next} from now on; the runners of the previous snapshot that {@code next} does
   * not use are closed once their last lease is released.
   *
   * @return the snapshot replaced
   */
  public Serving serve(Serving next) {
    Objects.requireNonNull(next, "next");
    synchronized (uses) {
      // A runner served again before its last lease ended must not close at that release.
      retired.remove(next.champion());
      if (next.challenger() != null) {
        retired.remove(next.challenger());
      }
    }
    Serving previous = serving.getAndUpdate(s -> s == null ? null : next);
    if (previous == null) {
      throw new IllegalStateException("model handle is closed");
    }
    for (ModelRunner r : new ModelRunner[] {previous.champion(), previous.challenger()}) {
      if (r != null && !next.uses(r)) {
        retire(r);
      }
    }
    return previous;
  }

  /** Makes {@code next} the champion alone; returns the champion it replaces (now the caller's). */
  public ModelRunner swap(ModelRunner next) {
    Serving previous = serving.getAndUpdate(s -> s == null ? null : Serving.of(next));
    if (previous == null) {
      throw new IllegalStateException("model handle is closed");
    }
    if (previous.challenger() != null && previous.challenger() != next) {
      retire(previous.challenger());
    }
    return previous.champion();
  }

  /** Closes what serves (after its last lease); later calls to {@link #current()} throw. */
  @Override
  public void close() {
    Serving s = serving.getAndSet(null);
    if (s != null) {
      retire(s.champion());
      if (s.challenger() != null) {
        retire(s.challenger());
      }
    }
  }

  private void acquire(Serving s) {
    synchronized (uses) {
      count(s.champion()).incrementAndGet();
      if (s.challenger() != null) {
        count(s.challenger()).incrementAndGet();
      }
    }
  }

  private void release(Serving s) {
    ModelRunner[] runners = {s.champion(), s.challenger()};
    for (ModelRunner r : runners) {
      if (r == null) {
        continue;
      }
      boolean close;
      synchronized (uses) {
        close = count(r).decrementAndGet() == 0 && retired.containsKey(r);
        if (close) {
          forget(r);
        }
      }
      if (close) {
        r.close();
      }
    }
  }

  private void retire(ModelRunner r) {
    boolean close;
    synchronized (uses) {
      retired.put(r, Boolean.TRUE);
      close = count(r).get() == 0;
      if (close) {
        forget(r);
      }
    }
    if (close) {
      r.close();
    }
  }

  private AtomicInteger count(ModelRunner r) {
    return uses.computeIfAbsent(r, k -> new AtomicInteger());
  }

  private void forget(ModelRunner r) {
    uses.remove(r);
    retired.remove(r);
  }

  @Override
  public String toString() {
    Serving s = serving.get();
    return s == null ? "ModelHandle[closed]" : "ModelHandle[" + s + "]";
  }
}
