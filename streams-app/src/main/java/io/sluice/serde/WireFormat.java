package io.sluice.serde;

import io.sluice.serde.AvroDecodeException.Reason;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.EncoderFactory;

/**
 * The Confluent wire format: magic byte {@code 0x00}, the writer schema's registry id as a 4-byte
 * big-endian int, then the Avro binary encoding of the datum. Thread-safe: each thread encodes into
 * a buffer of its own.
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
    Buffer out = BUFFERS.get();
    out.reset();
    out.write(MAGIC_BYTE);
    out.write(schemaId >>> 24);
    out.write(schemaId >>> 16);
    out.write(schemaId >>> 8);
    out.write(schemaId);
    // A direct encoder writes straight into the thread's buffer: no second buffer to allocate and
    // configure per record, as a buffered encoder would need.
    BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, out.encoder);
    out.encoder = encoder;
    try {
      writer.write(datum, encoder);
      encoder.flush();
    } catch (IOException e) {
      // The buffer does not fail; the encoder's signature says it might.
      throw new UncheckedIOException(e);
    }
    byte[] record = out.toByteArray();
    out.shrinkIfLarge();
    return record;
  }

  /** Per thread: records are encoded on stream threads, one at a time per thread. */
  private static final ThreadLocal<Buffer> BUFFERS = ThreadLocal.withInitial(Buffer::new);

  /**
   * A growable, unsynchronized byte buffer with the encoder that writes into it, reused for every
   * record a thread encodes; {@link #toByteArray()} copies the record out.
   */
  private static final class Buffer extends OutputStream {
    private static final int INITIAL = 256;
    private static final int KEPT = 64 * 1024;
    private byte[] bytes = new byte[INITIAL];
    private int size;
    private BinaryEncoder encoder;

    void reset() {
      size = 0;
    }

    /** Drops a buffer an unusually large record grew, so that a thread does not keep it. */
    void shrinkIfLarge() {
      if (bytes.length > KEPT) {
        bytes = new byte[INITIAL];
      }
    }

    @Override
    public void write(int b) {
      ensure(1);
      bytes[size++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      Objects.checkFromIndexSize(off, len, b.length);
      ensure(len);
      System.arraycopy(b, off, bytes, size, len);
      size += len;
    }

    private void ensure(int more) {
      if (size + more > bytes.length) {
        bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
      }
    }

    byte[] toByteArray() {
      return Arrays.copyOf(bytes, size);
    }
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
