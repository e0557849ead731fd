package io.sluice.batching;

import io.sluice.errors.RejectedRecordException;
import java.util.ArrayList;
import java.util.List;

/**
 * The pipeline-specific steps around the model call: turn a buffered record into model input, and
 * turn scored records into outputs. Called by {@link MicroBatchProcessor} on a stream thread;
 * implementations must be safe to share between stream threads.
 *
 * @param <P> a decoded, featurized record
 */
public interface BatchHandler<P> {

  /**
   * Decodes and featurizes one record.
   *
   * @throws RejectedRecordException if the record itself is bad; it is dead-lettered
   */
  P prepare(BufferedRecord record) throws RejectedRecordException;

  /**
   * Decodes and featurizes a batch: one {@link Prepared} per record, in input order. The default
   * prepares one record after another with {@link #prepare}; a handler whose preparation is costly
   * (decoding images) overrides it to prepare the records in parallel. An unchecked exception (not
   * the records' fault) fails the whole batch.
   */
  default List<Prepared<P>> prepareAll(List<BufferedRecord> records) {
    return Prepared.each(records, this::prepare);
  }

  /** The model input row of a prepared record. */
  float[] features(P prepared);

  /**
   * The outputs of scored records, given in input order with the model's output row of each.
   * Predictions must come out in the same order.
   */
  List<Emit<?>> complete(List<Scored<P>> scored, BatchInfo batch);

  /** The outcome of preparing one record: a prepared value, or why the record was rejected. */
  record Prepared<P>(P value, RejectedRecordException rejection) {
    public static <P> Prepared<P> of(P value) {
      return new Prepared<>(java.util.Objects.requireNonNull(value, "value"), null);
    }

    public static <P> Prepared<P> rejected(RejectedRecordException rejection) {
      return new Prepared<>(null, java.util.Objects.requireNonNull(rejection, "rejection"));
    }

    /** Prepares one record after another. */
    public static <P> List<Prepared<P>> each(List<BufferedRecord> records, Preparer<P> preparer) {
      List<Prepared<P>> out = new ArrayList<>(records.size());
      for (BufferedRecord record : records) {
        try {
          out.add(of(preparer.prepare(record)));
        } catch (RejectedRecordException e) {
          out.add(rejected(e));
        }
      }
      return out;
    }
  }

  /** Prepares one record, or rejects it. */
  @FunctionalInterface
  interface Preparer<P> {
    P prepare(BufferedRecord record) throws RejectedRecordException;
  }

  /** A prepared record and the model's output for it. */
  record Scored<P>(BufferedRecord source, P prepared, float[] output) {}

  /**
   * Facts about the model call that scored a batch.
   *
   * @param model the version that scored these records, whose name and version their outputs carry;
   *     null for stages that carry their own model
   */
  record BatchInfo(int size, long inferenceTimeMs, io.sluice.inference.ModelRunner model) {
    public BatchInfo(int size, long inferenceTimeMs) {
      this(size, inferenceTimeMs, null);
    }
  }
}
