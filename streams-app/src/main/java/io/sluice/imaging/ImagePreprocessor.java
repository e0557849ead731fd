package io.sluice.imaging;

import io.sluice.descriptor.Preprocessing;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.awt.image.DataBufferInt;

/**
 * Turns a decoded image into one model input row as its {@link Preprocessing} declares: a Java2D
 * bilinear resize straight to the model's size, then per-channel normalisation into NCHW floats.
 *
 * <p>The resize is Java2D's {@code drawImage} with {@code VALUE_INTERPOLATION_BILINEAR} onto a new
 * opaque image (transparent pixels composite onto black), the preprocessing that produced the
 * reference table in {@code ../shared/data/PROVENANCE.md}; a hand-written bilinear with half-pixel
 * centres or {@code AffineTransformOp} give visibly different probabilities. Normalisation goes
 * through a 256-entry table per channel computed as {@code ((float) v / divisor - mean) / std}, so
 * every path that uses this class gives bit-identical rows.
 *
 * <p>Immutable and thread-safe: call it from any number of threads at once.
 */
public final class ImagePreprocessor {
  private final Preprocessing spec;
  private final float[][] table;
  private final int plane;

  public ImagePreprocessor(Preprocessing spec) {
    this.spec = spec;
    int channels = spec.channels().count();
    this.table = new float[channels][256];
    for (int c = 0; c < channels; c++) {
      float divisor = (float) spec.pixelDivisor();
      float mean = spec.mean().get(c).floatValue();
      float std = spec.std().get(c).floatValue();
      for (int v = 0; v < 256; v++) {
        table[c][v] = ((float) v / divisor - mean) / std;
      }
    }
    this.plane = spec.width() * spec.height();
  }

  public Preprocessing spec() {
    return spec;
  }

  /** The number of floats one image becomes. */
  public int rowLength() {
    return spec.rowLength();
  }

  /**
   * Writes the model input for {@code image} into {@code dst[offset, offset + rowLength())}.
   *
   * @throws IllegalArgumentException if {@code dst} has no room for a row at {@code offset}
   */
  public void preprocess(BufferedImage image, float[] dst, int offset) {
    if (offset < 0 || dst.length - offset < rowLength()) {
      throw new IllegalArgumentException(
          "destination has "
              + dst.length
              + " floats; a row of "
              + rowLength()
              + " does not fit at offset "
              + offset);
    }
    BufferedImage resized = resize(image);
    if (spec.channels() == Preprocessing.Channels.GRAY) {
      byte[] px = ((DataBufferByte) resized.getRaster().getDataBuffer()).getData();
      float[] t = table[0];
      for (int i = 0; i < plane; i++) {
        dst[offset + i] = t[px[i] & 0xff];
      }
      return;
    }
    int[] px = ((DataBufferInt) resized.getRaster().getDataBuffer()).getData();
    boolean rgb = spec.channels() == Preprocessing.Channels.RGB;
    int first = offset;
    int second = offset + plane;
    int third = offset + 2 * plane;
    float[] t0 = table[0];
    float[] t1 = table[1];
    float[] t2 = table[2];
    for (int i = 0; i < plane; i++) {
      int p = px[i];
      int r = (p >>> 16) & 0xff;
      int g = (p >>> 8) & 0xff;
      int b = p & 0xff;
      dst[first + i] = t0[rgb ? r : b];
      dst[second + i] = t1[g];
      dst[third + i] = t2[rgb ? b : r];
    }
  }

  /** A new row for {@code image}. */
  public float[] preprocess(BufferedImage image) {
    float[] row = new float[rowLength()];
    preprocess(image, row, 0);
    return row;
  }

  private BufferedImage resize(BufferedImage image) {
    int type =
        spec.channels() == Preprocessing.Channels.GRAY
            ? BufferedImage.TYPE_BYTE_GRAY
            : BufferedImage.TYPE_INT_RGB;
    BufferedImage out = new BufferedImage(spec.width(), spec.height(), type);
    Graphics2D g = out.createGraphics();
    try {
      g.setRenderingHint(
          RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
      g.drawImage(image, 0, 0, spec.width(), spec.height(), null);
    } finally {
      g.dispose();
    }
    return out;
  }
}
