package io.sluice.models.recs;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The catalogue in model order: item index {@code i} is movie {@code ids[i]} titled {@code
 * titles.get(i)}. Immutable.
 */
public final class ItemIndex {
  private final long[] ids;
  private final List<String> titles;
  private final Map<Long, Integer> index;

  /** Items in the order of {@code titles} (movies.csv order). */
  public ItemIndex(Map<Long, String> titles) {
    this.ids = titles.keySet().stream().mapToLong(Long::longValue).toArray();
    this.titles = List.copyOf(titles.values());
    this.index = new HashMap<>(ids.length * 2);
    for (int i = 0; i < ids.length; i++) {
      index.put(ids[i], i);
    }
  }

  public int size() {
    return ids.length;
  }

  /** The index of a movie id, or -1 if the catalogue does not have it. */
  public int indexOf(long id) {
    Integer i = index.get(id);
    return i == null ? -1 : i;
  }

  public long id(int index) {
    return ids[index];
  }

  public String title(int index) {
    return titles.get(index);
  }
}
