package io.sluice.eval;

import java.util.BitSet;

/**
 * Top-K ranking metrics for one held-out item per case: HitRate@K (the item is among the first K)
 * and NDCG@K ({@code 1 / log2(rank + 2)} when it is, rank counted from 0). Ties are broken by the
 * lower item index first, as ONNX's TopK does.
 */
public final class Ranking {
  private Ranking() {}

  /**
   * The 0-based rank of {@code target} among the items not in {@code excluded}, by descending
   * score.
   */
  public static int rankOf(float[] scores, int target, BitSet excluded) {
    float t = scores[target];
    int rank = 0;
    for (int i = 0; i < scores.length; i++) {
      if (i == target || excluded.get(i)) {
        continue;
      }
      if (scores[i] > t || (scores[i] == t && i < target)) {
        rank++;
      }
    }
    return rank;
  }

  /** NDCG@K of a single relevant item at {@code rank}: {@code 1/log2(rank+2)} inside the top K. */
  public static double ndcg(int rank, int k) {
    return rank < k ? 1.0 / (Math.log(rank + 2) / Math.log(2)) : 0.0;
  }

  /** Sums hits and NDCG over cases. Not thread-safe. */
  public static final class Accumulator {
    private final int k;
    private int cases;
    private int hits;
    private double ndcg;

    public Accumulator(int k) {
      if (k < 1) {
        throw new IllegalArgumentException("k must be at least 1, found " + k);
      }
      this.k = k;
    }

    /** Adds one case whose held-out item came at {@code rank} (0-based; -1 if not ranked). */
    public void add(int rank) {
      cases++;
      if (rank >= 0 && rank < k) {
        hits++;
        ndcg += Ranking.ndcg(rank, k);
      }
    }

    public int k() {
      return k;
    }

    public int cases() {
      return cases;
    }

    public int hits() {
      return hits;
    }

    /** Hits over cases; 0 when there are no cases. */
    public double hitRate() {
      return cases == 0 ? 0 : (double) hits / cases;
    }

    /** Mean NDCG@K over cases; 0 when there are no cases. */
    public double ndcg() {
      return cases == 0 ? 0 : ndcg / cases;
    }
  }
}
