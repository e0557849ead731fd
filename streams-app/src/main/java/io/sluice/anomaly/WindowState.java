package io.sluice.anomaly;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

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

  /** The state-store form. */
  public byte[] toBytes() {
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
