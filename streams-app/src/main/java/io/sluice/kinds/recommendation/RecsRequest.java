package io.sluice.kinds.recommendation;

import io.sluice.schemas.TriggerStatus;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * One event on its way to the model, with a snapshot of its user's state taken right after the
 * event was applied: the recent items the recommendation is made from and the rated items it must
 * skip (in rising order, so that it encodes in about a byte an item). It travels into the batch as
 * the header {@value #HEADER} of the original record, so the recommendation depends only on the
 * user's events up to this one, whatever the batching.
 *
 * @param recent catalogue indices, most recent first; empty if the user has no usable history
 * @param rated catalogue indices the user has rated, in rising order without repeats
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

  /** The record header that carries a request into its batch. */
  public static final String HEADER = "sluice.recs.request";

  private static final byte FORMAT_VERSION_1 = 1;
  private static final byte FORMAT_VERSION = 2;

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
        state.ratedSet());
  }

  /**
   * A copy of {@code headers} that carries this request, in place of any earlier one. The header
   * holds the request itself, for the batch it waits for in this process ({@link #from}); it is
   * encoded only if its bytes are asked for (a dead letter's headers, a buffer written to a store).
   */
  public Headers into(Headers headers) {
    Headers out = new RecordHeaders(headers.toArray());
    out.remove(HEADER);
    out.add(new Carried(this));
    return out;
  }

  /**
   * The request a header carries: the object itself if this process put it there, else decoded from
   * the header's bytes.
   *
   * @throws UncheckedIOException or IllegalStateException if the bytes are not a request
   */
  public static RecsRequest from(Header header) {
    return header instanceof Carried c ? c.request : fromBytes(header.value());
  }

  /** The header {@link #into} adds: the request, and its bytes once asked for. */
  private static final class Carried implements Header {
    private final RecsRequest request;
    private byte[] bytes;

    Carried(RecsRequest request) {
      this.request = request;
    }

    @Override
    public String key() {
      return HEADER;
    }

    @Override
    public synchronized byte[] value() {
      if (bytes == null) {
        bytes = request.toBytes();
      }
      return bytes;
    }

    @Override
    public String toString() {
      return "Carried[" + request.eventId() + "]";
    }
  }

  /**
   * Binary form for the record header, compact ({@link CompactInts}): the recent items as varints
   * and the rated set as the varint gaps of its sorted form, about one byte a rated item. A request
   * of format version 1 (buffered before an upgrade) is still read.
   */
  public byte[] toBytes() {
    return new CompactInts.Writer(48 + eventId.length() + 2 * recent.length + rated.length)
        .writeByte(FORMAT_VERSION)
        .writeZigZag(userId)
        .writeString(eventId)
        .writeZigZag(itemId)
        .writeFloat(rating)
        .writeZigZag(eventTime)
        .writeByte(status.ordinal())
        .writeInts(recent)
        .writeSortedSet(rated)
        .toBytes();
  }

  /** Reads what {@link #toBytes()} wrote, in this or the previous format version. */
  public static RecsRequest fromBytes(byte[] data) {
    if (data.length > 0 && data[0] == FORMAT_VERSION_1) {
      return fromVersion1(data);
    }
    CompactInts.Reader in =
        CompactInts.Reader.afterVersion(data, FORMAT_VERSION, "recommendation request");
    RecsRequest r =
        new RecsRequest(
            in.readZigZag(),
            in.readString(),
            in.readZigZag(),
            in.readFloat(),
            in.readZigZag(),
            status(in.readByte()),
            in.readInts(),
            in.readSortedSet());
    in.end();
    return r;
  }

  private static TriggerStatus status(int ordinal) {
    TriggerStatus[] all = TriggerStatus.values();
    if (ordinal >= all.length) {
      throw new IllegalStateException(
          "recommendation request has trigger status " + ordinal + " of " + all.length);
    }
    return all[ordinal];
  }

  private static RecsRequest fromVersion1(byte[] data) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
      in.readByte();
      return new RecsRequest(
          in.readLong(),
          in.readUTF(),
          in.readLong(),
          in.readFloat(),
          in.readLong(),
          status(in.readByte()),
          readInts(in),
          CompactInts.sortedSet(readInts(in)));
    } catch (IOException e) {
      throw new UncheckedIOException("corrupt recommendation request", e);
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
