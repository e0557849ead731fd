package io.sluice.batching;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * A source record as the batch buffer holds it: the raw key and value bytes, timestamp, headers,
 * source coordinates, and the wall-clock time it entered the buffer. Decoding waits until the batch
 * is scored, so a bad record costs nothing until then and keeps its original bytes.
 *
 * @param key raw key bytes, may be null
 * @param value raw value bytes, may be null
 * @param ingestTimeMs wall-clock time the record entered the buffer
 */
public record BufferedRecord(
    byte[] key,
    byte[] value,
    long timestamp,
    Headers headers,
    String topic,
    int partition,
    long offset,
    long ingestTimeMs) {

  private static final byte FORMAT_VERSION = 1;

  /** Text form of the source coordinates, {@code topic-partition@offset}. */
  public String coordinates() {
    return topic + "-" + partition + "@" + offset;
  }

  /** Binary form for the state store; versioned so a buffer survives an upgrade. */
  public byte[] toBytes() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + length(key) + length(value));
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(FORMAT_VERSION);
      writeBytes(out, key);
      writeBytes(out, value);
      out.writeLong(timestamp);
      out.writeUTF(topic);
      out.writeInt(partition);
      out.writeLong(offset);
      out.writeLong(ingestTimeMs);
      Header[] hs = headers.toArray();
      out.writeInt(hs.length);
      for (Header h : hs) {
        out.writeUTF(h.key());
        writeBytes(out, h.value());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** Reads what {@link #toBytes()} wrote. */
  public static BufferedRecord fromBytes(byte[] data) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
      byte version = in.readByte();
      if (version != FORMAT_VERSION) {
        throw new IllegalStateException(
            "batch buffer entry has format version " + version + ", expected " + FORMAT_VERSION);
      }
      byte[] key = readBytes(in);
      byte[] value = readBytes(in);
      long timestamp = in.readLong();
      String topic = in.readUTF();
      int partition = in.readInt();
      long offset = in.readLong();
      long ingest = in.readLong();
      int n = in.readInt();
      RecordHeaders headers = new RecordHeaders();
      for (int i = 0; i < n; i++) {
        headers.add(in.readUTF(), readBytes(in));
      }
      return new BufferedRecord(key, value, timestamp, headers, topic, partition, offset, ingest);
    } catch (IOException e) {
      throw new UncheckedIOException("corrupt batch buffer entry", e);
    }
  }

  private static int length(byte[] b) {
    return b == null ? 0 : b.length;
  }

  private static void writeBytes(DataOutputStream out, byte[] b) throws IOException {
    if (b == null) {
      out.writeInt(-1);
    } else {
      out.writeInt(b.length);
      out.write(b);
    }
  }

  private static byte[] readBytes(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0) {
      return null;
    }
    byte[] b = new byte[n];
    in.readFully(b);
    return b;
  }
}
