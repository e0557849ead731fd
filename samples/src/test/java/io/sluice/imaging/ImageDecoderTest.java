package io.sluice.imaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.imaging.ImageRejectedException.Reason;
import io.sluice.samples.ImageEvents;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ImageDecoderTest {
  private static final ImageDecoder DECODER =
      new ImageDecoder(new ImageDecoder.Limits(10 << 20, 4096L * 4096L));

  static List<ImageEvents.BadImage> badImages() throws IOException {
    return ImageEvents.badImages(VisionFixtures.dataDir());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badImages")
  void rejectsEveryKindOfBadImageWithItsReason(ImageEvents.BadImage bad) {
    assertThatThrownBy(() -> DECODER.decode(bad.data()))
        .isInstanceOfSatisfying(
            ImageRejectedException.class,
            e -> assertThat(e.reason().name()).as(e.getMessage()).isEqualTo(bad.expectedReason()))
        .hasMessageNotContaining("null");
  }

  @Test
  void rejectsADecompressionBombFromItsHeaderWithoutDecodingIt() throws IOException {
    byte[] bomb =
        badImages().stream()
            .filter(b -> b.description().contains("10,000 x 10,000"))
            .findFirst()
            .orElseThrow()
            .data();
    assertThat(bomb.length).as("a small file").isLessThan(1 << 20);
    long started = System.nanoTime();
    assertThatThrownBy(() -> DECODER.decode(bomb))
        .isInstanceOf(ImageRejectedException.class)
        .hasMessageContaining("10000x10000 = 100000000 pixels, the limit is 16777216; not decoded");
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(200));
  }

  @Test
  void rejectsAnImageOverTheByteLimitBeforeLookingAtIt() throws IOException {
    ImageDecoder small = new ImageDecoder(new ImageDecoder.Limits(1000, 1L << 24));
    byte[] cat = sample("cat.jpg");
    assertThatThrownBy(() -> small.decode(cat))
        .isInstanceOfSatisfying(
            ImageRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.IMAGE_TOO_LARGE))
        .hasMessage("the image has 140391 bytes, the limit is 1000");
  }

  @Test
  void namesTheBytesItFoundForAnUnsupportedFormat() {
    assertThatThrownBy(() -> DECODER.decode(new byte[] {'G', 'I', 'F', '8', '9', 'a'}))
        .hasMessage(
            "expected a JPEG (ff d8 ff) or PNG (89 50 4e 47 0d 0a 1a 0a) image, found bytes 47 49"
                + " 46 38 39 61");
  }

  @Test
  void decodesJpegAndPngSamplesAtTheirSize() throws Exception {
    ImageDecoder.Decoded jpeg = DECODER.decode(sample("grace_hopper.jpg"));
    assertThat(jpeg.format()).isEqualTo(ImageDecoder.Format.JPEG);
    assertThat(jpeg.image().getWidth()).isEqualTo(517);
    assertThat(jpeg.image().getHeight()).isEqualTo(606);
    ImageDecoder.Decoded png = DECODER.decode(sample("kitten_224.png"));
    assertThat(png.format()).isEqualTo(ImageDecoder.Format.PNG);
    assertThat(png.image().getWidth()).isEqualTo(224);
  }

  @Test
  void acceptsAnImageExactlyAtThePixelLimit() throws Exception {
    byte[] dog = sample("dog.jpg");
    ImageDecoder exact = new ImageDecoder(new ImageDecoder.Limits(1 << 20, 293L * 220L));
    assertThat(exact.decode(dog).image().getWidth()).isEqualTo(293);
    ImageDecoder under = new ImageDecoder(new ImageDecoder.Limits(1 << 20, 293L * 220L - 1));
    assertThatThrownBy(() -> under.decode(dog))
        .isInstanceOfSatisfying(
            ImageRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.TOO_MANY_PIXELS));
  }

  private static byte[] sample(String file) throws IOException {
    return Files.readAllBytes(VisionFixtures.image(file));
  }
}
