package io.sluice.kinds.recommendation;

import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The compact binary encoding of the recommendation kind's state and requests: unsigned LEB128
 * varints (7 bits a byte, low bits first), so a catalogue index below 16,384 takes at most two
 * bytes, and sorted sets of indices as the varint gaps between neighbours, about one byte an item
 * for a heavy user. Not thread-safe; one writer or reader per encoding.
 */
final class CompactInts {
  private CompactInts() {}

  /** Writes varints and sorted sets into a growing byte array. */
  static final class Writer {
    private byte[] buf;
    private int size;

    Writer(int expectedBytes) {
      buf = new byte[Math.max(16, expectedBytes)];
    }

    Writer writeByte(int b) {
      if (size == buf.length) {
        buf = Arrays.copyOf(buf, buf.length * 2);
      }
      buf[size++] = (byte) b;
      return this;
    }

    /** An unsigned varint of 1 to 10 bytes; a negative value is taken as its 64 bits. */
    Writer writeVarLong(long v) {
      while ((v & ~0x7FL) != 0) {
        writeByte((int) ((v & 0x7F) | 0x80));
        v >>>= 7;
      }
      return writeByte((int) v);
    }

    /** A signed value, zig-zag encoded so that small negative values stay short. */
    Writer writeZigZag(long v) {
      return writeVarLong((v << 1) ^ (v >> 63));
    }

    Writer writeFloat(float v) {
      int bits = Float.floatToRawIntBits(v);
      for (int i = 0; i < 4; i++) {
        writeByte(bits >>> (8 * i));
      }
      return this;
    }

    Writer writeString(String s) {
      byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
      writeVarLong(bytes.length);
      for (byte b : bytes) {
        writeByte(b);
      }
      return this;
    }

    /** A count, then each value (non-negative) as a varint, in the given order. */
    Writer writeInts(int[] values) {
      writeVarLong(values.length);
      for (int v : values) {
        writeVarLong(checkIndex(v));
      }
      return this;
    }

    /** A count, then the first value and the gaps between neighbours of a strictly rising set. */
    Writer writeSortedSet(int[] sorted) {
      writeVarLong(sorted.length);
      int previous = -1;
      for (int v : sorted) {
        if (v <= previous) {
          throw new IllegalArgumentException(
              "expected a strictly rising set of non-negative values, found "
                  + v
                  + " after "
                  + previous);
        }
        writeVarLong(v - previous - 1L);
        previous = v;
      }
      return this;
    }

    byte[] toBytes() {
      return Arrays.copyOf(buf, size);
    }

    private static int checkIndex(int v) {
      if (v < 0) {
        throw new IllegalArgumentException("expected a non-negative index, found " + v);
      }
      return v;
    }
  }

  /** Reads what a {@link Writer} wrote; a truncated or corrupt input fails with a clear message. */
  static final class Reader {
    private final byte[] data;
    private int at;

    Reader(byte[] data, int from) {
      this.data = data;
      this.at = from;
    }

    /**
     * A reader past the format version byte of {@code what}, which must be {@code expected}.
     *
     * @throws IllegalStateException naming both versions otherwise
     */
    static Reader afterVersion(byte[] data, int expected, String what) {
      Reader in = new Reader(data, 0);
      int version = in.readByte();
      if (version != expected) {
        throw new IllegalStateException(
            what + " has format version " + version + ", expected " + expected);
      }
      return in;
    }

    int readByte() {
      need(1);
      return data[at++] & 0xFF;
    }

    long readVarLong() {
      long v = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        int b = readByte();
        v |= (long) (b & 0x7F) << shift;
        if ((b & 0x80) == 0) {
          return v;
        }
      }
      throw corrupt("a varint longer than 10 bytes");
    }

    long readZigZag() {
      long v = readVarLong();
      return (v >>> 1) ^ -(v & 1);
    }

    float readFloat() {
      int bits = 0;
      for (int i = 0; i < 4; i++) {
        bits |= readByte() << (8 * i);
      }
      return Float.intBitsToFloat(bits);
    }

    String readString() {
      int n = readCount(1);
      String s = new String(data, at, n, StandardCharsets.UTF_8);
      at += n;
      return s;
    }

    int[] readInts() {
      int[] values = new int[readCount(1)];
      for (int i = 0; i < values.length; i++) {
        values[i] = readIndex(readVarLong());
      }
      return values;
    }

    int[] readSortedSet() {
      int[] values = new int[readCount(1)];
      long previous = -1;
      for (int i = 0; i < values.length; i++) {
        previous = previous + 1 + readVarLong();
        values[i] = readIndex(previous);
      }
      return values;
    }

    /** Fails unless every byte was read. */
    void end() {
      if (at != data.length) {
        throw corrupt((data.length - at) + " bytes left over");
      }
    }

    /** A count of items of at least {@code minBytes} each, checked against the bytes left. */
    private int readCount(int minBytes) {
      long n = readVarLong();
      if (n < 0 || n > (long) (data.length - at) / minBytes) {
        throw corrupt("a count of " + n + " with " + (data.length - at) + " bytes left");
      }
      return (int) n;
    }

    private int readIndex(long v) {
      if (v < 0 || v > Integer.MAX_VALUE) {
        throw corrupt("an index of " + v);
      }
      return (int) v;
    }

    private void need(int n) {
      if (at + n > data.length) {
        throw corrupt("it ends after " + data.length + " bytes");
      }
    }

    private UncheckedIOException corrupt(String what) {
      return new UncheckedIOException(new java.io.IOException("corrupt compact encoding: " + what));
    }
  }

  /**
   * A sorted copy of {@code values} without repeats: through a bitmap when the values are
   * non-negative and not too sparse (catalogue indices: linear time), else by sorting.
   */
  static int[] sortedSet(int[] values) {
    int max = -1;
    int min = 0;
    for (int v : values) {
      max = Math.max(max, v);
      min = Math.min(min, v);
    }
    if (min >= 0 && max >= 0 && max / 64 <= 4L * values.length + 64) {
      long[] bits = new long[max / 64 + 1];
      for (int v : values) {
        bits[v >>> 6] |= 1L << v;
      }
      int[] out = new int[values.length];
      int n = 0;
      for (int w = 0; w < bits.length; w++) {
        for (long word = bits[w]; word != 0; word &= word - 1) {
          out[n++] = (w << 6) + Long.numberOfTrailingZeros(word);
        }
      }
      return n == out.length ? out : Arrays.copyOf(out, n);
    }
    int[] s = values.clone();
    Arrays.sort(s);
    int n = 0;
    for (int i = 0; i < s.length; i++) {
      if (n == 0 || s[i] != s[n - 1]) {
        s[n++] = s[i];
      }
    }
    return n == s.length ? s : Arrays.copyOf(s, n);
  }
}
