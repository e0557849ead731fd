package io.sluice.serde;

import java.util.Objects;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads Avro records on the Confluent wire format with an {@link AvroRecordDecoder}; null bytes (a
 * tombstone) give null. Failures are {@link AvroDecodeException}s. Thread-safe.
 */
final class AvroWireDeserializer<T> implements Deserializer<T> {
  private final AvroRecordDecoder<T> decoder;

  AvroWireDeserializer(AvroRecordDecoder<T> decoder) {
    this.decoder = Objects.requireNonNull(decoder, "decoder");
  }

  @Override
  public T deserialize(String topic, byte[] data) {
    return data == null ? null : decoder.decode(data);
  }
}
