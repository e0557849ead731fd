package io.sluice.topology;

import io.sluice.batching.BufferedRecord;
import io.sluice.serde.AvroDecodeException;
import io.sluice.serde.WireFormat;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.internals.InternalProcessorContext;
import org.apache.kafka.streams.processor.internals.ProcessorRecordContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * Holds back the records of its task's partition, in order, from the first one whose writer schema
 * cannot be fetched because the registry is unreachable, and lets them go on, in order, once it
 * can; records of other partitions are not concerned. First processor after the source.
 *
 * <p>Held-back records are in a changelogged store, so the task's offsets may be committed past
 * them: a crash or a rebalance restores the store with its partition. A wall-clock punctuator
 * retries every {@link #RETRY_INTERVAL} without waiting; the records it lets go are forwarded with
 * their own source topic, partition, offset, timestamp and headers, as Kafka's {@code suppress()}
 * buffer does, so that the batcher and the dead-letter topic see where each came from. Nothing here
 * waits on the registry for longer than {@link SchemaGate#FIRST_WAIT}, and not at all during an
 * outage: no transaction stays open for it.
 *
 * <p>Bytes that are not the wire format pass through (the decoder dead-letters them).
 */
final class SchemaGateProcessor implements Processor<byte[], byte[], byte[], byte[]> {
  static final Duration RETRY_INTERVAL = Duration.ofMillis(500);

  private final SchemaGate gate;
  private final String storeName;
  private ProcessorContext<byte[], byte[]> context;
  private KeyValueStore<Long, byte[]> held;
  private long nextSequence;
  private long count;

  SchemaGateProcessor(SchemaGate gate, String storeName) {
    this.gate = Objects.requireNonNull(gate, "gate");
    this.storeName = Objects.requireNonNull(storeName, "storeName");
  }

  /** The changelogged store of the records held back, by sequence number. */
  static StoreBuilder<KeyValueStore<Long, byte[]>> store(String name) {
    return Stores.keyValueStoreBuilder(
            Stores.inMemoryKeyValueStore(name), Serdes.Long(), Serdes.ByteArray())
        .withLoggingEnabled(Map.of());
  }

  @Override
  public void init(ProcessorContext<byte[], byte[]> context) {
    this.context = context;
    this.held = context.getStateStore(storeName);
    try (KeyValueIterator<Long, byte[]> all = held.all()) {
      while (all.hasNext()) {
        nextSequence = Math.max(nextSequence, all.next().key + 1);
        count++;
      }
    }
    gate.heldBack(count);
    context.schedule(RETRY_INTERVAL, PunctuationType.WALL_CLOCK_TIME, now -> release());
  }

  @Override
  public void process(Record<byte[], byte[]> record) {
    if (count == 0) {
      Integer id = schemaId(record.value());
      if (id == null || gate.ready(id, true)) {
        context.forward(record);
        return;
      }
    }
    BufferedRecord entry = BufferedRecord.taken(record, context, context.currentSystemTimeMs());
    held.put(nextSequence, entry.toBytes(nextSequence));
    nextSequence++;
    count++;
    gate.heldBack(1);
  }

  /** Lets the held-back records go, oldest first, up to the first whose schema is still missing. */
  void release() {
    if (count == 0) {
      return;
    }
    List<KeyValue<Long, BufferedRecord>> ready = new ArrayList<>();
    try (KeyValueIterator<Long, byte[]> all = held.all()) {
      while (all.hasNext()) {
        KeyValue<Long, byte[]> next = all.next();
        BufferedRecord r = BufferedRecord.fromBytes(next.value);
        Integer id = schemaId(r.value());
        if (id != null && !gate.ready(id, false)) {
          break;
        }
        ready.add(KeyValue.pair(next.key, r));
      }
    }
    for (KeyValue<Long, BufferedRecord> r : ready) {
      forwardAsFrom(r.value);
      held.delete(r.key);
      count--;
      gate.heldBack(-1);
    }
  }

  /** Forwards a held-back record as if it came from its source offset now. */
  private void forwardAsFrom(BufferedRecord r) {
    Record<byte[], byte[]> out = new Record<>(r.key(), r.value(), r.timestamp(), r.headers());
    if (!(context instanceof InternalProcessorContext<?, ?> internal)) {
      context.forward(out);
      return;
    }
    ProcessorRecordContext current = internal.recordContext();
    internal.setRecordContext(
        new ProcessorRecordContext(
            r.timestamp(), r.offset(), r.partition(), r.topic(), r.headers()));
    try {
      context.forward(out);
    } finally {
      internal.setRecordContext(current);
    }
  }

  @Override
  public void close() {
    // The store moves with the task: its records are no longer this instance's to count.
    gate.heldBack(-count);
    count = 0;
  }

  private static Integer schemaId(byte[] value) {
    try {
      return WireFormat.schemaId(value);
    } catch (AvroDecodeException e) {
      return null;
    }
  }
}
