package io.sluice.inference;

import java.util.Arrays;

/**
 * A named model input or output held in Java arrays: its element type ({@code FLOAT} or {@code
 * INT64}, as ONNX Runtime's Java API names them), its shape, and its values in row-major order. The
 * arrays are not copied: a tensor passed to {@link ModelRunner#run(java.util.Map)} must not be
 * changed while the call runs, and one it returns belongs to the caller.
 */
public final class Tensor {
  /** ONNX Runtime's name of 32-bit floats. */
  public static final String FLOAT = "FLOAT";

  /** ONNX Runtime's name of 64-bit integers. */
  public static final String INT64 = "INT64";

  private final String type;
  private final long[] shape;
  private final float[] floats;
  private final long[] longs;

  private Tensor(String type, long[] shape, float[] floats, long[] longs) {
    long size = 1;
    for (long d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException(
            "tensor dimensions must be >= 0, found " + Arrays.toString(shape));
      }
      size = Math.multiplyExact(size, d);
    }
    int length = floats != null ? floats.length : longs.length;
    if (size != length) {
      throw new IllegalArgumentException(
          "a tensor of shape "
              + Arrays.toString(shape)
              + " holds "
              + size
              + " values, found "
              + length);
    }
    this.type = type;
    this.shape = shape.clone();
    this.floats = floats;
    this.longs = longs;
  }

  /** A FLOAT tensor. */
  public static Tensor ofFloats(float[] values, long... shape) {
    return new Tensor(FLOAT, shape, values, null);
  }

  /** An INT64 tensor. */
  public static Tensor ofLongs(long[] values, long... shape) {
    return new Tensor(INT64, shape, null, values);
  }

  /** {@link #FLOAT} or {@link #INT64}. */
  public String type() {
    return type;
  }

  public long[] shape() {
    return shape.clone();
  }

  /** The values of a FLOAT tensor. */
  public float[] floats() {
    if (floats == null) {
      throw new IllegalStateException("tensor is " + type + ", not " + FLOAT);
    }
    return floats;
  }

  /** The values of an INT64 tensor. */
  public long[] longs() {
    if (longs == null) {
      throw new IllegalStateException("tensor is " + type + ", not " + INT64);
    }
    return longs;
  }

  long dim(int i) {
    return shape[i];
  }

  int rank() {
    return shape.length;
  }

  @Override
  public String toString() {
    return type + Arrays.toString(shape);
  }
}
