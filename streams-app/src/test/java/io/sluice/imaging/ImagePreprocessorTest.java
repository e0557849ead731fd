package io.sluice.imaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.descriptor.Preprocessing;
import java.awt.image.BufferedImage;
import java.util.List;
import org.junit.jupiter.api.Test;

class ImagePreprocessorTest {

  private static Preprocessing spec(
      int w,
      int h,
      Preprocessing.Channels channels,
      double divisor,
      List<Double> mean,
      List<Double> std) {
    return new Preprocessing(
        Preprocessing.Resize.BILINEAR,
        w,
        h,
        channels,
        Preprocessing.Layout.NCHW,
        divisor,
        mean,
        std);
  }

  /** A 2x1 image: a red pixel, then a blue one. */
  private static BufferedImage redBlue() {
    BufferedImage img = new BufferedImage(2, 1, BufferedImage.TYPE_INT_RGB);
    img.setRGB(0, 0, 0xff0000);
    img.setRGB(1, 0, 0x0000ff);
    return img;
  }

  @Test
  void laysOutRgbAsChannelPlanesNormalisedPerChannel() {
    ImagePreprocessor pre =
        new ImagePreprocessor(
            spec(
                2,
                1,
                Preprocessing.Channels.RGB,
                255,
                List.of(0.5, 0.0, 0.25),
                List.of(0.5, 1.0, 0.25)));
    float[] row = pre.preprocess(redBlue());
    // R plane, G plane, B plane; (v / 255 - mean) / std
    assertThat(row).containsExactly(1f, -1f, 0f, 0f, -1f, 3f);
  }

  @Test
  void takesChannelsInBgrOrderWhenTheModelDoes() {
    ImagePreprocessor pre =
        new ImagePreprocessor(
            spec(
                2,
                1,
                Preprocessing.Channels.BGR,
                1,
                List.of(0.0, 0.0, 0.0),
                List.of(1.0, 1.0, 1.0)));
    assertThat(pre.preprocess(redBlue())).containsExactly(0f, 255f, 0f, 0f, 255f, 0f);
  }

  @Test
  void keepsRawGreySamplesForAGreyModel() {
    BufferedImage grey = new BufferedImage(2, 2, BufferedImage.TYPE_BYTE_GRAY);
    grey.getRaster().setDataElements(0, 0, 2, 2, new byte[] {0, 7, (byte) 128, (byte) 255});
    ImagePreprocessor pre =
        new ImagePreprocessor(
            spec(2, 2, Preprocessing.Channels.GRAY, 1, List.of(0.0), List.of(1.0)));
    assertThat(pre.preprocess(grey)).containsExactly(0f, 7f, 128f, 255f);
  }

  @Test
  void resizesStraightToTheModelSizeWithoutCropping() {
    BufferedImage wide = new BufferedImage(40, 10, BufferedImage.TYPE_INT_RGB);
    for (int x = 20; x < 40; x++) {
      for (int y = 0; y < 10; y++) {
        wide.setRGB(x, y, 0xffffff);
      }
    }
    ImagePreprocessor pre =
        new ImagePreprocessor(
            spec(4, 4, Preprocessing.Channels.GRAY, 255, List.of(0.0), List.of(1.0)));
    float[] row = pre.preprocess(wide);
    // both halves survive: left columns black, right columns white, on every row
    for (int y = 0; y < 4; y++) {
      assertThat(row[y * 4]).isEqualTo(0f);
      assertThat(row[y * 4 + 3]).isEqualTo(1f);
    }
  }

  @Test
  void compositesTransparentPixelsOntoBlack() {
    BufferedImage clear = new BufferedImage(1, 1, BufferedImage.TYPE_INT_ARGB);
    clear.setRGB(0, 0, 0x00ffffff);
    ImagePreprocessor pre =
        new ImagePreprocessor(
            spec(
                1,
                1,
                Preprocessing.Channels.RGB,
                1,
                List.of(0.0, 0.0, 0.0),
                List.of(1.0, 1.0, 1.0)));
    assertThat(pre.preprocess(clear)).containsExactly(0f, 0f, 0f);
  }

  @Test
  void writesAtAnOffsetAndRefusesARowThatDoesNotFit() {
    ImagePreprocessor pre =
        new ImagePreprocessor(
            spec(1, 1, Preprocessing.Channels.GRAY, 1, List.of(0.0), List.of(1.0)));
    BufferedImage one = new BufferedImage(1, 1, BufferedImage.TYPE_BYTE_GRAY);
    one.getRaster().setSample(0, 0, 0, 9);
    float[] dst = new float[3];
    pre.preprocess(one, dst, 2);
    assertThat(dst).containsExactly(0f, 0f, 9f);
    assertThatThrownBy(() -> pre.preprocess(one, dst, 3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("destination has 3 floats; a row of 1 does not fit at offset 3");
  }

  @Test
  void refusesMeanAndStdThatDoNotMatchTheChannels() {
    assertThatThrownBy(
            () -> spec(2, 2, Preprocessing.Channels.RGB, 255, List.of(0.5), List.of(1.0, 1.0, 1.0)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("mean and std must have one value per channel of RGB (3), found 1 and 3");
    assertThatThrownBy(
            () -> spec(2, 2, Preprocessing.Channels.GRAY, 255, List.of(0.5), List.of(0.0)))
        .hasMessage("std values must be positive, found [0.0]");
  }
}
