package io.sluice.inference;

import io.sluice.descriptor.ModelDescriptor;
import io.sluice.inference.ModelHandle.Mode;
import io.sluice.inference.ModelHandle.Serving;
import io.sluice.inference.ModelLoadException.Check;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lifecycle of a pipeline's model versions: given the desired state (a champion, optionally a
 * challenger in canary or shadow), loads each version not yet loaded beside those serving, checks
 * it (the loader's hash, signature and golden rows; then that it takes and gives what the
 * pipeline's first version does; then a few warm-up runs) and only then makes the {@link
 * ModelHandle} serve it, which takes effect at the next batch. A version that fails a check is
 * refused: what serves keeps serving, and the refusal is logged with the check and the numbers, and
 * reported to the listener.
 *
 * <p>Versions are named by their descriptor location, as the control topic names them. Thread
 * safety: {@link #apply} is synchronized; call it from one follower thread. The handle is the
 * caller's; this class closes only the runners it loaded and did not make serve.
 */
public final class ModelVersions {
  private static final Logger LOG = LoggerFactory.getLogger(ModelVersions.class);

  /** Refusals remembered for the status record. */
  private static final int REFUSALS_KEPT = 5;

  /** Loads and checks one version (hash, signature, golden rows), as {@link ModelLoader} does. */
  @FunctionalInterface
  public interface Loader {
    ModelRunner load(String descriptor) throws ModelLoadException;
  }

  /** Hears of every change; called on the applying thread. */
  public interface Listener {
    /** A version was refused; what served serves on. */
    default void refused(Refusal refusal) {}

    /** What serves changed (or was confirmed at start); {@code status} is the new state. */
    default void changed(Status status) {}
  }

  /**
   * The desired state of a pipeline, as the control topic holds it.
   *
   * @param champion the champion's descriptor
   * @param challenger the challenger's descriptor, or null
   * @param mode what the challenger does; {@link Mode#NONE} without one
   * @param share a canary's share of keys, in [0, 1]
   */
  public record Desired(String champion, String challenger, Mode mode, double share) {
    public Desired {
      Objects.requireNonNull(champion, "champion");
      Objects.requireNonNull(mode, "mode");
      if ((challenger == null) != (mode == Mode.NONE)) {
        throw new IllegalArgumentException("a challenger needs a mode and a mode a challenger");
      }
    }

    public static Desired champion(String descriptor) {
      return new Desired(descriptor, null, Mode.NONE, 0);
    }
  }

  /**
   * A version refused: which (its descriptor, and its name:version if the descriptor could be read,
   * else "unknown"), at which check, why (with the numbers), when.
   */
  public record Refusal(String descriptor, String id, String check, String reason, Instant at) {}

  /**
   * A version serving: where its descriptor is, its name:version, since when it serves here.
   *
   * @param role champion, canary or shadow
   */
  public record Version(String descriptor, String id, String role, Instant since) {}

  /** What serves, and the last refusals. */
  public record Status(
      Version champion, Version challenger, double share, List<Refusal> refused, Instant at) {}

  private final ModelHandle handle;
  private final Loader loader;
  private final int warmupRuns;
  private final Listener listener;
  private final ModelDescriptor reference;
  private final String pipeline;
  private final Deque<Refusal> refusals = new ArrayDeque<>();
  private Version champion;
  private Version challenger;
  private Desired applied;

  /**
   * @param pipeline the pipeline's name, for the log
   * @param handle the handle whose champion serves now, loaded from {@code championDescriptor}
   * @param championDescriptor where the champion serving now came from
   * @param warmupRuns runs on the golden (or zero) rows before a version serves
   */
  public ModelVersions(
      String pipeline,
      ModelHandle handle,
      String championDescriptor,
      Loader loader,
      int warmupRuns,
      Listener listener) {
    this(pipeline, handle, Desired.champion(championDescriptor), loader, warmupRuns, listener);
  }

  /**
   * @param serving what the handle serves now: where its champion and challenger came from
   */
  public ModelVersions(
      String pipeline,
      ModelHandle handle,
      Desired serving,
      Loader loader,
      int warmupRuns,
      Listener listener) {
    this.pipeline = pipeline;
    this.handle = handle;
    this.loader = loader;
    this.warmupRuns = warmupRuns;
    this.listener = listener;
    Serving now = handle.serving();
    this.reference = now.champion().descriptor();
    this.champion =
        new Version(serving.champion(), now.champion().descriptor().id(), "champion", now());
    this.challenger =
        now.challenger() == null
            ? null
            : new Version(
                serving.challenger(),
                now.challenger().descriptor().id(),
                now.mode().name().toLowerCase(Locale.ROOT),
                now());
    this.applied = serving;
  }

  /** The desired state last applied in full. */
  public synchronized Desired applied() {
    return applied;
  }

  /** What serves now and the last refusals. */
  public synchronized Status status() {
    return new Status(
        champion,
        challenger,
        handle.serving().mode() == Mode.CANARY ? handle.serving().share() : 0,
        List.copyOf(refusals),
        now());
  }

  /**
   * Makes the desired state serve: loads and checks what is not loaded yet, then swaps at the next
   * batch boundary. If any version is refused, nothing changes.
   *
   * @return whether the desired state serves now
   */
  public synchronized boolean apply(Desired desired) {
    if (desired.equals(applied)) {
      return true;
    }
    Serving now = handle.serving();
    List<ModelRunner> loaded = new ArrayList<>();
    try {
      ModelRunner nextChampion = obtain(desired.champion(), now, loaded);
      ModelRunner nextChallenger =
          desired.challenger() == null ? null : obtain(desired.challenger(), now, loaded);
      if (nextChampion == null || (desired.challenger() != null && nextChallenger == null)) {
        loaded.forEach(ModelRunner::close);
        return false;
      }
      Serving next = new Serving(nextChampion, nextChallenger, desired.mode(), share(desired));
      Version oldChampion = champion;
      Version oldChallenger = challenger;
      champion = version(desired.champion(), nextChampion, "champion", oldChampion, oldChallenger);
      challenger =
          nextChallenger == null
              ? null
              : version(
                  desired.challenger(),
                  nextChallenger,
                  desired.mode().name().toLowerCase(Locale.ROOT),
                  oldChampion,
                  oldChallenger);
      handle.serve(next);
      applied = desired;
      LOG.info(
          "pipeline {}: serving champion {}{} from the next batch",
          pipeline,
          nextChampion.descriptor().id(),
          nextChallenger == null
              ? ""
              : String.format(
                  Locale.ROOT,
                  ", %s %s%s",
                  desired.mode().name().toLowerCase(Locale.ROOT),
                  nextChallenger.descriptor().id(),
                  desired.mode() == Mode.CANARY
                      ? String.format(Locale.ROOT, " on %.1f%% of keys", 100 * desired.share())
                      : ""));
    } catch (RuntimeException e) {
      loaded.forEach(ModelRunner::close);
      throw e;
    }
    listener.changed(status());
    return true;
  }

  private static double share(Desired d) {
    return d.mode() == Mode.CANARY ? d.share() : 0;
  }

  /** The version's since-time is kept when it served already, in whatever role. */
  private Version version(String descriptor, ModelRunner runner, String role, Version... before) {
    for (Version v : before) {
      if (v != null && v.descriptor().equals(descriptor) && v.role().equals(role)) {
        return v;
      }
    }
    return new Version(descriptor, runner.descriptor().id(), role, now());
  }

  /**
   * The runner of a descriptor: the one serving it, or a new one loaded and checked; null if
   * refused.
   */
  private ModelRunner obtain(String descriptor, Serving now, List<ModelRunner> loaded) {
    if (champion.descriptor().equals(descriptor)) {
      return now.champion();
    }
    if (challenger != null && challenger.descriptor().equals(descriptor)) {
      return now.challenger();
    }
    ModelRunner runner;
    try {
      runner = loader.load(descriptor);
    } catch (ModelLoadException e) {
      refuse(descriptor, e.check().label(), e.getMessage());
      return null;
    }
    loaded.add(runner);
    try {
      checkFits(runner);
      warmUp(runner);
    } catch (ModelLoadException e) {
      refuse(descriptor, e.check().label(), e.getMessage());
      return null;
    }
    return runner;
  }

  /**
   * The pipeline's stages were built for its first version: a new one must take the same input and
   * give the same output, with the same features, labels, image preprocessing and catalogue.
   */
  private void checkFits(ModelRunner runner) throws ModelLoadException {
    ModelDescriptor d = runner.descriptor();
    List<String> differ = new ArrayList<>();
    // Names may differ (the runner feeds its own); types and shapes may not.
    if (!shapes(d.inputs()).equals(shapes(reference.inputs()))) {
      differ.add("inputs " + d.inputs() + ", the pipeline's model takes " + reference.inputs());
    }
    if (!shapes(d.outputs()).equals(shapes(reference.outputs()))) {
      differ.add("outputs " + d.outputs() + ", the pipeline's model gives " + reference.outputs());
    }
    if (!d.features().equals(reference.features())) {
      differ.add("features " + d.features() + ", the pipeline's model " + reference.features());
    }
    if (!d.labels().equals(reference.labels())) {
      differ.add("labels " + d.labels() + ", the pipeline's model " + reference.labels());
    }
    if (!d.preprocessing().equals(reference.preprocessing())) {
      differ.add(
          "preprocessing "
              + d.preprocessing()
              + ", the pipeline's model "
              + reference.preprocessing());
    }
    if (!d.recommendation().equals(reference.recommendation())) {
      differ.add("another catalogue or recommendation block than the pipeline's model");
    }
    if (!differ.isEmpty()) {
      throw new ModelLoadException(
          Check.SIGNATURE, "model " + d.id() + " has " + String.join("; ", differ));
    }
  }

  private static List<String> shapes(List<ModelDescriptor.TensorSpec> specs) {
    return specs.stream().map(t -> t.type() + t.shape()).toList();
  }

  private void warmUp(ModelRunner runner) throws ModelLoadException {
    if (!runner.takesFloatRows()) {
      return; // named-tensor models have no row to warm up on; their golden check ran them
    }
    List<float[]> rows =
        runner.descriptor().golden().map(ModelDescriptor.Golden::inputs).orElse(List.of());
    if (rows.isEmpty()) {
      rows = List.of(new float[runner.inputRowLength()]);
    }
    for (int i = 0; i < warmupRuns; i++) {
      try {
        float[][] out = runner.run(rows);
        for (float[] row : out) {
          for (float v : row) {
            if (!Float.isFinite(v)) {
              throw new ModelLoadException(
                  Check.WARMUP,
                  "model " + runner.descriptor().id() + " gave " + v + " on warm-up run " + i);
            }
          }
        }
      } catch (RuntimeException e) {
        throw new ModelLoadException(
            Check.WARMUP,
            "model "
                + runner.descriptor().id()
                + " failed warm-up run "
                + i
                + ": "
                + e.getMessage(),
            e);
      }
    }
  }

  /** Refuses a desired version for a reason of the caller's (e.g. its mode cannot be served). */
  public synchronized void refuse(String descriptor, String check, String reason) {
    Refusal r = new Refusal(descriptor, idOf(descriptor), check, reason, now());
    refusals.addFirst(r);
    while (refusals.size() > REFUSALS_KEPT) {
      refusals.removeLast();
    }
    LOG.warn(
        "pipeline {}: model {} refused at check '{}': {}; champion {} keeps serving",
        pipeline,
        descriptor,
        check,
        reason,
        champion.id());
    listener.refused(r);
    listener.changed(status());
  }

  private static String idOf(String descriptor) {
    try {
      return ModelDescriptor.read(java.nio.file.Path.of(descriptor)).id();
    } catch (io.sluice.descriptor.DescriptorException | RuntimeException e) {
      return "unknown";
    }
  }

  private static Instant now() {
    return Instant.now();
  }
}
