package io.sluice.kinds.recommendation;

import io.sluice.descriptor.DescriptorException;
import io.sluice.descriptor.ModelDescriptor;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The items a recommender knows, read from the {@code recommendation} block of its model
 * descriptor: model item index ↔ item id, titles, the popularity list, and how the model weighs
 * recent items. Immutable and thread-safe.
 */
public final class Catalogue {
  private final long[] ids;
  private final String[] titles;
  private final Map<Long, Integer> index;
  private final int[] popular;
  private final int[] popularCounts;
  private final int maxRecent;
  private final float decay;

  Catalogue(
      long[] ids, String[] titles, int[] popular, int[] popularCounts, int maxRecent, float decay) {
    this.ids = ids;
    this.titles = titles;
    this.popular = popular;
    this.popularCounts = popularCounts;
    this.maxRecent = maxRecent;
    this.decay = decay;
    this.index = new HashMap<>(ids.length * 2);
    for (int i = 0; i < ids.length; i++) {
      index.put(ids[i], i);
    }
  }

  /**
   * The catalogue of a recommender's descriptor, from its {@code recommendation} block (which the
   * descriptor's reader has checked: items, popularity, weights).
   *
   * @throws IllegalArgumentException naming the file when the descriptor has no such block
   */
  public static Catalogue of(ModelDescriptor descriptor) {
    ModelDescriptor.Recommendation r =
        descriptor
            .recommendation()
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "model descriptor "
                            + descriptor.path()
                            + " has no 'recommendation' object: not a recommender"));
    long[] ids = new long[r.items().size()];
    String[] titles = new String[ids.length];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = r.items().get(i).id();
      // The output's title is a string: an item the descriptor gives none has an empty one.
      titles[i] = Objects.requireNonNullElse(r.items().get(i).title(), "");
    }
    Catalogue partial = new Catalogue(ids, titles, new int[0], new int[0], 0, 0f);
    int[] popular = new int[r.popular().size()];
    int[] popularCounts = new int[popular.length];
    for (int i = 0; i < popular.length; i++) {
      popular[i] = partial.indexOf(r.popular().get(i));
      popularCounts[i] = r.popularCounts().get(i);
    }
    return new Catalogue(ids, titles, popular, popularCounts, r.maxRecent(), r.decay());
  }

  /**
   * Reads a recommender's descriptor and returns its catalogue.
   *
   * @throws IllegalArgumentException naming the file and field when the descriptor is wrong
   */
  public static Catalogue read(Path descriptor) {
    try {
      return of(ModelDescriptor.read(descriptor));
    } catch (DescriptorException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  public int size() {
    return ids.length;
  }

  /** The model index of an item id, or -1 if the catalogue does not have it. */
  public int indexOf(long itemId) {
    Integer i = index.get(itemId);
    return i == null ? -1 : i;
  }

  public long id(int index) {
    return ids[index];
  }

  public String title(int index) {
    return titles[index];
  }

  /**
   * A copy of the popularity list the pipeline falls back to: model indices, most popular first.
   */
  public int[] popularList() {
    return popular.clone();
  }

  /** Model indices by popularity, most popular first. */
  int[] popular() {
    return popular;
  }

  /** Training ratings of {@code popular()[i]}. */
  int popularCount(int i) {
    return popularCounts[i];
  }

  /** The most recent items the model looks at (the width of its recent-items input). */
  public int maxRecent() {
    return maxRecent;
  }

  /** The weight of the j-th most recent item is {@code decay^j}. */
  public float decay() {
    return decay;
  }
}
