package io.sluice.replay;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;

/**
 * Which part of the input topic a replay reads: in every partition, from an offset or the first
 * record at or after a time (the beginning by default) up to, not including, an offset or the first
 * record at or after a time (the end offset when the replay starts, by default). Records written
 * after the replay starts are never part of it, so a replay always ends.
 */
public record ReplayRange(
    OptionalLong fromOffset,
    OptionalLong toOffset,
    Optional<Instant> fromTime,
    Optional<Instant> toTime) {

  public ReplayRange {
    if (fromOffset.isPresent() && fromTime.isPresent()) {
      throw new IllegalArgumentException("Expected --from-offset or --from-time, found both");
    }
    if (toOffset.isPresent() && toTime.isPresent()) {
      throw new IllegalArgumentException("Expected --to-offset or --to-time, found both");
    }
    if (fromOffset.isPresent() && fromOffset.getAsLong() < 0) {
      throw new IllegalArgumentException(
          "Expected --from-offset >= 0, found " + fromOffset.getAsLong());
    }
  }

  /** The whole topic as it stands when the replay starts. */
  public static ReplayRange all() {
    return new ReplayRange(
        OptionalLong.empty(), OptionalLong.empty(), Optional.empty(), Optional.empty());
  }

  /** A partition's part of the range: offsets {@code [start, end)}. */
  public record Bounds(long start, long end) {
    public long size() {
      return Math.max(0, end - start);
    }
  }

  /** The bounds of each partition, looked up once with the consumer; empty ranges included. */
  Map<TopicPartition, Bounds> resolve(Consumer<?, ?> consumer, List<TopicPartition> partitions) {
    Map<TopicPartition, Long> beginning = consumer.beginningOffsets(partitions);
    Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
    Map<TopicPartition, Long> fromTimes = offsetsAt(consumer, partitions, fromTime, end);
    Map<TopicPartition, Long> toTimes = offsetsAt(consumer, partitions, toTime, end);
    Map<TopicPartition, Bounds> bounds = new HashMap<>();
    for (TopicPartition tp : partitions) {
      long first = beginning.get(tp);
      long last = end.get(tp);
      long start =
          fromOffset.isPresent()
              ? fromOffset.getAsLong()
              : fromTime.isPresent() ? fromTimes.get(tp) : first;
      long stop =
          toOffset.isPresent() ? toOffset.getAsLong() : toTime.isPresent() ? toTimes.get(tp) : last;
      start = Math.max(start, first);
      stop = Math.min(stop, last);
      bounds.put(tp, new Bounds(start, Math.max(start, stop)));
    }
    return bounds;
  }

  private static Map<TopicPartition, Long> offsetsAt(
      Consumer<?, ?> consumer,
      List<TopicPartition> partitions,
      Optional<Instant> time,
      Map<TopicPartition, Long> end) {
    Map<TopicPartition, Long> offsets = new HashMap<>();
    if (time.isEmpty()) {
      return offsets;
    }
    Map<TopicPartition, Long> query = new HashMap<>();
    for (TopicPartition tp : partitions) {
      query.put(tp, time.get().toEpochMilli());
    }
    Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(query);
    for (TopicPartition tp : partitions) {
      OffsetAndTimestamp at = found.get(tp);
      // No record at or after the time: the partition's part of the range starts at its end.
      offsets.put(tp, at == null ? end.get(tp) : at.offset());
    }
    return offsets;
  }
}
