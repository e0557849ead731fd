package io.sluice.batching;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * A source record as it waits for its batch: the raw key and value bytes, timestamp, headers,
 * source coordinates, and the wall-clock time it arrived. Decoding waits until the batch is scored,
 * so a bad record costs nothing until then and keeps its original bytes. Its binary form is that of
 * the changelogged buffer of earlier versions, read when that buffer is drained.
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

  /** The first format: no sequence, the store key was the sequence. Read, never written. */
  private static final byte FORMAT_V1 = 1;

  /** The format written: the buffer's sequence number first, then the record. */
  private static final byte FORMAT_V2 = 2;

  /** Version byte and sequence. */
  private static final int PREFIX = 1 + Long.BYTES;

  /**
   * The record a processor is processing now, with its source coordinates from {@code context}.
   *
   * @param ingestTimeMs when it was taken
   */
  public static BufferedRecord taken(
      Record<byte[], byte[]> record, ProcessorContext<?, ?> context, long ingestTimeMs) {
    RecordMetadata source =
        context
            .recordMetadata()
            .orElseThrow(() -> new IllegalStateException("record without source metadata"));
    return new BufferedRecord(
        record.key(),
        record.value(),
        record.timestamp(),
        record.headers(),
        source.topic(),
        source.partition(),
        source.offset(),
        ingestTimeMs);
  }

  /** Text form of the source coordinates, {@code topic-partition@offset}. */
  public String coordinates() {
    return topic + "-" + partition + "@" + offset;
  }

  /** Binary form for the state store with sequence number 0; see {@link #toBytes(long)}. */
  public byte[] toBytes() {
    return toBytes(0);
  }

  /**
   * Binary form for the state store, versioned so that a buffer survives an upgrade. One array of
   * the exact size, written in place: the buffer writes one per input record.
   *
   * @param sequence the record's place in its buffer's input order, read back by {@link
   *     #sequenceOf}
   */
  public byte[] toBytes(long sequence) {
    byte[] topicBytes = topic.getBytes(StandardCharsets.UTF_8);
    Header[] hs = headers.toArray();
    byte[][] headerKeys = new byte[hs.length][];
    int size =
        PREFIX
            + 3 * Long.BYTES
            + Integer.BYTES
            + sized(key)
            + sized(value)
            + sized(topicBytes)
            + Integer.BYTES;
    for (int i = 0; i < hs.length; i++) {
      headerKeys[i] = hs[i].key().getBytes(StandardCharsets.UTF_8);
      size += sized(headerKeys[i]) + sized(hs[i].value());
    }
    byte[] data = new byte[size];
    ByteBuffer out = ByteBuffer.wrap(data);
    out.put(FORMAT_V2).putLong(sequence);
    out.putLong(timestamp).putLong(offset).putLong(ingestTimeMs).putInt(partition);
    put(out, key);
    put(out, value);
    put(out, topicBytes);
    out.putInt(hs.length);
    for (int i = 0; i < hs.length; i++) {
      put(out, headerKeys[i]);
      put(out, hs[i].value());
    }
    return data;
  }

  /**
   * The sequence number that {@link #toBytes(long)} wrote, without decoding the record; for the
   * first format, {@code storeKey}, which was the sequence then.
   */
  public static long sequenceOf(byte[] data, long storeKey) {
    if (data.length > 0 && data[0] == FORMAT_V1) {
      return storeKey;
    }
    checkVersion(data);
    return ByteBuffer.wrap(data, 1, Long.BYTES).getLong();
  }

  /** Reads what {@link #toBytes(long)} (or the first format) wrote. */
  public static BufferedRecord fromBytes(byte[] data) {
    if (data.length > 0 && data[0] == FORMAT_V1) {
      return fromV1(data);
    }
    checkVersion(data);
    try {
      ByteBuffer in = ByteBuffer.wrap(data);
      in.position(PREFIX);
      long timestamp = in.getLong();
      long offset = in.getLong();
      long ingest = in.getLong();
      int partition = in.getInt();
      byte[] key = bytes(in);
      byte[] value = bytes(in);
      String topic = string(in);
      int n = in.getInt();
      RecordHeaders headers = new RecordHeaders();
      for (int i = 0; i < n; i++) {
        headers.add(string(in), bytes(in));
      }
      return new BufferedRecord(key, value, timestamp, headers, topic, partition, offset, ingest);
    } catch (BufferUnderflowException | IllegalArgumentException e) {
      throw new IllegalStateException("corrupt batch buffer entry", e);
    }
  }

  private static void checkVersion(byte[] data) {
    if (data.length < PREFIX || data[0] != FORMAT_V2) {
      throw new IllegalStateException(
          "batch buffer entry has format version "
              + (data.length == 0 ? "(empty)" : Byte.toString(data[0]))
              + ", expected "
              + FORMAT_V1
              + " or "
              + FORMAT_V2);
    }
  }

  private static int sized(byte[] b) {
    return Integer.BYTES + (b == null ? 0 : b.length);
  }

  private static void put(ByteBuffer out, byte[] b) {
    if (b == null) {
      out.putInt(-1);
    } else {
      out.putInt(b.length).put(b);
    }
  }

  private static byte[] bytes(ByteBuffer in) {
    int n = in.getInt();
    if (n < 0) {
      return null;
    }
    int from = in.position();
    in.position(from + n);
    return Arrays.copyOfRange(in.array(), from, from + n);
  }

  private static String string(ByteBuffer in) {
    int n = in.getInt();
    int from = in.position();
    in.position(from + n);
    return new String(in.array(), from, n, StandardCharsets.UTF_8);
  }

  /** The first format, as buffers written before the sequence moved into the value hold it. */
  private static BufferedRecord fromV1(byte[] data) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
      in.readByte();
      byte[] key = readV1Bytes(in);
      byte[] value = readV1Bytes(in);
      long timestamp = in.readLong();
      String topic = in.readUTF();
      int partition = in.readInt();
      long offset = in.readLong();
      long ingest = in.readLong();
      int n = in.readInt();
      RecordHeaders headers = new RecordHeaders();
      for (int i = 0; i < n; i++) {
        headers.add(in.readUTF(), readV1Bytes(in));
      }
      return new BufferedRecord(key, value, timestamp, headers, topic, partition, offset, ingest);
    } catch (IOException e) {
      throw new UncheckedIOException("corrupt batch buffer entry", e);
    }
  }

  private static byte[] readV1Bytes(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0) {
      return null;
    }
    byte[] b = new byte[n];
    in.readFully(b);
    return b;
  }
}
