package io.sluice.serde;

import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericContainer;
import org.apache.avro.generic.GenericData;
import org.apache.avro.io.DatumWriter;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Writes Avro records on the Confluent wire format, getting the schema id for the record's schema
 * under the TopicNameStrategy subject by registering it or by looking it up.
 *
 * <p>Thread-safe. Ids are cached by the registry client, so only the first record of a schema per
 * subject calls the registry. Does not own the client: {@link #close()} leaves it open.
 */
final class AvroWireSerializer<T extends GenericContainer> implements Serializer<T>, SchemaAhead {
  private final SchemaRegistryClient registry;
  private final GenericData model;
  private final RecordPart part;
  private final boolean autoRegister;
  private final Schema known;

  /**
   * @param known the schema of every record written (a generated class's), or null if records carry
   *     schemas of their own; {@link #prepare} does nothing without one
   */
  AvroWireSerializer(
      SchemaRegistryClient registry,
      GenericData model,
      RecordPart part,
      boolean autoRegister,
      Schema known) {
    this.registry = Objects.requireNonNull(registry, "registry");
    this.model = Objects.requireNonNull(model, "model");
    this.part = Objects.requireNonNull(part, "part");
    this.autoRegister = autoRegister;
    this.known = known;
  }

  /**
   * Per topic, the schema last written there with its subject, id and writer: a serializer writes
   * one kind of record to a topic or two, so this spares the per-record subject, id lookup and
   * writer.
   */
  private final ConcurrentMap<String, Target<T>> targets = new ConcurrentHashMap<>();

  private record Target<T>(Schema schema, String subject, int id, DatumWriter<T> writer) {}

  /** Returns null for null data (a tombstone). */
  @Override
  public byte[] serialize(String topic, T data) {
    if (data == null) {
      return null;
    }
    Schema schema = data.getSchema();
    Target<T> last = targets.get(topic);
    if (last == null || last.schema != schema) {
      last = target(topic, schema);
      targets.put(topic, last);
    }
    int id = last.id;
    DatumWriter<T> writer = last.writer;
    String subject = last.subject;
    try {
      return WireFormat.encode(id, data, writer);
    } catch (RuntimeException e) {
      throw new SerializationException(
          "cannot write a "
              + schema.getFullName()
              + " record to topic '"
              + topic
              + "' (subject '"
              + subject
              + "', schema id "
              + id
              + "): "
              + e,
          e);
    }
  }

  @Override
  public void prepare(String topic) {
    if (known != null) {
      targets.computeIfAbsent(topic, t -> target(t, known));
    }
  }

  private Target<T> target(String topic, Schema schema) {
    String subject = part.subject(topic);
    int id;
    try {
      id = autoRegister ? registry.register(subject, schema) : registry.lookup(subject, schema);
    } catch (SchemaRegistryException e) {
      throw new SerializationException(
          "cannot "
              + (autoRegister ? "register" : "look up")
              + " schema "
              + schema.getFullName()
              + " under subject '"
              + subject
              + "' for topic '"
              + topic
              + "': "
              + e.getMessage(),
          e);
    }
    @SuppressWarnings("unchecked") // The model's writer writes T: its own kind of record.
    DatumWriter<T> writer = (DatumWriter<T>) model.createDatumWriter(schema);
    return new Target<>(schema, subject, id, writer);
  }
}
