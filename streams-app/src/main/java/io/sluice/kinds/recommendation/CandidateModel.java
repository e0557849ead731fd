package io.sluice.kinds.recommendation;

/**
 * One call of a recommender model over a batch of users: each user's recent items in, their top
 * {@code k} catalogue items out. Thread-safe; throws an unchecked exception if the call fails.
 */
@FunctionalInterface
public interface CandidateModel {

  /**
   * The top {@code k} items of each row, best first.
   *
   * @param items catalogue indices, {@code rows x width} row-major, most recent first, padded
   * @param weights the weight of each of {@code items}, 0 for padding
   */
  Candidates[] topK(long[] items, float[] weights, int rows, int width, int k);

  /** One row's candidates: catalogue indices and their scores, best first. */
  record Candidates(long[] items, float[] scores) {}
}
