package io.sluice.kinds.image;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;

/**
 * The configuration keys of image-classification pipelines: name, type, default and documentation.
 */
public final class ImageKeys {
  private ImageKeys() {}

  public static final String IMAGE_MAX_BYTES = "pipeline.image.max.bytes";
  private static final String IMAGE_MAX_BYTES_DOC =
      "Image pipelines: the most encoded bytes of one image (in the event or behind its URI);"
          + " larger images are dead-lettered (IMAGE_TOO_LARGE).";

  public static final String IMAGE_MAX_PIXELS = "pipeline.image.max.pixels";
  private static final String IMAGE_MAX_PIXELS_DOC =
      "Image pipelines: the most pixels (width x height, read from the header before decoding) of"
          + " one image; larger images are dead-lettered undecoded (TOO_MANY_PIXELS). Bounds the"
          + " memory of a decode: about 4-8 bytes per pixel per preprocessing thread.";

  public static final String IMAGE_URI_ALLOWED_DIRS = "pipeline.image.uri.allowed.dirs";
  private static final String IMAGE_URI_ALLOWED_DIRS_DOC =
      "Image pipelines: comma-separated directories that file: URIs in events may point into"
          + " (symbolic links followed); empty: every URI is refused (URI_NOT_ALLOWED).";

  public static final String TOP_K = "pipeline.top.k";
  private static final String TOP_K_DOC =
      "Image pipelines: how many of the most probable classes each classification lists.";

  public static final String ALERT_MIN_CONFIDENCE = "pipeline.alert.min.confidence";
  private static final String ALERT_MIN_CONFIDENCE_DOC =
      "Image pipelines: raise a low-confidence alert when the top-1 probability is under this"
          + " (an out-of-distribution signal); empty: no such alerts.";

  /** The keys, as {@link ImageClassificationKind#configKeys()} gives them. */
  public static final ConfigDef DEFINITION =
      new ConfigDef()
          .define(
              IMAGE_MAX_BYTES,
              Type.INT,
              10 * 1024 * 1024,
              Range.between(1, 256 * 1024 * 1024),
              Importance.MEDIUM,
              IMAGE_MAX_BYTES_DOC)
          .define(
              IMAGE_MAX_PIXELS,
              Type.LONG,
              4096L * 4096L,
              Range.between(1, 1_000_000_000L),
              Importance.MEDIUM,
              IMAGE_MAX_PIXELS_DOC)
          .define(
              IMAGE_URI_ALLOWED_DIRS,
              Type.STRING,
              "",
              Importance.MEDIUM,
              IMAGE_URI_ALLOWED_DIRS_DOC)
          .define(TOP_K, Type.INT, 5, Range.between(1, 1000), Importance.LOW, TOP_K_DOC)
          .define(
              ALERT_MIN_CONFIDENCE, Type.STRING, "", Importance.MEDIUM, ALERT_MIN_CONFIDENCE_DOC);
}
