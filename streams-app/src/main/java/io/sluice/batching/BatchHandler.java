package io.sluice.batching;

import io.sluice.errors.RejectedRecordException;
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

  /** The model input row of a prepared record. */
  float[] features(P prepared);

  /**
   * The outputs of scored records, given in input order with the model's output row of each.
   * Predictions must come out in the same order.
   */
  List<Emit> complete(List<Scored<P>> scored, BatchInfo batch);

  /** A prepared record and the model's output for it. */
  record Scored<P>(BufferedRecord source, P prepared, float[] output) {}

  /** Facts about the model call that scored a batch. */
  record BatchInfo(int size, long inferenceTimeMs) {}
}
