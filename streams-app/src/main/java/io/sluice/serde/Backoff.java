package io.sluice.serde;

import java.time.Duration;

/**
 * Exponential backoff with jitter between registry retries: the ceiling doubles per retry from
 * {@code initial} up to {@code max}, and the delay is drawn from the upper half of it so that
 * clients that failed together do not retry together, yet never retry at once.
 */
record Backoff(Duration initial, Duration max) {

  /**
   * The delay before retry number {@code retry} (0 for the first retry).
   *
   * @param random a uniformly distributed number in [0, 1)
   */
  Duration delay(int retry, double random) {
    long cap = max.toNanos();
    long ceiling = Math.min(initial.toNanos(), cap);
    for (int i = 0; i < retry && ceiling < cap; i++) {
      ceiling = ceiling > cap / 2 ? cap : ceiling * 2;
    }
    long half = ceiling / 2;
    return Duration.ofNanos(ceiling - half + (long) (random * half));
  }
}
