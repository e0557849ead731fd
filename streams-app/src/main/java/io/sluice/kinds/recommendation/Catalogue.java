package io.sluice.kinds.recommendation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

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
   * Reads the {@code recommendation} block of a descriptor.
   *
   * @throws IllegalArgumentException naming the file and field when the block is missing or wrong
   */
  public static Catalogue read(Path descriptor) {
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(descriptor.toFile());
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "model descriptor " + descriptor + " cannot be read: " + e.getMessage(), e);
    }
    JsonNode r = root.get("recommendation");
    if (r == null || !r.isObject()) {
      throw new IllegalArgumentException(
          "model descriptor " + descriptor + " has no 'recommendation' object: not a recommender");
    }
    JsonNode items = array(descriptor, r, "items");
    long[] ids = new long[items.size()];
    String[] titles = new String[items.size()];
    for (int i = 0; i < ids.length; i++) {
      JsonNode item = items.get(i);
      if (!item.path("id").isIntegralNumber() || !item.path("title").isTextual()) {
        throw new IllegalArgumentException(
            "model descriptor "
                + descriptor
                + ": field 'recommendation.items["
                + i
                + "]' must have an integer id and a text title, found "
                + item);
      }
      ids[i] = item.get("id").longValue();
      titles[i] = item.get("title").textValue();
    }
    JsonNode popularIds = array(descriptor, r, "popular");
    JsonNode counts = array(descriptor, r, "popularCounts");
    if (counts.size() != popularIds.size()) {
      throw new IllegalArgumentException(
          "model descriptor "
              + descriptor
              + ": field 'recommendation.popularCounts' must have one count per popular item ("
              + popularIds.size()
              + "), found "
              + counts.size());
    }
    Catalogue partial = new Catalogue(ids, titles, new int[0], new int[0], 0, 0f);
    int[] popular = new int[popularIds.size()];
    int[] popularCounts = new int[popular.length];
    for (int i = 0; i < popular.length; i++) {
      popular[i] = partial.indexOf(popularIds.get(i).longValue());
      if (popular[i] < 0) {
        throw new IllegalArgumentException(
            "model descriptor "
                + descriptor
                + ": field 'recommendation.popular["
                + i
                + "]' is item "
                + popularIds.get(i)
                + ", which is not in 'recommendation.items'");
      }
      popularCounts[i] = counts.get(i).intValue();
    }
    JsonNode maxRecent = r.get("maxRecent");
    JsonNode decay = r.get("decay");
    if (maxRecent == null || !maxRecent.isIntegralNumber() || maxRecent.intValue() < 1) {
      throw new IllegalArgumentException(
          "model descriptor "
              + descriptor
              + ": field 'recommendation.maxRecent' must be a positive integer, found "
              + maxRecent);
    }
    if (decay == null || !decay.isNumber() || !(decay.doubleValue() > 0)) {
      throw new IllegalArgumentException(
          "model descriptor "
              + descriptor
              + ": field 'recommendation.decay' must be a positive number, found "
              + decay);
    }
    return new Catalogue(
        ids, titles, popular, popularCounts, maxRecent.intValue(), decay.floatValue());
  }

  private static JsonNode array(Path descriptor, JsonNode r, String field) {
    JsonNode a = r.get(field);
    if (a == null || !a.isArray()) {
      throw new IllegalArgumentException(
          "model descriptor "
              + descriptor
              + ": field 'recommendation."
              + field
              + "' must be an array, found "
              + a);
    }
    return a;
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
