package io.sluice.batching;

import io.sluice.errors.DeadLetter;
import io.sluice.errors.RejectedRecordException;
import io.sluice.inference.ModelHandle;
import io.sluice.inference.ModelRunner;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one batch-scoring loop of the engine, shared by the live micro-batcher, the shadow model and
 * replay: prepare the records (a record that fails is rejected, to be dead-lettered), score the
 * prepared ones in one call on the model version {@link ModelHandle#current() serving now} (taken
 * once per batch, so a swap takes effect at a batch boundary), bisect a failing call so that only
 * the failing records are rejected, check that the call gave one output per input, and complete the
 * scored records into outputs.
 *
 * <p>Stateless between batches and safe to share between threads if its stages are; what to do with
 * the rejections (dead-letter topic, a count) is the caller's.
 *
 * @param <P> a prepared record
 * @param <R> the model's output for one record
 */
public final class BatchScorer<P, R> {
  private static final Logger LOG = LoggerFactory.getLogger(BatchScorer.class);

  /** Why the model call is refused for a record: what the dead-letter headers say. */
  public static final String MODEL_FAILED = "MODEL_FAILED";

  private final BatchStages<P, R> stages;
  private final ModelHandle model;
  private final boolean shadow;

  /**
   * Scores on the handle's champion, and a canary's share of keys on its challenger.
   *
   * @param model the serving model; null for stages that carry their own model (tests)
   */
  public BatchScorer(BatchStages<P, R> stages, ModelHandle model) {
    this(stages, model, false);
  }

  private BatchScorer(BatchStages<P, R> stages, ModelHandle model, boolean shadow) {
    this.stages = stages;
    this.model = model;
    this.shadow = shadow;
  }

  /**
   * The scorer of the handle's challenger while it is in {@link ModelHandle.Mode#SHADOW}: every
   * record of a batch; no output while there is no shadow.
   */
  public static <P, R> BatchScorer<P, R> shadowOf(BatchStages<P, R> stages, ModelHandle model) {
    return new BatchScorer<>(stages, java.util.Objects.requireNonNull(model, "model"), true);
  }

  /** A record refused at a stage, with the reason the dead-letter headers carry. */
  public record Rejection(
      BufferedRecord record, DeadLetter.Stage stage, String reason, Throwable error) {}

  /**
   * What one batch gave.
   *
   * @param emits the outputs, in input order
   * @param rejected the records refused, in input order of each stage
   * @param scored the source of every record scored, in input order
   * @param inferenceNanos time spent in the model calls
   */
  public record Result(
      List<Emit<?>> emits,
      List<Rejection> rejected,
      List<BufferedRecord> scored,
      long inferenceNanos) {}

  /**
   * Scores one batch; an unchecked exception that is not a record's fault fails the batch.
   *
   * @param clock the wall clock whose time after the model call is the batch's inference time
   */
  public Result score(List<BufferedRecord> records, LongSupplier clock) {
    if (shadow && model.serving().mode() != ModelHandle.Mode.SHADOW) {
      return new Result(List.of(), List.of(), List.of(), 0); // no shadow: nothing to prepare
    }
    List<Rejection> rejected = new ArrayList<>();
    List<BufferedRecord> accepted = new ArrayList<>(records.size());
    List<P> prepared = new ArrayList<>(records.size());
    List<BatchHandler.Prepared<P>> outcomes = stages.prepareAll(records);
    if (outcomes.size() != records.size()) {
      throw new IllegalStateException(
          "handler prepared " + outcomes.size() + " outcomes for " + records.size() + " records");
    }
    for (int i = 0; i < records.size(); i++) {
      BatchHandler.Prepared<P> outcome = outcomes.get(i);
      RejectedRecordException e = outcome.rejection();
      if (e != null) {
        rejected.add(new Rejection(records.get(i), e.stage(), e.reason(), e));
      } else {
        prepared.add(outcome.value());
        accepted.add(records.get(i));
      }
    }
    if (prepared.isEmpty()) {
      return new Result(List.of(), rejected, List.of(), 0);
    }
    if (model == null) {
      return scoreWith(null, null, prepared, accepted, rejected, clock);
    }
    try (ModelHandle.Lease lease = model.lease()) {
      ModelHandle.Serving serving = lease.serving();
      if (shadow) {
        return serving.mode() == ModelHandle.Mode.SHADOW
            ? scoreWith(serving.challenger(), null, prepared, accepted, rejected, clock)
            : new Result(List.of(), rejected, List.of(), 0);
      }
      return scoreWith(
          serving.champion(),
          serving.mode() == ModelHandle.Mode.CANARY ? serving : null,
          prepared,
          accepted,
          rejected,
          clock);
    }
  }

