package io.sluice.imaging;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.DeflaterOutputStream;
import javax.imageio.ImageIO;

/** One of each kind of bad image, built from the sample images, with the reason it must get. */
public final class BadImages {
  private BadImages() {}

  /** A bad image and the dead-letter reason it must get. */
  public record Bad(String description, String expectedReason, byte[] data) {}

  public static List<Bad> all() {
    byte[] cat = sample("cat.jpg");
    byte[] fish = sample("fish.png");
    return List.of(
        new Bad("zero-length image", "EMPTY_IMAGE", new byte[0]),
        new Bad("truncated JPEG", "TRUNCATED_IMAGE", Arrays.copyOf(cat, cat.length / 2)),
        new Bad("truncated PNG", "TRUNCATED_IMAGE", Arrays.copyOf(fish, fish.length / 2)),
        new Bad("corrupt JPEG (garbage after the headers)", "CORRUPT_IMAGE", corrupt(cat, 700)),
        new Bad("corrupt PNG (garbage after the header)", "CORRUPT_IMAGE", corrupt(fish, 33)),
        new Bad("GIF", "UNSUPPORTED_FORMAT", gif()),
        new Bad("text", "UNSUPPORTED_FORMAT", "not an image".getBytes(java.nio.charset.StandardCharsets.UTF_8)),
        new Bad("PNG bomb: 100,000 x 100,000 declared", "TOO_MANY_PIXELS", pngHeaderOnly(100_000, 100_000)),
        new Bad("PNG bomb: 10,000 x 10,000 of zeros", "TOO_MANY_PIXELS", zeroPng(10_000, 10_000)),
        new Bad("JPEG bomb: 65,000 x 65,000 declared", "TOO_MANY_PIXELS", jpegWithSize(cat, 65_000, 65_000)));
  }

  static byte[] sample(String file) {
    try {
      return Files.readAllBytes(VisionFixtures.image(file));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The first {@code keep} bytes, then seeded random bytes to the original length. */
  static byte[] corrupt(byte[] image, int keep) {
    byte[] out = image.clone();
    byte[] noise = new byte[out.length - keep];
    new Random(11).nextBytes(noise);
    System.arraycopy(noise, 0, out, keep, noise.length);
    return out;
  }

  static byte[] gif() {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ImageIO.write(new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB), "gif", out);
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A PNG signature and an IHDR chunk that declares the size, then IEND: no pixel data. */
  static byte[] pngHeaderOnly(int width, int height) {
    return png(width, height, null);
  }

  /** A real greyscale PNG of zeros: a few hundred kilobytes that decode to width x height bytes. */
  static byte[] zeroPng(int width, int height) {
    ByteArrayOutputStream idat = new ByteArrayOutputStream();
    try (DeflaterOutputStream z = new DeflaterOutputStream(idat)) {
      byte[] row = new byte[width + 1]; // filter byte 0, then zeros
      for (int y = 0; y < height; y++) {
        z.write(row);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return png(width, height, idat.toByteArray());
  }

  private static byte[] png(int width, int height, byte[] idat) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
      ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
      DataOutputStream h = new DataOutputStream(ihdr);
      h.writeInt(width);
      h.writeInt(height);
      h.write(new byte[] {8, 0, 0, 0, 0}); // 8-bit greyscale, deflate, no filter, no interlace
      chunk(out, "IHDR", ihdr.toByteArray());
      if (idat != null) {
        chunk(out, "IDAT", idat);
      }
      chunk(out, "IEND", new byte[0]);
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void chunk(ByteArrayOutputStream out, String type, byte[] data)
      throws IOException {
    DataOutputStream d = new DataOutputStream(out);
    byte[] t = type.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    d.writeInt(data.length);
    d.write(t);
    d.write(data);
    CRC32 crc = new CRC32();
    crc.update(t);
    crc.update(data);
    d.writeInt((int) crc.getValue());
  }

  /** The JPEG with the dimensions of its start-of-frame marker replaced. */
  static byte[] jpegWithSize(byte[] jpeg, int width, int height) {
    byte[] out = jpeg.clone();
    for (int i = 2; i + 9 < out.length; ) {
      int marker = out[i + 1] & 0xff;
      int length = ((out[i + 2] & 0xff) << 8) | (out[i + 3] & 0xff);
      if (marker >= 0xc0 && marker <= 0xc2) {
        out[i + 5] = (byte) (height >>> 8);
        out[i + 6] = (byte) height;
        out[i + 7] = (byte) (width >>> 8);
        out[i + 8] = (byte) width;
        return out;
      }
      i += 2 + length;
    }
    throw new IllegalArgumentException("no start-of-frame marker");
  }
}
