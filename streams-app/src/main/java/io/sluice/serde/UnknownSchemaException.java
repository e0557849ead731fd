package io.sluice.serde;

/** The registry holds no schema with the requested id. */
public final class UnknownSchemaException extends SchemaRegistryException {
  private static final long serialVersionUID = 1L;

  private final int schemaId;

  public UnknownSchemaException(int schemaId, String detail) {
    super("unknown schema id " + schemaId + ": " + detail);
    this.schemaId = schemaId;
  }

  /** The id that was asked for. */
  public int schemaId() {
    return schemaId;
  }
}
