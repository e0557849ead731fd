package io.sluice.batching;

import org.apache.kafka.common.header.Headers;

/**
 * An output record for a named child of the batch processor (a sink or a processor). Make it with
 * {@link #to}, so that the value has the type the child takes.
 *
 * @param child name of the downstream processor or sink
 */
public record Emit(String child, Object key, Object value, long timestamp, Headers headers) {

  /** An output to {@code child}, whose value type is checked at compile time. */
  public static <V> Emit to(Child<V> child, Object key, V value, long timestamp, Headers headers) {
    return new Emit(child.name(), key, value, timestamp, headers);
  }
}