  /**
   * Scores the prepared records on {@code runner}, or, for a canary, each on the version its key
   * falls to; completes them in input order, one run of records of the same version at a time.
   */
  private Result scoreWith(
      ModelRunner runner,
      ModelHandle.Serving canary,
      List<P> prepared,
      List<BufferedRecord> accepted,
      List<Rejection> rejected,
      LongSupplier clock) {
    int n = prepared.size();
    ModelRunner[] versions = new ModelRunner[n];
    for (int i = 0; i < n; i++) {
      versions[i] = canary == null ? runner : canary.forKey(accepted.get(i).key());
    }
    List<R> outputs = new ArrayList<>(Collections.nCopies(n, null));
    RuntimeException[] failures = new RuntimeException[n];
    long started = System.nanoTime();
    if (canary == null) {
      scoreRange(runner, prepared, 0, n, outputs, failures);
    } else {
      for (ModelRunner version : new ModelRunner[] {canary.champion(), canary.challenger()}) {
        scoreGroup(version, versions, prepared, outputs, failures);
      }
    }
    long nanos = System.nanoTime() - started;
    long inferenceTime = clock.getAsLong();

    List<BatchStages.Scored<P, R>> scored = new ArrayList<>(n);
    List<ModelRunner> scoredBy = new ArrayList<>(n);
    List<BufferedRecord> sources = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      if (failures[i] != null) {
        rejected.add(
            new Rejection(accepted.get(i), DeadLetter.Stage.INFERENCE, MODEL_FAILED, failures[i]));
      } else {
        scored.add(new BatchStages.Scored<>(accepted.get(i), prepared.get(i), outputs.get(i)));
        scoredBy.add(versions[i]);
        sources.add(accepted.get(i));
      }
    }
    if (scored.isEmpty()) {
      return new Result(List.of(), rejected, List.of(), nanos);
    }
    List<Emit<?>> emits = new ArrayList<>();
    int from = 0;
    for (int i = 1; i <= scored.size(); i++) {
      if (i == scored.size() || scoredBy.get(i) != scoredBy.get(from)) {
        emits.addAll(
            stages.complete(
                scored.subList(from, i),
                new BatchHandler.BatchInfo(n, inferenceTime, scoredBy.get(from))));
        from = i;
      }
    }
    return new Result(emits, rejected, sources, nanos);
  }

  /** Scores, in one call (bisected on failure), the records that fall to {@code version}. */
  private void scoreGroup(
      ModelRunner version,
      ModelRunner[] versions,
      List<P> prepared,
      List<R> outputs,
      RuntimeException[] failures) {
    List<Integer> index = new ArrayList<>();
    List<P> items = new ArrayList<>();
    for (int i = 0; i < versions.length; i++) {
      if (versions[i] == version) {
        index.add(i);
        items.add(prepared.get(i));
      }
    }
    if (items.isEmpty()) {
      return;
    }
    List<R> groupOutputs = new ArrayList<>(Collections.nCopies(items.size(), null));
    RuntimeException[] groupFailures = new RuntimeException[items.size()];
    scoreRange(version, items, 0, items.size(), groupOutputs, groupFailures);
    for (int k = 0; k < items.size(); k++) {
      outputs.set(index.get(k), groupOutputs.get(k));
      failures[index.get(k)] = groupFailures[k];
    }
  }

  /**
   * Scores {@code items[from, to)} in one call; if the call fails (or gives the wrong number of
   * rows), halves the range until the failing records are alone, so one bad record cannot take its
   * batch down with it.
   */
  private void scoreRange(
      ModelRunner runner,
      List<P> items,
      int from,
      int to,
      List<R> outputs,
      RuntimeException[] failures) {
    try {
      List<R> result = stages.score(runner, items.subList(from, to));
      if (result.size() != to - from) {
        throw new IllegalStateException(
            "model returned " + result.size() + " rows for " + (to - from) + " inputs");
      }
      for (int i = from; i < to; i++) {
        outputs.set(i, result.get(i - from));
      }
    } catch (RuntimeException e) {
      if (to - from == 1) {
        failures[from] = e;
        return;
      }
      int mid = (from + to) >>> 1;
      LOG.debug("model call over {} records failed, bisecting: {}", to - from, e.toString());
      scoreRange(runner, items, from, mid, outputs, failures);
      scoreRange(runner, items, mid, to, outputs, failures);
    }
  }

  @Override
  public String toString() {
    return "BatchScorer[" + stages + ", " + model + "]";
  }
}
