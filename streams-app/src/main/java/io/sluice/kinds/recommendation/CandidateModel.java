package io.sluice.kinds.recommendation;

/**
 * One call of a recommender model over a batch of users: each user's recent items and the items to
 * exclude (those they rated) in, their top {@code k} other catalogue items out. Thread-safe; throws
 * an unchecked exception if the call fails.
 */
@FunctionalInterface
public interface CandidateModel {

  /**
   * The top {@code k} items of each row that are not excluded, best first; an excluded item may
   * follow them (the caller skips it) only when fewer than {@code k} are left.
   *
   * @param items catalogue indices, {@code rows x width} row-major, most recent first, padded
   * @param weights the weight of each of {@code items}, 0 for padding
   * @param exclude catalogue indices never to return, {@code rows x excludeWidth} row-major, each
   *     row padded by repeating one of its own indices
   */
  Candidates[] topK(
      long[] items, float[] weights, long[] exclude, int excludeWidth, int rows, int width, int k);

  /** One row's candidates: catalogue indices and their scores, best first. */
  record Candidates(long[] items, float[] scores) {}
}
