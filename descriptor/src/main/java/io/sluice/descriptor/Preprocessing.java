package io.sluice.descriptor;

import java.util.List;
import java.util.Locale;

/**
 * How a model wants its images, as its descriptor declares it: resize straight to {@code width} x
 * {@code height} with Java2D bilinear interpolation (no aspect-preserving crop), take the channels
 * in {@code channels} order, and map each 8-bit sample {@code v} of channel {@code c} to {@code (v
 * / pixelDivisor - mean[c]) / std[c]} in float arithmetic, laid out as {@code layout}. Immutable.
 *
 * @param pixelDivisor 255 for [0, 1] inputs, 1 for raw 0..255 samples
 * @param mean one value per channel, in {@code channels} order
 * @param std one value per channel, in {@code channels} order; each positive
 */
public record Preprocessing(
    Resize resize,
    int width,
    int height,
    Channels channels,
    Layout layout,
    double pixelDivisor,
    List<Double> mean,
    List<Double> std) {

  /** How the image is brought to the model's size. */
  public enum Resize {
    /** Java2D {@code VALUE_INTERPOLATION_BILINEAR}, straight to the target size. */
    BILINEAR
  }

  /** The channels the model takes, in order. */
  public enum Channels {
    RGB(3),
    BGR(3),
    /** One luminance channel, as Java2D converts colour to {@code TYPE_BYTE_GRAY}. */
    GRAY(1);

    private final int count;

    Channels(int count) {
      this.count = count;
    }

    public int count() {
      return count;
    }
  }

  /** Memory layout of one image in the input tensor. */
  public enum Layout {
    /** Channel planes one after another: {@code [C, H, W]} per image. */
    NCHW
  }

  /**
   * Validates the values.
   *
   * @throws IllegalArgumentException naming the field, what was expected and what was found
   */
  public Preprocessing {
    if (resize == null || channels == null || layout == null) {
      throw new IllegalArgumentException("resize, channels and layout must be set");
    }
    if (width < 1 || height < 1 || (long) width * height > 100_000_000L) {
      throw new IllegalArgumentException(
          "width and height must be positive (at most 10^8 pixels), found " + width + "x" + height);
    }
    if (!(pixelDivisor > 0) || Double.isInfinite(pixelDivisor)) {
      throw new IllegalArgumentException(
          "pixelDivisor must be a positive number, found " + pixelDivisor);
    }
    mean = List.copyOf(mean);
    std = List.copyOf(std);
    if (mean.size() != channels.count() || std.size() != channels.count()) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "mean and std must have one value per channel of %s (%d), found %d and %d",
              channels,
              channels.count(),
              mean.size(),
              std.size()));
    }
    for (double s : std) {
      if (!(s > 0) || Double.isInfinite(s)) {
        throw new IllegalArgumentException("std values must be positive, found " + std);
      }
    }
    for (double m : mean) {
      if (!Double.isFinite(m)) {
        throw new IllegalArgumentException("mean values must be finite, found " + mean);
      }
    }
  }

  /** The number of floats one image becomes: channels x height x width. */
  public int rowLength() {
    return channels.count() * height * width;
  }

  /** The shape of one image in the input tensor, without the batch dimension. */
  public List<Long> rowShape() {
    return List.of((long) channels.count(), (long) height, (long) width);
  }
}
