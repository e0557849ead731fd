package io.sluice.serde;

import io.sluice.serde.AvroDecodeException.Reason;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Locale;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.EncoderFactory;

/**
 * The Confluent wire format: magic byte {@code 0x00}, the writer schema's registry id as a 4-byte
 * big-endian int, then the Avro binary encoding of the datum. Stateless.
 */
public final class WireFormat {
  /** The first byte of every record. */
  public static final byte MAGIC_BYTE = 0;

  /** Bytes before the Avro body: magic byte and schema id. */
  public static final int HEADER_SIZE = 5;

  private static final String FORMAT =
      "Confluent wire format: magic byte 0x00, 4-byte schema id, Avro binary";

  private WireFormat() {}

  /**
   * Encodes {@code datum} with {@code writer} behind the header for {@code schemaId}.
   *
   * @throws RuntimeException whatever the writer throws for a datum that does not fit its schema
   *     (typically {@link NullPointerException}, {@link ClassCastException} or {@link
   *     org.apache.avro.AvroRuntimeException})
   */
  public static <T> byte[] encode(int schemaId, T datum, DatumWriter<T> writer) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    out.write(MAGIC_BYTE);
    out.write(schemaId >>> 24);
    out.write(schemaId >>> 16);
    out.write(schemaId >>> 8);
    out.write(schemaId);
    BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
    try {
      writer.write(datum, encoder);
      encoder.flush();
    } catch (IOException e) {
      // A ByteArrayOutputStream does not fail; the encoder's signature says it might.
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /**
   * Checks the header of {@code bytes} and returns the schema id in it.
   *
   * @throws AvroDecodeException with reason {@link Reason#EMPTY}, {@link Reason#WRONG_MAGIC_BYTE}
   *     or {@link Reason#TOO_SHORT}
   */
  public static int schemaId(byte[] bytes) {
    if (bytes == null || bytes.length == 0) {
      throw new AvroDecodeException(
          Reason.EMPTY,
          (bytes == null ? "no bytes (null)" : "no bytes (length 0)") + ", expected the " + FORMAT);
    }
    if (bytes[0] != MAGIC_BYTE) {
      throw new AvroDecodeException(
          Reason.WRONG_MAGIC_BYTE,
          "wrong magic byte " + describeByte(bytes[0]) + ", expected 0x00 (Confluent wire format)");
    }
    if (bytes.length < HEADER_SIZE) {
      throw new AvroDecodeException(
          Reason.TOO_SHORT,
          bytes.length
              + " byte(s) is too short for the wire format header, expected at least "
              + HEADER_SIZE
              + " (magic byte 0x00 and 4-byte schema id)");
    }
    return ((bytes[1] & 0xff) << 24)
        | ((bytes[2] & 0xff) << 16)
        | ((bytes[3] & 0xff) << 8)
        | (bytes[4] & 0xff);
  }

  /** E.g. "0x7b ('{')": printable ASCII says a lot (JSON starts with '{', text with a letter). */
  private static String describeByte(byte value) {
    String hex = String.format(Locale.ROOT, "0x%02x", value & 0xff);
    return value >= 0x20 && value < 0x7f ? hex + " ('" + (char) value + "')" : hex;
  }
}
