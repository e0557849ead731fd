package io.sluice.serde;

import org.apache.avro.Schema;

/**
 * The part of the Confluent Schema Registry API that Avro serdes need: register a schema, look up
 * the id of a registered one, fetch a schema by id.
 *
 * <p>Implementations are thread-safe and cache what they fetch. A client is owned by whoever
 * created it: serdes and decoders that use it do not close it. Calls after {@link #close()} throw
 * {@link IllegalStateException}.
 */
public interface SchemaRegistryClient extends AutoCloseable {

  /**
   * Registers {@code schema} under {@code subject} (a no-op if it is already registered there).
   *
   * @return the schema's id
   * @throws SchemaRegistryException if the registry refuses the schema or cannot be reached
   */
  int register(String subject, Schema schema);

  /**
   * Finds the id of {@code schema} as registered under {@code subject}, without registering it.
   *
   * @return the schema's id
   * @throws SchemaNotRegisteredException if the subject or the schema under it does not exist
   * @throws SchemaRegistryException if the registry cannot be reached or answers with an error
   */
  int lookup(String subject, Schema schema);

  /**
   * Fetches the schema with the given id.
   *
   * @throws UnknownSchemaException if no schema has this id (negative ids never do)
   * @throws UnsupportedSchemaException if the schema with this id is not Avro this client can parse
   * @throws SchemaRegistryException if the registry cannot be reached or answers with an error
   */
  Schema schemaById(int id);

  /** Releases the client's resources; idempotent. */
  @Override
  void close();
}
