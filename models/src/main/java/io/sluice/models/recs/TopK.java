package io.sluice.models.recs;

import java.util.BitSet;

/** Selects the K best-scored items, best first; ties go to the lower index, as ONNX's TopK does. */
final class TopK {
  private TopK() {}

  /** The indices of the {@code k} highest scores not in {@code excluded}, best first. */
  static int[] select(float[] scores, int k, BitSet excluded) {
    int[] best = new int[k];
    int n = 0;
    for (int i = 0; i < scores.length; i++) {
      if (excluded != null && excluded.get(i)) {
        continue;
      }
      if (n == k && !better(scores, i, best[n - 1])) {
        continue;
      }
      int at = n == k ? k - 1 : n++;
      while (at > 0 && better(scores, i, best[at - 1])) {
        best[at] = best[at - 1];
        at--;
      }
      best[at] = i;
    }
    return n == k ? best : java.util.Arrays.copyOf(best, n);
  }

  private static boolean better(float[] scores, int a, int b) {
    return scores[a] > scores[b] || (scores[a] == scores[b] && a < b);
  }
}
