package io.sluice.kinds.recommendation;

import io.sluice.schemas.TriggerStatus;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * One event on its way to the model, with a snapshot of its user's state taken right after the
 * event was applied: the recent items the recommendation is made from and the rated items it must
 * skip. It travels through the batch buffer as the header {@value #HEADER} of the original record,
 * so the recommendation depends only on the user's events up to this one, whatever the batching,
 * and a buffered record restored after a crash is scored exactly as it would have been.
 *
 * @param recent catalogue indices, most recent first; empty if the user has no usable history
 * @param rated catalogue indices the user has rated
 */
public record RecsRequest(
    long userId,
    String eventId,
    long itemId,
    float rating,
    long eventTime,
    TriggerStatus status,
    int[] recent,
    int[] rated) {

  /** The record header that carries a request through the batch buffer. */
  public static final String HEADER = "sluice.recs.request";

  private static final byte FORMAT_VERSION = 1;

  /** The request of a rating event, with the user's state the model sees. */
  public static RecsRequest of(Rating e, TriggerStatus status, UserState state) {
    return new RecsRequest(
        e.userId(),
        e.eventId(),
        e.itemId(),
        e.rating(),
        e.eventTime(),
        status,
        state.recentItems(),
        state.rated());
  }

  /** A copy of {@code headers} that carries this request, in place of any earlier one. */
  public Headers into(Headers headers) {
    Headers out = new RecordHeaders(headers.toArray());
    out.remove(HEADER);
    out.add(HEADER, toBytes());
    return out;
  }

  public byte[] toBytes() {
    ByteArrayOutputStream bytes =
        new ByteArrayOutputStream(64 + 4 * (recent.length + rated.length));
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(FORMAT_VERSION);
      out.writeLong(userId);
      out.writeUTF(eventId);
      out.writeLong(itemId);
      out.writeFloat(rating);
      out.writeLong(eventTime);
      out.writeByte(status.ordinal());
      writeInts(out, recent);
      writeInts(out, rated);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** Reads what {@link #toBytes()} wrote. */
  public static RecsRequest fromBytes(byte[] data) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
      byte version = in.readByte();
      if (version != FORMAT_VERSION) {
        throw new IllegalStateException(
            "recommendation request has format version "
                + version
                + ", expected "
                + FORMAT_VERSION);
      }
      return new RecsRequest(
          in.readLong(),
          in.readUTF(),
          in.readLong(),
          in.readFloat(),
          in.readLong(),
          TriggerStatus.values()[in.readByte()],
          readInts(in),
          readInts(in));
    } catch (IOException e) {
      throw new UncheckedIOException("corrupt recommendation request", e);
    }
  }

  private static void writeInts(DataOutputStream out, int[] values) throws IOException {
    out.writeInt(values.length);
    for (int v : values) {
      out.writeInt(v);
    }
  }

  private static int[] readInts(DataInputStream in) throws IOException {
    int[] values = new int[in.readInt()];
    for (int i = 0; i < values.length; i++) {
      values[i] = in.readInt();
    }
    return values;
  }
}
