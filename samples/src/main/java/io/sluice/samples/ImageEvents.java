package io.sluice.samples;

import io.sluice.schemas.ImageEvent;
import io.sluice.serde.SchemaRegistryClient;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPInputStream;
import javax.imageio.ImageIO;

/**
 * The vision data as {@link ImageEvent}s: the sample photos, the MNIST t10k test set (each digit as
 * a lossless greyscale PNG with its label), and one bad image of each kind with the dead-letter
 * reason it must get. Event times are synthetic, 100 ms apart from 2026-01-01T00:00Z.
 */
public final class ImageEvents {
  private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
  private static final int MNIST_SIDE = 28;

  private ImageEvents() {}

  /** The folder of the sample photos under the data directory. */
  public static Path imagesDir(Path dataDir) {
    return dataDir.resolve("vision").resolve("images");
  }

  /** The sample photos, by file name. */
  public static List<Path> sampleImages(Path dataDir) throws IOException {
    try (Stream<Path> files = Files.list(imagesDir(dataDir))) {
      return files.filter(Files::isRegularFile).sorted().toList();
    }
  }

  /** An event that carries the encoded image. */
  public static ImageEvent withData(String id, int seq, byte[] data, String label) {
    return ImageEvent.newBuilder()
        .setId(id)
        .setEventTime(START.plusMillis(100L * seq))
        .setData(ByteBuffer.wrap(data))
        .setLabel(label)
        .build();
  }

  /** An event that names its image by URI. */
  public static ImageEvent withUri(String id, int seq, String uri, String label) {
    return ImageEvent.newBuilder()
        .setId(id)
        .setEventTime(START.plusMillis(100L * seq))
        .setUri(uri)
        .setLabel(label)
        .setMetadata(Map.of("source", "uri"))
        .build();
  }

  /**
   * The MNIST t10k test set: {@code vision/mnist/t10k-images-idx3-ubyte.gz} and its labels, each
   * digit a greyscale PNG (lossless, so the model sees the original pixels) labelled "0".."9".
   *
   * @param limit how many to read from the start (at most 10,000)
   */
  public static List<ImageEvent> mnist(Path dataDir, int limit) throws IOException {
    Path dir = dataDir.resolve("vision").resolve("mnist");
    byte[] images = gunzip(dir.resolve("t10k-images-idx3-ubyte.gz"));
    byte[] labels = gunzip(dir.resolve("t10k-labels-idx1-ubyte.gz"));
    int count = header(images, 2051, dir);
    if (header(labels, 2049, dir) != count) {
      throw new IOException("MNIST images and labels in " + dir + " differ in count");
    }
    int n = Math.min(limit, count);
    List<ImageEvent> events = new ArrayList<>(n);
    int pixels = MNIST_SIDE * MNIST_SIDE;
    for (int i = 0; i < n; i++) {
      BufferedImage digit = new BufferedImage(MNIST_SIDE, MNIST_SIDE, BufferedImage.TYPE_BYTE_GRAY);
      digit
          .getRaster()
          .setDataElements(
              0,
              0,
              MNIST_SIDE,
              MNIST_SIDE,
              Arrays.copyOfRange(images, 16 + i * pixels, 16 + (i + 1) * pixels));
      events.add(withData("mnist-" + i, i, png(digit), Integer.toString(labels[8 + i])));
    }
    return events;
  }

  private static byte[] gunzip(Path file) throws IOException {
    try (InputStream in = new GZIPInputStream(Files.newInputStream(file))) {
      return in.readAllBytes();
    }
  }

