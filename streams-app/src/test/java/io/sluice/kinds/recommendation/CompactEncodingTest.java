package io.sluice.kinds.recommendation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.schemas.TriggerStatus;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Random;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

/** The compact encodings of the user state and of the request that travels into the buffer. */
class CompactEncodingTest {

  @Test
  void varintsAndSortedSetsSurviveARoundTripAtTheirBounds() {
    long[] longs = {0, 1, 127, 128, 16_383, 16_384, Integer.MAX_VALUE, Long.MAX_VALUE, -1};
    long[] signed = {0, -1, 1, Long.MIN_VALUE, Long.MAX_VALUE, -64, 63};
    int[] set = {0, 1, 2, 200, 16_383, 16_384, Integer.MAX_VALUE};
    int[] ints = {5, 0, Integer.MAX_VALUE, 5};
    CompactInts.Writer w = new CompactInts.Writer(8);
    for (long v : longs) {
      w.writeVarLong(v);
    }
    for (long v : signed) {
      w.writeZigZag(v);
    }
    w.writeSortedSet(set).writeInts(ints).writeSortedSet(new int[0]).writeString("é-1@2");
    w.writeFloat(Float.NaN).writeFloat(-0.5f);

    CompactInts.Reader r = new CompactInts.Reader(w.toBytes(), 0);
    for (long v : longs) {
      assertThat(r.readVarLong()).isEqualTo(v);
    }
    for (long v : signed) {
      assertThat(r.readZigZag()).isEqualTo(v);
    }
    assertThat(r.readSortedSet()).containsExactly(set);
    assertThat(r.readInts()).containsExactly(ints);
    assertThat(r.readSortedSet()).isEmpty();
    assertThat(r.readString()).isEqualTo("é-1@2");
    assertThat(r.readFloat()).isNaN();
    assertThat(r.readFloat()).isEqualTo(-0.5f);
    r.end();
  }

  @Test
  void smallIndicesTakeOneOrTwoBytesAndDenseSetsAboutOneByteAnItem() {
    assertThat(new CompactInts.Writer(4).writeVarLong(127).toBytes()).hasSize(1);
    assertThat(new CompactInts.Writer(4).writeVarLong(16_383).toBytes()).hasSize(2);
    int[] every10th = new int[1000];
    for (int i = 0; i < every10th.length; i++) {
      every10th[i] = 10 * i;
    }
    assertThat(new CompactInts.Writer(4).writeSortedSet(every10th).toBytes().length)
        .isLessThanOrEqualTo(1002);
  }

  @Test
  void theSortedSetOfAnyValuesIsSortedWithoutRepeats() {
    Random random = new Random(3);
    int[][] cases = {
      {}, {5}, {9, 3, 9, 0, 3}, {1_000_000, 2, 63, 64}, {-4, 7, -4, 0}, {Integer.MAX_VALUE, 0}
    };
    for (int[] c : cases) {
      assertThat(CompactInts.sortedSet(c))
          .containsExactly(Arrays.stream(c).sorted().distinct().toArray());
    }
    int[] dense = random.ints(1000, 0, 9742).toArray();
    assertThat(CompactInts.sortedSet(dense))
        .containsExactly(Arrays.stream(dense).sorted().distinct().toArray());
  }

