package io.sluice.anomaly;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the anomaly stage remembers of one key: how many events it has seen and when the last one
 * happened, the streaming statistics of each tracked metric, and the cooldown of each alert kind.
 * Immutable; {@link #toBytes} is the state-store form, versioned so that stored state survives an
 * upgrade.
 *
 * @param events events seen for the key
 * @param lastEventTime event time of the latest one, epoch ms
 * @param stats per metric name, on the metric's judging scale (see {@link KeyBehaviourRule})
 * @param cooldowns per alert kind
 */
public record KeyState(
    long events,
    long lastEventTime,
    Map<String, EwmStats> stats,
    Map<String, Cooldown.State> cooldowns) {

  private static final byte FORMAT_VERSION = 1;

  /** A key never seen. */
  public static final KeyState EMPTY = new KeyState(0, Long.MIN_VALUE, Map.of(), Map.of());

  public KeyState {
    stats = Collections.unmodifiableMap(new TreeMap<>(stats));
    cooldowns = Collections.unmodifiableMap(new TreeMap<>(cooldowns));
  }

  /** This state with the cooldown of {@code kind} replaced (null removes it). */
  public KeyState withCooldown(String kind, Cooldown.State state) {
    Map<String, Cooldown.State> next = new TreeMap<>(cooldowns);
    if (state == null) {
      next.remove(kind);
    } else {
      next.put(kind, state);
    }
    return new KeyState(events, lastEventTime, stats, next);
  }

  /** The state-store form. */
  public byte[] toBytes() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + 40 * stats.size());
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(FORMAT_VERSION);
      out.writeLong(events);
      out.writeLong(lastEventTime);
      out.writeInt(stats.size());
      for (Map.Entry<String, EwmStats> e : stats.entrySet()) {
        out.writeUTF(e.getKey());
        out.writeLong(e.getValue().count());
        out.writeDouble(e.getValue().mean());
        out.writeDouble(e.getValue().variance());
      }
      out.writeInt(cooldowns.size());
      for (Map.Entry<String, Cooldown.State> e : cooldowns.entrySet()) {
        Cooldown.State c = e.getValue();
        out.writeUTF(e.getKey());
        out.writeLong(c.alertedAt());
        out.writeLong(c.until());
        out.writeLong(c.suppressed());
        out.writeLong(c.lastSuppressedAt());
        out.writeUTF(c.alertId());
        out.writeUTF(c.eventId());
        out.writeUTF(c.topic());
        out.writeInt(c.partition());
        out.writeLong(c.offset());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** Reads what {@link #toBytes()} wrote. */
  public static KeyState fromBytes(byte[] data) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
      byte version = in.readByte();
      if (version != FORMAT_VERSION) {
        throw new IllegalStateException(
            "key state has format version " + version + ", expected " + FORMAT_VERSION);
      }
      long events = in.readLong();
      long lastEventTime = in.readLong();
      Map<String, EwmStats> stats = new TreeMap<>();
      int n = in.readInt();
      for (int i = 0; i < n; i++) {
        stats.put(in.readUTF(), new EwmStats(in.readLong(), in.readDouble(), in.readDouble()));
      }
      Map<String, Cooldown.State> cooldowns = new TreeMap<>();
      int m = in.readInt();
      for (int i = 0; i < m; i++) {
        String kind = in.readUTF();
        cooldowns.put(
            kind,
            new Cooldown.State(
                in.readLong(),
                in.readLong(),
                in.readLong(),
                in.readLong(),
                in.readUTF(),
                in.readUTF(),
                in.readUTF(),
                in.readInt(),
                in.readLong()));
      }
      return new KeyState(events, lastEventTime, stats, cooldowns);
    } catch (IOException e) {
      throw new UncheckedIOException("corrupt key state", e);
    }
  }
}
