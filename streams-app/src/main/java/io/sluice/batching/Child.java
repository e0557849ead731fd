package io.sluice.batching;

import java.util.Objects;

/**
 * A named downstream node of the batcher (a sink or a processor) and the type of the values it
 * takes. Stages emit to it with {@link Emit#to}, which checks the value's type at compile time; the
 * sink behind it is built with a serializer of that type (see {@code TopologyFactory.Sink}).
 *
 * @param <V> the type of the values the node takes
 */
public record Child<V>(String name, Class<V> type) {
  public Child {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(type, "type");
  }

  public static <V> Child<V> of(String name, Class<V> type) {
    return new Child<>(name, type);
  }
}
