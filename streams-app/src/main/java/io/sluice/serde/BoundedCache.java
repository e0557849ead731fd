package io.sluice.serde;

import java.util.Iterator;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A thread-safe map that holds at most about {@code capacity} entries: adding one beyond that
 * evicts an arbitrary other entry.
 *
 * <p>Schemas and ids are few and immutable, so eviction is a guard against unbounded growth (say, a
 * stream of records naming ever new schema ids) rather than a hit-rate policy; plain {@link
 * ConcurrentHashMap} reads keep the per-record path lock-free.
 */
final class BoundedCache<K, V> {
  private final int capacity;
  private final ConcurrentHashMap<K, V> entries = new ConcurrentHashMap<>();

  BoundedCache(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("cache capacity must be >= 1, was " + capacity);
    }
    this.capacity = capacity;
  }

  /** The value for {@code key}, or null. */
  V get(K key) {
    return entries.get(key);
  }

  void put(K key, V value) {
    if (entries.put(key, value) == null && entries.size() > capacity) {
      Iterator<K> keys = entries.keySet().iterator();
      while (keys.hasNext() && entries.size() > capacity) {
        if (!keys.next().equals(key)) {
          keys.remove();
        }
      }
    }
  }

  int size() {
    return entries.size();
  }
}
