package io.sluice.imaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.imaging.ImageRejectedException.Reason;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;
import org.junit.jupiter.api.Test;
import java.util.List;

class ImageDecoderTest {
  private static final ImageDecoder DECODER =
      new ImageDecoder(new ImageDecoder.Limits(10 << 20, 4096L * 4096L));

  static final List<BadImages.Bad> BAD = BadImages.all();

  @ParameterizedTest(name = "{0}")
  @FieldSource("BAD")
  void rejectsEveryKindOfBadImageWithItsReason(BadImages.Bad bad) {
    assertThatThrownBy(() -> DECODER.decode(bad.data()))
        .isInstanceOfSatisfying(
            ImageRejectedException.class,
            e -> assertThat(e.reason().name()).as(e.getMessage()).isEqualTo(bad.expectedReason()))
        .hasMessageNotContaining("null");
  }

  @Test
  void rejectsADecompressionBombFromItsHeaderWithoutDecodingIt() {
    byte[] bomb = BadImages.zeroPng(10_000, 10_000);
    assertThat(bomb.length).as("a small file").isLessThan(1 << 20);
    long started = System.nanoTime();
    assertThatThrownBy(() -> DECODER.decode(bomb))
        .isInstanceOf(ImageRejectedException.class)
        .hasMessageContaining("10000x10000 = 100000000 pixels, the limit is 16777216; not decoded");
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(200));
  }

  @Test
  void rejectsAnImageOverTheByteLimitBeforeLookingAtIt() {
    ImageDecoder small = new ImageDecoder(new ImageDecoder.Limits(1000, 1L << 24));
    assertThatThrownBy(() -> small.decode(BadImages.sample("cat.jpg")))
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
    ImageDecoder.Decoded jpeg = DECODER.decode(BadImages.sample("grace_hopper.jpg"));
    assertThat(jpeg.format()).isEqualTo(ImageDecoder.Format.JPEG);
    assertThat(jpeg.image().getWidth()).isEqualTo(517);
    assertThat(jpeg.image().getHeight()).isEqualTo(606);
    ImageDecoder.Decoded png = DECODER.decode(BadImages.sample("kitten_224.png"));
    assertThat(png.format()).isEqualTo(ImageDecoder.Format.PNG);
    assertThat(png.image().getWidth()).isEqualTo(224);
  }

  @Test
  void acceptsAnImageExactlyAtThePixelLimit() throws Exception {
    ImageDecoder exact = new ImageDecoder(new ImageDecoder.Limits(1 << 20, 293L * 220L));
    assertThat(exact.decode(BadImages.sample("dog.jpg")).image().getWidth()).isEqualTo(293);
    ImageDecoder under = new ImageDecoder(new ImageDecoder.Limits(1 << 20, 293L * 220L - 1));
    assertThatThrownBy(() -> under.decode(BadImages.sample("dog.jpg")))
        .isInstanceOfSatisfying(
            ImageRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.TOO_MANY_PIXELS));
  }
}
