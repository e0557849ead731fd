package io.sluice.serde;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {
  private final Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1));

  @Test
  void doublesTheCeilingPerRetryUpToTheMaximum() {
    assertThat(backoff.delay(0, 0.999_999)).isBetween(ms(99), ms(100));
    assertThat(backoff.delay(1, 0.999_999)).isBetween(ms(199), ms(200));
    assertThat(backoff.delay(2, 0.999_999)).isBetween(ms(399), ms(400));
    assertThat(backoff.delay(3, 0.999_999)).isBetween(ms(799), ms(800));
    assertThat(backoff.delay(4, 0.999_999)).isBetween(ms(999), ms(1000));
    assertThat(backoff.delay(1_000, 0.999_999)).isBetween(ms(999), ms(1000));
  }

  @Test
  void jittersWithinTheUpperHalfOfTheCeiling() {
    assertThat(backoff.delay(0, 0.0)).isEqualTo(ms(50));
    assertThat(backoff.delay(0, 0.5)).isEqualTo(ms(75));
    assertThat(backoff.delay(3, 0.0)).isEqualTo(ms(400));
    assertThat(backoff.delay(9, 0.0)).isEqualTo(ms(500));
  }

  @Test
  void neverWaitsLongerThanTheMaximumEvenWhenItIsHuge() {
    Backoff huge = new Backoff(Duration.ofSeconds(1), Duration.ofNanos(Long.MAX_VALUE));

    assertThat(huge.delay(200, 0.999))
        .isPositive()
        .isLessThanOrEqualTo(Duration.ofNanos(Long.MAX_VALUE));
  }

  private static Duration ms(long millis) {
    return Duration.ofMillis(millis);
  }
}