  /** Checks an IDX header's magic number and returns its item count. */
  private static int header(byte[] idx, int magic, Path dir) throws IOException {
    DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(idx));
    int found = in.readInt();
    if (found != magic) {
      throw new IOException(
          "MNIST file in " + dir + " has magic number " + found + ", expected " + magic);
    }
    return in.readInt();
  }

  private static byte[] png(BufferedImage image) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream(512);
      ImageIO.write(image, "png", out);
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A bad image and the dead-letter reason it must get. */
  public record BadImage(String description, String expectedReason, byte[] data) {}

  /** One bad image of each kind, made from the sample photos. */
  public static List<BadImage> badImages(Path dataDir) throws IOException {
    byte[] cat = Files.readAllBytes(imagesDir(dataDir).resolve("cat.jpg"));
    byte[] fish = Files.readAllBytes(imagesDir(dataDir).resolve("fish.png"));
    BufferedImage tiny = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);
    ByteArrayOutputStream gif = new ByteArrayOutputStream();
    ImageIO.write(tiny, "gif", gif);
    return List.of(
        new BadImage("zero-length image", "EMPTY_IMAGE", new byte[0]),
        new BadImage("truncated JPEG", "TRUNCATED_IMAGE", Arrays.copyOf(cat, cat.length / 2)),
        new BadImage("truncated PNG", "TRUNCATED_IMAGE", Arrays.copyOf(fish, fish.length / 2)),
        new BadImage("corrupt JPEG (noise after the headers)", "CORRUPT_IMAGE", noise(cat, 700)),
        new BadImage("corrupt PNG (noise after the signature)", "CORRUPT_IMAGE", noise(fish, 33)),
        new BadImage("GIF image", "UNSUPPORTED_FORMAT", gif.toByteArray()),
        new BadImage(
            "text, not an image",
            "UNSUPPORTED_FORMAT",
            "not an image".getBytes(StandardCharsets.UTF_8)),
        new BadImage(
            "decompression bomb: PNG header declaring 100,000 x 100,000",
            "TOO_MANY_PIXELS",
            png(100_000, 100_000, null)),
        new BadImage(
            "decompression bomb: 10,000 x 10,000 PNG of zeros",
            "TOO_MANY_PIXELS",
            png(10_000, 10_000, zeroRows(10_000, 10_000))),
        new BadImage(
            "decompression bomb: JPEG declaring 65,000 x 65,000",
            "TOO_MANY_PIXELS",
            jpegWithSize(cat, 65_000, 65_000)));
  }

  /**
   * Bad image events: every {@link #badImages} as data, plus the URI cases (missing file, a file
   * outside the allowed directories, an unknown scheme) and events with no image or two.
   *
   * @param allowedDir a directory the pipeline allows {@code file:} URIs in
   */
  public static List<PoisonPill> poisonPills(Path dataDir, Path allowedDir) throws IOException {
    List<PoisonPill> pills = new ArrayList<>();
    int seq = 0;
    for (BadImage bad : badImages(dataDir)) {
      pills.add(
          new PoisonPill(
              bad.description(),
              bad.expectedReason(),
              withData("bad-" + seq, seq++, bad.data(), null)));
    }
    String missing = allowedDir.toAbsolutePath().resolve("no-such-image.jpg").toUri().toString();
    pills.add(
        new PoisonPill(
            "URI of a file that does not exist",
            "URI_NOT_FOUND",
            withUri("bad-" + seq, seq++, missing, null)));
    pills.add(
        new PoisonPill(
            "URI outside the allowed directories",
            "URI_NOT_ALLOWED",
            withUri("bad-" + seq, seq++, "file:///etc/passwd", null)));
    pills.add(
        new PoisonPill(
            "URI with an unsupported scheme",
            "UNSUPPORTED_URI_SCHEME",
            withUri("bad-" + seq, seq++, "http://images.invalid/cat.jpg", null)));
    pills.add(
        new PoisonPill(
            "event with neither data nor uri",
            "NO_IMAGE",
            ImageEvent.newBuilder().setId("bad-" + seq).setEventTime(START).build()));
    seq++;
    pills.add(
        new PoisonPill(
            "event with both data and uri",
            "AMBIGUOUS_IMAGE",
            ImageEvent.newBuilder(withData("bad-" + seq, seq, new byte[] {1}, null))
                .setUri(missing)
                .build()));
    return pills;
  }

  /** A bad event and the dead-letter reason it must get. */
  public record PoisonPill(String description, String expectedReason, ImageEvent event) {}

  /** The first {@code keep} bytes, then seeded noise to the original length. */
  private static byte[] noise(byte[] image, int keep) {
    byte[] out = image.clone();
    byte[] noise = new byte[out.length - keep];
    new Random(11).nextBytes(noise);
    System.arraycopy(noise, 0, out, keep, noise.length);
    return out;
  }

  private static byte[] zeroRows(int width, int height) {
    ByteArrayOutputStream idat = new ByteArrayOutputStream();
    try (DeflaterOutputStream z = new DeflaterOutputStream(idat)) {
      byte[] row = new byte[width + 1]; // filter type 0, then black pixels
      for (int y = 0; y < height; y++) {
        z.write(row);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return idat.toByteArray();
  }

  /** An 8-bit greyscale PNG with this IHDR size and IDAT payload (none when null). */
  private static byte[] png(int width, int height, byte[] idat) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
      ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
      DataOutputStream h = new DataOutputStream(ihdr);
      h.writeInt(width);
      h.writeInt(height);
      h.write(new byte[] {8, 0, 0, 0, 0});
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
    byte[] t = type.getBytes(StandardCharsets.US_ASCII);
    d.writeInt(data.length);
    d.write(t);
    d.write(data);
    CRC32 crc = new CRC32();
    crc.update(t);
    crc.update(data);
    d.writeInt((int) crc.getValue());
  }

  /** The JPEG with the size in its start-of-frame marker replaced. */
  private static byte[] jpegWithSize(byte[] jpeg, int width, int height) {
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
    throw new IllegalArgumentException("no start-of-frame marker in the JPEG");
  }

  /**
   * Produces keyed events (key = event id) in one idempotent producer with acks=all.
   *
   * @return the number of records produced
   */
  public static int produce(
      String bootstrapServers,
      SchemaRegistryClient registry,
      String topic,
      List<ImageEvent> events) {
    return SampleProducer.produceAll(
        bootstrapServers, registry, ImageEvent.class, topic, events, ImageEvent::getId);
  }
}
