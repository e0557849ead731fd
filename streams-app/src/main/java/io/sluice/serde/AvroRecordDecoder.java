package io.sluice.serde;

import io.sluice.serde.AvroDecodeException.Reason;
import java.io.EOFException;
import java.io.IOException;
import java.util.Objects;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.SchemaCompatibility.SchemaPairCompatibility;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DatumReader;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;

/**
 * Decodes records on the Confluent wire format: reads the schema id, fetches the writer schema from
 * the registry and reads the Avro body, resolved into the reader schema when there is one.
 *
 * <p>Every failure is an {@link AvroDecodeException} whose {@link AvroDecodeException#reason()
 * reason} tells a poison pill from a registry outage. Corrupt lengths are refused before they are
 * allocated (see {@link BoundedDecoder}), and bytes after a complete record are an error rather
 * than silently ignored.
 *
 * <p>Thread-safe; one instance can serve all stream threads. It caches a datum reader per writer
 * schema id (up to {@value #READER_CACHE_CAPACITY} ids) and does not own the registry client.
 *
 * @param <T> {@link GenericRecord} or a generated {@link SpecificRecord} class
 */
public final class AvroRecordDecoder<T> {
  static final int READER_CACHE_CAPACITY = 1_000;

  private final SchemaRegistryClient registry;
  private final Schema readerSchema;
  private final GenericData model;
  private final BoundedCache<Integer, Reader<T>> readers =
      new BoundedCache<>(READER_CACHE_CAPACITY);

  private AvroRecordDecoder(SchemaRegistryClient registry, Schema readerSchema, GenericData model) {
    this.registry = Objects.requireNonNull(registry, "registry");
    this.readerSchema = readerSchema;
    this.model = model;
  }

  /** Decodes into generic records of each record's own writer schema. */
  public static AvroRecordDecoder<GenericRecord> generic(SchemaRegistryClient registry) {
    return new AvroRecordDecoder<>(registry, null, GenericData.get());
  }

  /**
   * Decodes into generic records of {@code readerSchema}, resolved from each writer schema by
   * Avro's schema resolution (fields the reader adds take their defaults; fields it lacks are
   * skipped).
   */
  public static AvroRecordDecoder<GenericRecord> generic(
      SchemaRegistryClient registry, Schema readerSchema) {
    Objects.requireNonNull(readerSchema, "readerSchema");
    if (readerSchema.getType() != Schema.Type.RECORD) {
      throw new IllegalArgumentException(
          "reader schema must be a record, was " + readerSchema.getType());
    }
    return new AvroRecordDecoder<>(registry, readerSchema, GenericData.get());
  }

  /**
   * Decodes into instances of the generated class {@code type}, resolved from the writer schema.
   */
  public static <T extends SpecificRecord> AvroRecordDecoder<T> specific(
      SchemaRegistryClient registry, Class<T> type) {
    SpecificData model = SpecificData.getForClass(type);
    return new AvroRecordDecoder<>(registry, model.getSchema(type), model);
  }

  /**
   * Decodes one record.
   *
   * @param bytes the record's bytes, wire format header included
   * @throws AvroDecodeException if the bytes are not a record of a known, compatible schema, or the
   *     registry cannot be reached ({@link Reason#REGISTRY_UNAVAILABLE})
   */
  public T decode(byte[] bytes) {
    int id = WireFormat.schemaId(bytes);
    Reader<T> reader = reader(id);
    int bodySize = bytes.length - WireFormat.HEADER_SIZE;
    BoundedDecoder in =
        new BoundedDecoder(bytes, WireFormat.HEADER_SIZE, bodySize, reader.checkArrayCounts());
    T value;
    int trailing;
    try {
      value = reader.datumReader().read(null, in);
      trailing = in.remaining();
    } catch (EOFException e) {
      throw new AvroDecodeException(
          Reason.MALFORMED_AVRO,
          "truncated or malformed Avro: the "
              + bodySize
              + "-byte body ends before a "
              + reader.describe()
              + " does"
              + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")"),
          e);
    } catch (IOException | RuntimeException e) {
      // Corrupt bytes surface as whatever Avro trips over (bad union index, negative length...).
      throw new AvroDecodeException(
          Reason.MALFORMED_AVRO,
          "malformed Avro: the " + bodySize + "-byte body is not a " + reader.describe() + ": " + e,
          e);
    }
    if (trailing > 0) {
      throw new AvroDecodeException(
          Reason.TRAILING_BYTES,
          trailing
              + " trailing byte(s) after a complete "
              + reader.describe()
              + ", expected the record to end the "
              + bodySize
              + "-byte body");
    }
    return value;
  }

  private Reader<T> reader(int id) {
    Reader<T> cached = readers.get(id);
    if (cached != null) {
      return cached;
    }
    Schema writer;
    try {
      writer = registry.schemaById(id);
    } catch (UnknownSchemaException e) {
      throw new AvroDecodeException(Reason.UNKNOWN_SCHEMA_ID, e.getMessage(), e);
    } catch (UnsupportedSchemaException e) {
      throw new AvroDecodeException(Reason.INCOMPATIBLE_SCHEMA, e.getMessage(), e);
    } catch (SchemaRegistryException e) {
      throw new AvroDecodeException(
          Reason.REGISTRY_UNAVAILABLE,
          "cannot fetch writer schema id " + id + " from " + registry + ": " + e.getMessage(),
          e);
    }
    Schema reader = readerSchema == null ? writer : readerSchema;
    if (readerSchema == null && writer.getType() != Schema.Type.RECORD) {
      throw new AvroDecodeException(
          Reason.INCOMPATIBLE_SCHEMA,
          "writer schema id " + id + " is a " + writer.getType() + " schema, expected a record");
    }
    if (readerSchema != null) {
      SchemaPairCompatibility compatibility =
          SchemaCompatibility.checkReaderWriterCompatibility(readerSchema, writer);
      if (compatibility.getType() != SchemaCompatibilityType.COMPATIBLE) {
        throw new AvroDecodeException(
            Reason.INCOMPATIBLE_SCHEMA,
            "writer schema id "
                + id
                + " ("
                + writer.getFullName()
                + ") cannot be read as "
                + readerSchema.getFullName()
                + ": "
                + compatibility.getResult().getIncompatibilities().stream()
                    .map(i -> i.getMessage() + " at " + i.getLocation())
                    .collect(Collectors.joining("; ")));
      }
    }
    @SuppressWarnings("unchecked") // The model makes T: GenericRecord, or the specific class.
    DatumReader<T> datumReader =
        model instanceof SpecificData specific
            ? (DatumReader<T>) new SpecificDatumReader<>(writer, reader, specific)
            : (DatumReader<T>) new GenericDatumReader<>(writer, reader, model);
    Reader<T> created =
        new Reader<>(id, writer, datumReader, BoundedDecoder.canCheckArrayCounts(writer));
    readers.put(id, created);
    return created;
  }

  /**
   * A datum reader for one writer schema id. Avro's datum readers are safe to share between threads
   * (they keep per-thread resolvers).
   */
  private record Reader<T>(
      int id, Schema writer, DatumReader<T> datumReader, boolean checkArrayCounts) {
    String describe() {
      return writer.getFullName() + " record (writer schema id " + id + ")";
    }
  }
}
