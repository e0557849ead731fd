package io.sluice.serde;

/**
 * A schema registry call failed: the registry could not be reached, answered with an error, or sent
 * a response that is not what the Schema Registry API promises.
 *
 * <p>The message names the request URL, the HTTP status and the registry's own error message when
 * there was one. Subclasses mark the failures that are about the data rather than the registry.
 */
public class SchemaRegistryException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public SchemaRegistryException(String message) {
    super(message);
  }

  public SchemaRegistryException(String message, Throwable cause) {
    super(message, cause);
  }
}
