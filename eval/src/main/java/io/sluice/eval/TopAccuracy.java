package io.sluice.eval;

/**
 * How often an image classifier's most probable class, or one of its top {@code k}, is the label
 * the event carries. A value.
 *
 * @param records classified records with a label
 * @param k how many classes each classification lists ({@code pipeline.top.k})
 * @param top1Correct records whose most probable class is the label
 * @param topKCorrect records whose top {@code k} classes include the label
 */
public record TopAccuracy(
    long records, int k, long top1Correct, long topKCorrect, double top1, double topK) {

  /** The accuracy of the given counts. */
  public static TopAccuracy of(long records, int k, long top1Correct, long topKCorrect) {
    return new TopAccuracy(
        records,
        k,
        top1Correct,
        topKCorrect,
        records == 0 ? Double.NaN : (double) top1Correct / records,
        records == 0 ? Double.NaN : (double) topKCorrect / records);
  }
}
