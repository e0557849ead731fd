package io.sluice.serde;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BoundedCacheTest {

  @Test
  void holdsNoMoreThanItsCapacityAndKeepsTheNewestEntry() {
    BoundedCache<Integer, String> cache = new BoundedCache<>(3);

    for (int i = 0; i < 100; i++) {
      cache.put(i, "v" + i);
      assertThat(cache.get(i)).isEqualTo("v" + i);
    }

    assertThat(cache.size()).isEqualTo(3);
  }

  @Test
  void replacingAnEntryEvictsNothing() {
    BoundedCache<Integer, String> cache = new BoundedCache<>(2);
    cache.put(1, "a");
    cache.put(2, "b");

    cache.put(2, "c");

    assertThat(cache.get(1)).isEqualTo("a");
    assertThat(cache.get(2)).isEqualTo("c");
  }
}
