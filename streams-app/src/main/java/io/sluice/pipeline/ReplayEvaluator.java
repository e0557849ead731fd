package io.sluice.pipeline;

import io.sluice.batching.BufferedRecord;
import io.sluice.errors.RejectedRecordException;
import io.sluice.eval.ClassificationMetrics;
import io.sluice.eval.PairedBootstrap;
import io.sluice.eval.RankingMetrics;
import io.sluice.eval.TopAccuracy;
import java.util.List;
import java.util.function.Consumer;
import org.apache.avro.generic.GenericRecord;

/**
 * How a kind measures one model version in a replay: the live pipeline's stages (run by the
 * engine's {@link io.sluice.batching.BatchScorer}, as live), what a prediction says, and the
 * metrics over all of them. One instance per version and replay; used from one thread.
 */
public interface ReplayEvaluator {

  /**
   * The live pipeline's parts: the replay runs their stages, and measures (and may write) the emits
   * to their predictions sink. Their pre-batch state is not used; see {@link #beforeScoring}.
   */
  PipelineParts parts();

  /**
   * What the live pipeline does to a batch before the batcher (a recommender's per-user state), in
   * replay form; records it refuses go to {@code rejected}. The default passes the batch on.
   */
  default List<BufferedRecord> beforeScoring(
      List<BufferedRecord> records, Consumer<RejectedRecordException> rejected) {
    return records;
  }

  /** One prediction (a value emitted to the predictions sink), as the metrics need it. */
  Outcome outcome(Object prediction);

  /** Called once every version has scored a batch. */
  default void afterBatch() {}

  /** The metrics over every outcome, given in partition and offset order. */
  Evaluation evaluate(List<Outcome> outcomes);

  /** Whether this version's outcome for a record and another version's disagree. */
  default boolean disagree(Outcome mine, Outcome theirs) {
    return !mine.predicted().equals(theirs.predicted());
  }

  /**
   * The headline metrics on which a challenger is judged against this version (the champion), as
   * functions of bootstrap weights over the paired records: {@code mine.get(i)} and {@code
   * theirs.get(i)} are the two versions' outcomes for one record, in partition and offset order.
   * Each headline picks the records it can use (e.g. the labelled ones). None by default.
   */
  default List<Headline> headlines(List<Outcome> mine, List<Outcome> theirs) {
    return List.of();
  }

  /**
   * One metric to compare, higher is better.
   *
   * @param metric its name, e.g. {@code ROC-AUC}
   * @param note how it was taken, for the report (e.g. the thresholds at equal alert volume); may
   *     be empty
   * @param records the paired records it is measured on (the weights' length)
   */
  record Headline(
      String metric,
      String note,
      int records,
      PairedBootstrap.Metric champion,
      PairedBootstrap.Metric challenger) {}

  /**
   * A scored record as the metrics need it.
   *
   * @param score the positive class's probability, the top-1 probability, or a ranking gain
   * @param flagged whether the live pipeline would raise an alert for it (counted, never written)
   * @param top the ranked labels or items, if the kind has them
   */
  record Outcome(
      int partition,
      long offset,
      String eventId,
      double score,
      String label,
      String predicted,
      boolean flagged,
      List<String> top) {

    /**
     * The outcome of a prediction record that carries its source coordinates and event id (fields
     * {@code sourcePartition}, {@code sourceOffset} and {@code eventId}, as the engine's output
     * schemas do).
     */
    public static Outcome of(
        GenericRecord prediction,
        double score,
        CharSequence label,
        CharSequence predicted,
        boolean flagged,
        List<String> top) {
      return new Outcome(
          (Integer) prediction.get("sourcePartition"),
          (Long) prediction.get("sourceOffset"),
          String.valueOf(prediction.get("eventId")),
          score,
          label == null ? null : label.toString(),
          predicted.toString(),
          flagged,
          top);
    }
  }

  /**
   * The metrics of one version; those of other kinds are null.
   *
   * @param unlabelled outcomes the metrics could not use
   */
  record Evaluation(
      ClassificationMetrics classification,
      TopAccuracy accuracy,
      RankingMetrics ranking,
      long unlabelled) {}
}
