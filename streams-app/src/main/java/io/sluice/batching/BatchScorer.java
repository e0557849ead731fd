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

  /**
   * @param model the serving model; null for stages that carry their own model (tests)
   */
  public BatchScorer(BatchStages<P, R> stages, ModelHandle model) {
    this.stages = stages;
    this.model = model;
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
    ModelRunner runner = model == null ? null : model.current();
    List<R> outputs = new ArrayList<>(Collections.nCopies(prepared.size(), null));
    RuntimeException[] failures = new RuntimeException[prepared.size()];
    long started = System.nanoTime();
    scoreRange(runner, prepared, 0, prepared.size(), outputs, failures);
    long nanos = System.nanoTime() - started;
    long inferenceTime = clock.getAsLong();

    List<BatchStages.Scored<P, R>> scored = new ArrayList<>(prepared.size());
    List<BufferedRecord> sources = new ArrayList<>(prepared.size());
    for (int i = 0; i < prepared.size(); i++) {
      if (failures[i] != null) {
        rejected.add(
            new Rejection(accepted.get(i), DeadLetter.Stage.INFERENCE, MODEL_FAILED, failures[i]));
      } else {
        scored.add(new BatchStages.Scored<>(accepted.get(i), prepared.get(i), outputs.get(i)));
        sources.add(accepted.get(i));
      }
    }
    if (scored.isEmpty()) {
      return new Result(List.of(), rejected, List.of(), nanos);
    }
    List<Emit<?>> emits =
        stages.complete(scored, new BatchHandler.BatchInfo(prepared.size(), inferenceTime));
    return new Result(emits, rejected, sources, nanos);
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
