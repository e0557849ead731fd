package io.sluice.anomaly;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;

/**
 * The counts of one open window of a model-level check: when it started, one count per slot (bin
 * counts for drift; scored, dead-lettered and model-failed records for health), and the last record
 * counted, which the alert names as its source. Mutable, owned by the one processor that fills it;
 * {@link #toBytes} is the state-store form.
 */
public final class WindowState {
  private static final byte FORMAT_VERSION = 1;

  private final long start;
  private final long[] counts;
  private String lastEventId = "";
  private String lastTopic = "";
  private int lastPartition = -1;
  private long lastOffset = -1;
  private long lastEventTime;

  public WindowState(long start, int slots) {
    this.start = start;
    this.counts = new long[slots];
  }

  public long start() {
    return start;
  }

  /** The counts, one per slot; not a copy. */
  public long[] counts() {
    return counts;
  }

  public long count(int slot) {
    return counts[slot];
  }

  public long total() {
    long total = 0;
    for (long c : counts) {
      total += c;
    }
    return total;
  }

  /** Counts one record in {@code slot} and remembers it as the window's last record. */
  public void add(
      int slot, String eventId, long eventTime, String topic, int partition, long offset) {
    counts[slot]++;
    lastEventId = eventId;
    lastEventTime = eventTime;
    lastTopic = topic;
    lastPartition = partition;
    lastOffset = offset;
  }

  public String lastEventId() {
    return lastEventId;
  }

  public long lastEventTime() {
    return lastEventTime;
  }

  public String lastTopic() {
    return lastTopic;
  }

  public int lastPartition() {
    return lastPartition;
  }

  public long lastOffset() {
    return lastOffset;
  }

  /**
   * The state-store form: what {@link DataOutputStream} writes (big-endian numbers, strings in
   * modified UTF-8 behind their length), written straight into one array of the exact size. The
   * processors write it once per event, so it must be cheap.
   */
  public byte[] toBytes() {
    if (!isAscii(lastEventId) || !isAscii(lastTopic)) {
      return toBytesSlow();
    }
    int size = 1 + 8 + 4 + 8 * counts.length + 2 + lastEventId.length() + 8;
    size += 2 + lastTopic.length() + 4 + 8;
    ByteBuffer out = ByteBuffer.allocate(size); // big-endian, as DataOutputStream
    out.put(FORMAT_VERSION).putLong(start).putInt(counts.length);
    for (long c : counts) {
      out.putLong(c);
    }
    putAscii(out, lastEventId);
    out.putLong(lastEventTime);
    putAscii(out, lastTopic);
    out.putInt(lastPartition).putLong(lastOffset);
    return out.array();
  }

  /** Whether modified UTF-8 writes {@code s} as one byte per char, in one length-prefixed run. */
  private static boolean isAscii(String s) {
    if (s.length() > 0xffff) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == 0 || c > 0x7f) {
        return false;
      }
    }
    return true;
  }

  private static void putAscii(ByteBuffer out, String s) {
    out.putShort((short) s.length());
    for (int i = 0; i < s.length(); i++) {
      out.put((byte) s.charAt(i));
    }
  }

  /** As {@link #toBytes()}, through {@link DataOutputStream}: any string. */
  byte[] toBytesSlow() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + 8 * counts.length);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(FORMAT_VERSION);
      out.writeLong(start);
      out.writeInt(counts.length);
      for (long c : counts) {
        out.writeLong(c);
      }
      out.writeUTF(lastEventId);
      out.writeLong(lastEventTime);
      out.writeUTF(lastTopic);
      out.writeInt(lastPartition);
      out.writeLong(lastOffset);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** Reads what {@link #toBytes()} wrote. */
  public static WindowState fromBytes(byte[] data) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
      byte version = in.readByte();
      if (version != FORMAT_VERSION) {
        throw new IllegalStateException(
            "window state has format version " + version + ", expected " + FORMAT_VERSION);
      }
      WindowState w = new WindowState(in.readLong(), in.readInt());
      for (int i = 0; i < w.counts.length; i++) {
        w.counts[i] = in.readLong();
      }
      w.lastEventId = in.readUTF();
      w.lastEventTime = in.readLong();
      w.lastTopic = in.readUTF();
      w.lastPartition = in.readInt();
      w.lastOffset = in.readLong();
      return w;
    } catch (IOException e) {
      throw new UncheckedIOException("corrupt window state", e);
    }
  }
}
