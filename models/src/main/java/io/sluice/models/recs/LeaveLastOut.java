package io.sluice.models.recs;

import io.sluice.eval.Ranking;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;

/**
 * The leave-last-out split: each user's last rating in time order is held out, everything before it
 * is training data. A recommender is scored by where it ranks the held-out item among all items the
 * user has not rated in training (HitRate@K, NDCG@K); the popularity baseline ranks by the number
 * of training ratings. Immutable.
 */
public final class LeaveLastOut {
  private final int items;
  private final List<int[]> train;
  private final int[] heldOut;

  private LeaveLastOut(int items, List<int[]> train, int[] heldOut) {
    this.items = items;
    this.train = train;
    this.heldOut = heldOut;
  }

  /**
   * Splits each user's ratings (in time order); ratings of movies the catalogue does not have are
   * dropped, and users with fewer than two ratings left are skipped.
   */
  public static LeaveLastOut split(Map<Long, List<MovieLens.Rating>> byUser, ItemIndex catalogue) {
    List<int[]> train = new ArrayList<>();
    List<Integer> heldOut = new ArrayList<>();
    for (List<MovieLens.Rating> ratings : byUser.values()) {
      int[] h =
          ratings.stream()
              .mapToInt(r -> catalogue.indexOf(r.movieId()))
              .filter(i -> i >= 0)
              .toArray();
      if (h.length < 2) {
        continue;
      }
      train.add(java.util.Arrays.copyOf(h, h.length - 1));
      heldOut.add(h[h.length - 1]);
    }
    return new LeaveLastOut(
        catalogue.size(), List.copyOf(train), heldOut.stream().mapToInt(i -> i).toArray());
  }

  /** Each user's training history, in time order. */
  public List<int[]> train() {
    return train;
  }

  public int users() {
    return heldOut.length;
  }

  /** Training ratings per item. */
  public int[] popularity() {
    int[] counts = new int[items];
    for (int[] h : train) {
      for (int i : h) {
        counts[i]++;
      }
    }
    return counts;
  }

  /** HitRate@K and NDCG@K of the model, fed each user's most recent training items. */
  public Ranking.Accumulator evaluate(SessionModel model, int k) {
    Ranking.Accumulator acc = new Ranking.Accumulator(k);
    int[] recent = new int[model.maxRecent()];
    for (int u = 0; u < heldOut.length; u++) {
      int[] h = train.get(u);
      int count = Math.min(h.length, model.maxRecent());
      for (int j = 0; j < count; j++) {
        recent[j] = h[h.length - 1 - j];
      }
      acc.add(Ranking.rankOf(model.scores(recent, count), heldOut[u], rated(h)));
    }
    return acc;
  }

  /** HitRate@K and NDCG@K of ranking by training popularity. */
  public Ranking.Accumulator evaluatePopularity(int k) {
    int[] counts = popularity();
    float[] scores = new float[items];
    for (int i = 0; i < items; i++) {
      scores[i] = counts[i];
    }
    Ranking.Accumulator acc = new Ranking.Accumulator(k);
    for (int u = 0; u < heldOut.length; u++) {
      acc.add(Ranking.rankOf(scores, heldOut[u], rated(train.get(u))));
    }
    return acc;
  }

  private BitSet rated(int[] history) {
    BitSet b = new BitSet(items);
    for (int i : history) {
      b.set(i);
    }
    return b;
  }
}
