package io.sluice.batching;

import java.util.Objects;
import org.apache.kafka.common.header.Headers;

/**
 * An output record for a typed child of the batch processor (a sink or a processor): the value has
 * the type the child takes, checked at compile time, so that the sink's serializer of that type
 * needs no cast.
 *
 * @param to the downstream processor or sink
 * @param <V> the type of the value, and of what the child takes
 */
public record Emit<V>(Child<V> to, Object key, V value, long timestamp, Headers headers) {
  public Emit {
    Objects.requireNonNull(to, "to");
  }

  /** An output to {@code child}. */
  public static <V> Emit<V> to(
      Child<V> child, Object key, V value, long timestamp, Headers headers) {
    return new Emit<>(child, key, value, timestamp, headers);
  }

  /** The name of the child. */
  public String child() {
    return to.name();
  }
}
