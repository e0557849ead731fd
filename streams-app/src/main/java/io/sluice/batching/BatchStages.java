package io.sluice.batching;

import io.sluice.errors.RejectedRecordException;
import io.sluice.inference.ModelRunner;
import java.util.ArrayList;
import java.util.List;

/**
 * The pipeline-specific steps around one model call, for a model of any input and output: turn a
 * buffered record into a prepared one, score a batch of prepared records in one call, and turn the
 * scored records into outputs. {@link BatchHandler} with a {@link Scorer} is the case of models fed
 * float rows. Called by {@link MicroBatchProcessor} on a stream thread; implementations must be
 * safe to share between stream threads.
 *
 * @param <P> a decoded, prepared record
 * @param <R> the model's output for one record
 */
public interface BatchStages<P, R> {

  /**
   * Decodes and prepares one record.
   *
   * @throws RejectedRecordException if the record itself is bad; it is dead-lettered
   */
  P prepare(BufferedRecord record) throws RejectedRecordException;

  /**
   * Prepares a batch: one outcome per record, in input order. The default prepares one record after
   * another; costly preparation (decoding images) overrides it to work in parallel.
   */
  default List<BatchHandler.Prepared<P>> prepareAll(List<BufferedRecord> records) {
    return BatchHandler.Prepared.each(records, this::prepare);
  }

  /**
   * Scores prepared records in one model call; returns one output per record, in order. Throws an
   * unchecked exception if the call fails: the batch is then bisected, so this must keep no state
   * between calls.
   *
   * @param model the model version serving this batch (the same for every call of a batch); null
   *     for stages that carry their own model
   */
  List<R> score(ModelRunner model, List<P> prepared);

  /** The outputs of scored records, given in input order; outputs must keep that order. */
  List<Emit<?>> complete(List<Scored<P, R>> scored, BatchHandler.BatchInfo batch);

  /** A prepared record and the model's output for it. */
  record Scored<P, R>(BufferedRecord source, P prepared, R output) {}

  /** The stages of a handler of float rows, scored by the batch's model version. */
  static <P> BatchStages<P, float[]> of(BatchHandler<P> handler) {
    return of(handler, null);
  }

  /**
   * The stages of a handler of float rows and its scorer; a null scorer runs the batch's model
   * version.
   */
  static <P> BatchStages<P, float[]> of(BatchHandler<P> handler, Scorer scorer) {
    return new BatchStages<>() {
      @Override
      public P prepare(BufferedRecord record) throws RejectedRecordException {
        return handler.prepare(record);
      }

      @Override
      public List<BatchHandler.Prepared<P>> prepareAll(List<BufferedRecord> records) {
        return handler.prepareAll(records);
      }

      @Override
      public List<float[]> score(ModelRunner model, List<P> prepared) {
        List<float[]> rows = new ArrayList<>(prepared.size());
        for (P p : prepared) {
          rows.add(handler.features(p));
        }
        return List.of(scorer == null ? model.run(rows) : scorer.score(rows));
      }

      @Override
      public List<Emit<?>> complete(List<Scored<P, float[]>> scored, BatchHandler.BatchInfo batch) {
        List<BatchHandler.Scored<P>> rows = new ArrayList<>(scored.size());
        for (Scored<P, float[]> s : scored) {
          rows.add(new BatchHandler.Scored<>(s.source(), s.prepared(), s.output()));
        }
        return handler.complete(rows, batch);
      }
    };
  }
}
