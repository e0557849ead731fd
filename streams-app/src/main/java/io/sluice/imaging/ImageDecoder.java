package io.sluice.imaging;

import io.sluice.imaging.ImageRejectedException.Reason;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import javax.imageio.IIOException;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Decodes JPEG and PNG images with ImageIO, within limits: a bounded number of encoded bytes, and a
 * bounded number of pixels read from the header <em>before</em> any pixel is decoded, so a small
 * file that declares enormous dimensions (a decompression bomb) costs nothing. Anything that is not
 * a whole, valid JPEG or PNG is an {@link ImageRejectedException} with its reason: the decoder's
 * warnings (a truncated JPEG decodes to a grey-padded image with only a warning) count as errors.
 *
 * <p>ImageIO was chosen by measurement over OpenCV (libjpeg-turbo) and TwelveMonkeys: see the
 * vision section of {@code load-tests/README.md}. Its disk cache is switched off; images are
 * decoded from memory.
 *
 * <p>Immutable and thread-safe: each call uses its own ImageIO reader.
 */
public final class ImageDecoder {
  private static final byte[] JPEG_MAGIC = {(byte) 0xff, (byte) 0xd8, (byte) 0xff};
  private static final byte[] PNG_MAGIC = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

  static {
    // A file-backed cache per stream is slower and touches the disk for nothing.
    ImageIO.setUseCache(false);
  }

  /** The encoded formats this decoder reads. */
  public enum Format {
    JPEG,
    PNG
  }

  /**
   * Limits on one image.
   *
   * @param maxBytes the most encoded bytes accepted
   * @param maxPixels the most pixels (width x height, as the header declares) decoded
   */
  public record Limits(int maxBytes, long maxPixels) {
    public Limits {
      if (maxBytes < 1 || maxPixels < 1) {
        throw new IllegalArgumentException(
            "maxBytes and maxPixels must be positive, found " + maxBytes + " and " + maxPixels);
      }
    }
  }

  /** A decoded image and what it was decoded from. */
  public record Decoded(BufferedImage image, Format format) {}

  private final Limits limits;

  public ImageDecoder(Limits limits) {
    this.limits = limits;
  }

  public Limits limits() {
    return limits;
  }

  /**
   * Decodes one image.
   *
   * @throws ImageRejectedException if it is empty, too large in bytes or pixels, not JPEG or PNG,
   *     truncated or corrupt
   */
  public Decoded decode(byte[] data) throws ImageRejectedException {
    if (data.length == 0) {
      throw new ImageRejectedException(Reason.EMPTY_IMAGE, "the image has 0 bytes");
    }
    if (data.length > limits.maxBytes()) {
      throw new ImageRejectedException(
          Reason.IMAGE_TOO_LARGE,
          "the image has " + data.length + " bytes, the limit is " + limits.maxBytes());
    }
    Format format = sniff(data);
    ImageReader reader = reader(format);
    List<String> warnings = new ArrayList<>();
    reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
    try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(data))) {
      reader.setInput(in, true, true);
      int width = reader.getWidth(0);
      int height = reader.getHeight(0);
      long pixels = (long) width * height;
      if (pixels > limits.maxPixels()) {
        throw new ImageRejectedException(
            Reason.TOO_MANY_PIXELS,
            String.format(
                Locale.ROOT,
                "the %s header declares %dx%d = %d pixels, the limit is %d; not decoded",
                format,
                width,
                height,
                pixels,
                limits.maxPixels()));
      }
      BufferedImage image = reader.read(0, reader.getDefaultReadParam());
      if (!warnings.isEmpty()) {
        throw new ImageRejectedException(
            truncation(String.join("; ", warnings)) ? Reason.TRUNCATED_IMAGE : Reason.CORRUPT_IMAGE,
            "the " + format + " decoder reported: " + String.join("; ", warnings));
      }
      return new Decoded(image, format);
    } catch (IOException e) {
      throw rejected(format, e);
    } catch (RuntimeException e) {
      // Decoders throw what they like on corrupt data (array index, illegal argument, ...).
      throw new ImageRejectedException(
          Reason.CORRUPT_IMAGE, "the " + format + " decoder failed: " + e, e);
    } finally {
      reader.dispose();
    }
  }

  private static Format sniff(byte[] data) throws ImageRejectedException {
    if (startsWith(data, JPEG_MAGIC)) {
      return Format.JPEG;
    }
    if (startsWith(data, PNG_MAGIC)) {
      return Format.PNG;
    }
    byte[] head = java.util.Arrays.copyOf(data, Math.min(8, data.length));
    throw new ImageRejectedException(
        Reason.UNSUPPORTED_FORMAT,
        "expected a JPEG (ff d8 ff) or PNG (89 50 4e 47 0d 0a 1a 0a) image, found bytes "
            + HexFormat.ofDelimiter(" ").formatHex(head));
  }

  private static boolean startsWith(byte[] data, byte[] prefix) {
    if (data.length < prefix.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if (data[i] != prefix[i]) {
        return false;
      }
    }
    return true;
  }

  private static ImageReader reader(Format format) {
    Iterator<ImageReader> readers =
        ImageIO.getImageReadersByFormatName(format.name().toLowerCase(Locale.ROOT));
    if (!readers.hasNext()) {
      throw new IllegalStateException("this JDK has no ImageIO reader for " + format);
    }
    return readers.next();
  }

  private static ImageRejectedException rejected(Format format, IOException e) {
    String message = "the " + format + " decoder failed: " + describe(e);
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof EOFException || truncation(String.valueOf(t.getMessage()))) {
        return new ImageRejectedException(Reason.TRUNCATED_IMAGE, message, e);
      }
    }
    if (e instanceof IIOException
        && String.valueOf(e.getMessage()).startsWith("Unsupported Image Type")) {
      return new ImageRejectedException(Reason.UNSUPPORTED_FORMAT, message, e);
    }
    return new ImageRejectedException(Reason.CORRUPT_IMAGE, message, e);
  }

  private static boolean truncation(String message) {
    String m = message.toLowerCase(Locale.ROOT);
    return m.contains("premature end") || m.contains("unexpected end");
  }

  private static String describe(Throwable e) {
    StringBuilder sb = new StringBuilder(String.valueOf(e.getMessage()));
    for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
      sb.append(" (").append(t).append(')');
    }
    return sb.toString();
  }
}
