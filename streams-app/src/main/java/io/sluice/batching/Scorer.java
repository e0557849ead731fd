package io.sluice.batching;

import java.util.List;

/**
 * One model call over a batch of input rows; returns one output row per input row, in order. Throws
 * an unchecked exception if the call fails. Must be safe for concurrent calls.
 */
@FunctionalInterface
public interface Scorer {
  float[][] score(List<float[]> rows);
}
