package io.sluice.serde;

import java.util.Objects;
import org.apache.kafka.common.errors.SerializationException;

/**
 * A record's bytes could not be decoded as Avro on the Confluent wire format.
 *
 * <p>{@link #reason()} says why in a form a program can act on (and a dead-letter header can
 * carry); the message says what was expected and what was found. Every reason but {@link
 * Reason#REGISTRY_UNAVAILABLE} is the record's fault: decoding it again gives the same error.
 */
public final class AvroDecodeException extends SerializationException {
  private static final long serialVersionUID = 1L;

  /** Why decoding failed. */
  public enum Reason {
    /** No bytes at all (null or zero length). */
    EMPTY,
    /** The first byte is not the wire format's magic byte 0x00. */
    WRONG_MAGIC_BYTE,
    /** Fewer than the 5 bytes of the header (magic byte and schema id). */
    TOO_SHORT,
    /** The registry holds no schema with the record's schema id. */
    UNKNOWN_SCHEMA_ID,
    /**
     * The writer schema cannot be read as the reader schema, is not a record, or is not Avro at
     * all.
     */
    INCOMPATIBLE_SCHEMA,
    /** The Avro body does not match the writer schema, or ends before the record does. */
    MALFORMED_AVRO,
    /** Bytes are left over after a complete record. */
    TRAILING_BYTES,
    /**
     * The writer schema could not be fetched because the registry failed (unreachable, 5xx, auth):
     * not the record's fault, so worth retrying rather than dead-lettering.
     */
    REGISTRY_UNAVAILABLE;

    /** Whether the same bytes may decode later: true only for {@link #REGISTRY_UNAVAILABLE}. */
    public boolean isRetriable() {
      return this == REGISTRY_UNAVAILABLE;
    }
  }

  private final Reason reason;

  public AvroDecodeException(Reason reason, String message) {
    this(reason, message, null);
  }

  public AvroDecodeException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  public Reason reason() {
    return reason;
  }

  /** Shorthand for {@code reason().isRetriable()}. */
  public boolean isRetriable() {
    return reason.isRetriable();
  }
}