  @Test
  void refusesSetsThatDoNotRiseAndNegativeIndices() {
    CompactInts.Writer w = new CompactInts.Writer(4);
    assertThatThrownBy(() -> w.writeSortedSet(new int[] {3, 3}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("strictly rising");
    assertThatThrownBy(() -> w.writeSortedSet(new int[] {-1}))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> w.writeInts(new int[] {-2}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("non-negative");
  }

  @Test
  void aTruncatedOrCorruptEncodingFailsClearly() {
    byte[] whole = new CompactInts.Writer(4).writeSortedSet(new int[] {1, 300, 70_000}).toBytes();
    for (int n = 0; n < whole.length; n++) {
      CompactInts.Reader r = new CompactInts.Reader(Arrays.copyOf(whole, n), 0);
      assertThatThrownBy(r::readSortedSet)
          .as("first %d bytes", n)
          .isInstanceOf(UncheckedIOException.class)
          .hasMessageContaining("corrupt compact encoding");
    }
    // A count larger than the bytes left is refused before anything is allocated.
    byte[] hugeCount = new CompactInts.Writer(4).writeVarLong(Integer.MAX_VALUE).toBytes();
    assertThatThrownBy(() -> new CompactInts.Reader(hugeCount, 0).readInts())
        .hasMessageContaining("a count of");
    byte[] tooLong = new byte[11];
    Arrays.fill(tooLong, (byte) 0x80);
    assertThatThrownBy(() -> new CompactInts.Reader(tooLong, 0).readVarLong())
        .hasMessageContaining("longer than 10 bytes");
    CompactInts.Reader extra = new CompactInts.Reader(new byte[] {1, 2}, 0);
    extra.readByte();
    assertThatThrownBy(extra::end).hasMessageContaining("1 bytes left over");
  }

  @Test
  void aHeavyUsersStateIsAboutHalfAndItsRequestAQuarterOfTheFixedWidthForm() {
    UserState s = heavyUser(1000);

    UserState back = UserState.fromBytes(s.toBytes());
    RecsRequest request = request(s);
    RecsRequest requestBack = RecsRequest.fromBytes(request.toBytes());

    assertThat(back.recentItems()).containsExactly(s.recentItems());
    assertThat(back.rated()).containsExactly(s.rated());
    assertThat(back.latestEventTime()).isEqualTo(s.latestEventTime());
    assertThat(requestBack.rated()).containsExactly(s.ratedSet());
    assertThat(requestBack.recent()).containsExactly(s.recentItems());
    assertThat(requestBack.eventId()).isEqualTo("ratings-0@123");
    assertThat(requestBack.status()).isEqualTo(TriggerStatus.LATE);
    assertThat(requestBack.rating()).isEqualTo(3.5f);
    // Fixed width: 4 bytes an index, 12 a recent item.
    int fixed = 4 * 1000 + 12 * 10;
    assertThat(s.toBytes().length).isLessThan(fixed * 6 / 10);
    assertThat(request.toBytes().length).isLessThan(fixed * 3 / 10);
  }

  @Test
  void readsTheStateAndRequestOfTheFirstFormatVersion() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(1);
      out.writeLong(20);
      out.writeInt(2);
      out.writeInt(8);
      out.writeLong(20);
      out.writeInt(7);
      out.writeLong(10);
      out.writeInt(2);
      out.writeInt(8);
      out.writeInt(7);
    }
    UserState s = UserState.fromBytes(bytes.toByteArray());
    assertThat(s.recentItems()).containsExactly(8, 7);
    assertThat(s.rated()).containsExactly(8, 7);
    assertThat(s.ratedSet()).containsExactly(7, 8);

    bytes.reset();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(1);
      out.writeLong(42);
      out.writeUTF("e-1");
      out.writeLong(9);
      out.writeFloat(4f);
      out.writeLong(20);
      out.writeByte(TriggerStatus.APPLIED.ordinal());
      out.writeInt(1);
      out.writeInt(8);
      out.writeInt(3);
      out.writeInt(8);
      out.writeInt(7);
      out.writeInt(8);
    }
    RecsRequest r = RecsRequest.fromBytes(bytes.toByteArray());
    assertThat(r.userId()).isEqualTo(42);
    assertThat(r.recent()).containsExactly(8);
    assertThat(r.rated()).containsExactly(7, 8);
  }

  @Test
  void anUnknownFormatVersionIsRefused() {
    assertThatThrownBy(() -> UserState.fromBytes(new byte[] {9}))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("format version 9");
    assertThatThrownBy(() -> RecsRequest.fromBytes(new byte[] {9}))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("format version 9");
  }

  static UserState heavyUser(int ratings) {
    Random random = new Random(1);
    UserState s = UserState.empty();
    long t = 1_500_000_000_000L;
    for (int i = 0; i < ratings; i++) {
      t += random.nextInt(100_000);
      // Distinct items of a catalogue of 9,742, as MovieLens's.
      s = s.apply(i * 9, t, 10, 1000).state();
    }
    return s;
  }

  @Test
  void theHeaderCarriesTheRequestItselfAndItsBytesWhenAskedFor() {
    RecsRequest request = request(heavyUser(300));
    Headers headers = request.into(new RecordHeaders().add("trace", new byte[] {1}));

    Header carried = headers.lastHeader(RecsRequest.HEADER);
    assertThat(RecsRequest.from(carried)).isSameAs(request);
    assertThat(headers.lastHeader("trace").value()).containsExactly(1);
    // Its bytes (a dead letter's headers) are the request's encoding, and read back as it.
    assertThat(carried.value()).containsExactly(request.toBytes());
    RecsRequest fromBytes = RecsRequest.from(new RecordHeader(RecsRequest.HEADER, carried.value()));
    assertThat(fromBytes.rated()).containsExactly(request.rated());
    assertThat(fromBytes.eventId()).isEqualTo(request.eventId());
    // A second request replaces the first.
    assertThat(request.into(headers).headers(RecsRequest.HEADER)).hasSize(1);
  }

  private static RecsRequest request(UserState s) {
    return new RecsRequest(
        123_456,
        "ratings-0@123",
        2571,
        3.5f,
        s.latestEventTime(),
        TriggerStatus.LATE,
        s.recentItems(),
        s.ratedSet());
  }
}
