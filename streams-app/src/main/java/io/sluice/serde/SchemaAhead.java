package io.sluice.serde;

/**
 * A serializer whose records' schema is known before the first record (a generated class's), so
 * that its schema id can be had ahead: at start, rather than on a stream thread inside a
 * transaction when the first record goes out.
 */
public interface SchemaAhead {
  /**
   * Registers (or looks up) the schema this serializer writes to {@code topic} and keeps its id:
   * the first record written there calls no registry.
   *
   * @throws org.apache.kafka.common.errors.SerializationException naming the subject, if the
   *     registry refuses the schema or cannot be reached and no id was kept for it before
   */
  void prepare(String topic);
}
