package io.sluice.serde;

/** A lookup found no version of the schema under the subject (or no such subject). */
public final class SchemaNotRegisteredException extends SchemaRegistryException {
  private static final long serialVersionUID = 1L;

  private final String subject;

  public SchemaNotRegisteredException(String subject, String schemaName, String detail) {
    super(
        "schema "
            + schemaName
            + " is not registered under subject '"
            + subject
            + "' (register it first, or enable auto-registration): "
            + detail);
    this.subject = subject;
  }

  /** The subject that was searched. */
  public String subject() {
    return subject;
  }
}
