package io.sluice.serde;

/**
 * The registry holds a schema with the requested id, but not one this client can use: another
 * schema type (Protobuf, JSON Schema) or Avro it cannot parse (say, with unresolved references).
 */
public final class UnsupportedSchemaException extends SchemaRegistryException {
  private static final long serialVersionUID = 1L;

  private final int schemaId;

  public UnsupportedSchemaException(int schemaId, String detail, Throwable cause) {
    super("unsupported schema id " + schemaId + ": " + detail, cause);
    this.schemaId = schemaId;
  }

  /** The id that was asked for. */
  public int schemaId() {
    return schemaId;
  }
}
