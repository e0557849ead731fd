package io.sluice.models.recs;

import io.sluice.eval.Prequential;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The two recommenders of the prequential evaluation, both learning only from what the stream has
 * revealed: the session model over each user's recent items (popularity for a user with none), and
 * the popularity baseline (items by the number of events so far). Both skip items the user has
 * already rated. Not thread-safe.
 */
public final class StreamRecommenders {
  private StreamRecommenders() {}

  /** Per-user state both recommenders keep: recent items (most recent last) and rated items. */
  private abstract static class Base implements Prequential.Recommender {
    final ItemIndex catalogue;
    final int[] counts;
    final Map<Long, List<Integer>> recent = new HashMap<>();
    final Map<Long, BitSet> rated = new HashMap<>();

    Base(ItemIndex catalogue) {
      this.catalogue = catalogue;
      this.counts = new int[catalogue.size()];
    }

    @Override
    public void reveal(Prequential.Event e) {
      int item = catalogue.indexOf(e.item());
      if (item < 0) {
        return;
      }
      counts[item]++;
      List<Integer> list = recent.computeIfAbsent(e.user(), u -> new ArrayList<>());
      list.remove(Integer.valueOf(item));
      list.add(item);
      rated.computeIfAbsent(e.user(), u -> new BitSet(catalogue.size())).set(item);
    }

    long[] ids(int[] indices) {
      long[] ids = new long[indices.length];
      for (int i = 0; i < ids.length; i++) {
        ids[i] = catalogue.id(indices[i]);
      }
      return ids;
    }

    long[] popular(long user, int k) {
      float[] scores = new float[counts.length];
      for (int i = 0; i < counts.length; i++) {
        scores[i] = counts[i];
      }
      return ids(TopK.select(scores, k, rated.get(user)));
    }
  }

  /** The session model; a user with no recent items gets the popularity list. */
  public static Prequential.Recommender model(SessionModel model, ItemIndex catalogue) {
    return new Base(catalogue) {
      @Override
      public long[] recommend(long user, int k) {
        List<Integer> list = recent.get(user);
        if (list == null || list.isEmpty()) {
          return popular(user, k);
        }
        int count = Math.min(list.size(), model.maxRecent());
        int[] items = new int[count];
        for (int j = 0; j < count; j++) {
          items[j] = list.get(list.size() - 1 - j);
        }
        return ids(TopK.select(model.scores(items, count), k, rated.get(user)));
      }
    };
  }

  /** Items by the number of events revealed so far. */
  public static Prequential.Recommender popularity(ItemIndex catalogue) {
    return new Base(catalogue) {
      @Override
      public long[] recommend(long user, int k) {
        return popular(user, k);
      }
    };
  }
}
