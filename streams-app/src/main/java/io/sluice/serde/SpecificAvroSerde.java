package io.sluice.serde;

import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A Kafka serde for a generated Avro class on the Confluent wire format, with TopicNameStrategy
 * subjects ({@code <topic>-key} or {@code <topic>-value}).
 *
 * <p>The serializer registers the class's schema on first use (or, with auto-registration off,
 * looks it up and fails if it is not registered); the deserializer reads any writer schema that
 * resolves to the class's schema. Null bytes and null records pass through as null (tombstones).
 * Thread-safe. The registry client is the caller's: closing the serde does not close it.
 *
 * @param <T> the generated record class
 */
public final class SpecificAvroSerde<T extends SpecificRecord> implements Serde<T> {
  private final AvroWireSerializer<T> serializer;
  private final AvroWireDeserializer<T> deserializer;

  /**
   * @param registry the schema registry client, shared and owned by the caller
   * @param type the generated record class
   * @param part whether this serde handles record keys or values (picks the subject)
   * @param autoRegister register the schema on first serialize; otherwise look it up
   */
  public SpecificAvroSerde(
      SchemaRegistryClient registry, Class<T> type, RecordPart part, boolean autoRegister) {
    this.serializer =
        new AvroWireSerializer<>(
            registry,
            SpecificData.getForClass(type),
            part,
            autoRegister,
            SpecificData.get().getSchema(type));
    this.deserializer = new AvroWireDeserializer<>(AvroRecordDecoder.specific(registry, type));
  }

  @Override
  public Serializer<T> serializer() {
    return serializer;
  }

  @Override
  public Deserializer<T> deserializer() {
    return deserializer;
  }
}
