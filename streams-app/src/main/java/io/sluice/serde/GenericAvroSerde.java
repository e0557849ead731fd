package io.sluice.serde;

import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A Kafka serde for generic Avro records on the Confluent wire format, with TopicNameStrategy
 * subjects ({@code <topic>-key} or {@code <topic>-value}).
 *
 * <p>The serializer writes each record with its own schema, registered on first use (or, with
 * auto-registration off, looked up); the deserializer returns records of their writer schema. Null
 * bytes and null records pass through as null (tombstones). Thread-safe. The registry client is the
 * caller's: closing the serde does not close it.
 */
public final class GenericAvroSerde implements Serde<GenericRecord> {
  private final AvroWireSerializer<GenericRecord> serializer;
  private final AvroWireDeserializer<GenericRecord> deserializer;

  /**
   * @param registry the schema registry client, shared and owned by the caller
   * @param part whether this serde handles record keys or values (picks the subject)
   * @param autoRegister register each schema on first serialize; otherwise look it up
   */
  public GenericAvroSerde(SchemaRegistryClient registry, RecordPart part, boolean autoRegister) {
    this.serializer =
        new AvroWireSerializer<>(registry, GenericData.get(), part, autoRegister, null);
    this.deserializer = new AvroWireDeserializer<>(AvroRecordDecoder.generic(registry));
  }

  @Override
  public Serializer<GenericRecord> serializer() {
    return serializer;
  }

  @Override
  public Deserializer<GenericRecord> deserializer() {
    return deserializer;
  }
}
