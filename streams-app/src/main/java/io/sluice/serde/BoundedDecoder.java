package io.sluice.serde;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.Decoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.util.Utf8;

/**
 * A binary {@link Decoder} over one byte array that refuses lengths and item counts the remaining
 * bytes cannot hold, before anything is allocated for them.
 *
 * <p>Avro's own decoder allocates a string, bytes or array of whatever size the data claims (up to
 * 2^31 elements), so a few corrupt bytes can exhaust the heap. Here a string or bytes value must
 * fit in the bytes left; a map needs at least one byte per entry (its key's length); so does an
 * array, unless its items can encode to zero bytes ({@code null}, empty fixed, records of such), in
 * which case {@code checkArrayCounts} is false for that schema. Single-threaded, single-use.
 */
final class BoundedDecoder extends Decoder {
  private final BinaryDecoder in;
  private final boolean checkArrayCounts;

  BoundedDecoder(byte[] bytes, int offset, int length, boolean checkArrayCounts) {
    this.in = DecoderFactory.get().binaryDecoder(bytes, offset, length, null);
    this.checkArrayCounts = checkArrayCounts;
  }

  /** Whether the item-count check is sound for data written with {@code writer}. */
  static boolean canCheckArrayCounts(Schema writer) {
    return !hasZeroWidthArrayItems(writer, new HashSet<>());
  }

  /** Bytes not yet consumed. */
  int remaining() throws IOException {
    return in.inputStream().available();
  }

  @Override
  public void readNull() throws IOException {
    in.readNull();
  }

  @Override
  public boolean readBoolean() throws IOException {
    return in.readBoolean();
  }

  @Override
  public int readInt() throws IOException {
    return in.readInt();
  }

  @Override
  public long readLong() throws IOException {
    return in.readLong();
  }

  @Override
  public float readFloat() throws IOException {
    return in.readFloat();
  }

  @Override
  public double readDouble() throws IOException {
    return in.readDouble();
  }

  @Override
  public Utf8 readString(Utf8 old) throws IOException {
    int length = length("string");
    Utf8 result = old != null ? old : new Utf8();
    result.setByteLength(length);
    in.readFixed(result.getBytes(), 0, length);
    return result;
  }

  @Override
  public String readString() throws IOException {
    return readString(null).toString();
  }

  @Override
  public void skipString() throws IOException {
    in.skipFixed(length("string"));
  }

  @Override
  public ByteBuffer readBytes(ByteBuffer old) throws IOException {
    int length = length("bytes");
    ByteBuffer result;
    if (old != null && length <= old.capacity()) {
      result = old;
      result.clear();
    } else {
      result = ByteBuffer.allocate(length);
    }
    in.readFixed(result.array(), result.position(), length);
    result.limit(length);
    return result;
  }

  @Override
  public void skipBytes() throws IOException {
    in.skipFixed(length("bytes"));
  }

  @Override
  public void readFixed(byte[] bytes, int start, int length) throws IOException {
    in.readFixed(bytes, start, length);
  }

  @Override
  public void skipFixed(int length) throws IOException {
    in.skipFixed(length);
  }

  @Override
  public int readEnum() throws IOException {
    return in.readEnum();
  }

  @Override
  public long readArrayStart() throws IOException {
    return arrayCount(in.readArrayStart());
  }

  @Override
  public long arrayNext() throws IOException {
    return arrayCount(in.arrayNext());
  }

  @Override
  public long skipArray() throws IOException {
    return in.skipArray();
  }

  @Override
  public long readMapStart() throws IOException {
    return count(in.readMapStart(), "map");
  }

  @Override
  public long mapNext() throws IOException {
    return count(in.mapNext(), "map");
  }

  @Override
  public long skipMap() throws IOException {
    return in.skipMap();
  }

  @Override
  public int readIndex() throws IOException {
    return in.readIndex();
  }

  private int length(String what) throws IOException {
    long length = in.readLong();
    if (length < 0) {
      throw new EOFException(what + " length " + length + " is negative");
    }
    int remaining = remaining();
    if (length > remaining) {
      throw new EOFException(
          what + " length " + length + " exceeds the " + remaining + " byte(s) left");
    }
    return (int) length;
  }

  private long arrayCount(long count) throws IOException {
    return checkArrayCounts ? count(count, "array") : count;
  }

  private long count(long count, String what) throws IOException {
    int remaining = remaining();
    if (count > remaining) {
      throw new EOFException(
          what + " block of " + count + " item(s) exceeds the " + remaining + " byte(s) left");
    }
    return count;
  }

  private static boolean hasZeroWidthArrayItems(Schema schema, Set<String> seen) {
    return switch (schema.getType()) {
      case ARRAY ->
          isZeroWidth(schema.getElementType(), new HashSet<>())
              || hasZeroWidthArrayItems(schema.getElementType(), seen);
      case MAP -> hasZeroWidthArrayItems(schema.getValueType(), seen);
      case UNION -> schema.getTypes().stream().anyMatch(type -> hasZeroWidthArrayItems(type, seen));
      case RECORD ->
          seen.add(schema.getFullName())
              && schema.getFields().stream()
                  .anyMatch(field -> hasZeroWidthArrayItems(field.schema(), seen));
      default -> false;
    };
  }

  /** Whether a value of {@code schema} can encode to no bytes at all. */
  private static boolean isZeroWidth(Schema schema, Set<String> seen) {
    return switch (schema.getType()) {
      case NULL -> true;
      case FIXED -> schema.getFixedSize() == 0;
      // A record that contains itself can only do so through a union or collection, which take
      // bytes; "seen" stops the walk there.
      case RECORD ->
          seen.add(schema.getFullName())
              && schema.getFields().stream().allMatch(field -> isZeroWidth(field.schema(), seen));
      default -> false;
    };
  }
}
