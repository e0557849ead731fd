package io.sluice.imaging;

/** An image that cannot be read or decoded because of what it is; the reason says why. */
public final class ImageRejectedException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Why an image was rejected; the name is the dead-letter reason code. */
  public enum Reason {
    /** Zero bytes. */
    EMPTY_IMAGE,
    /** More encoded bytes than the configured maximum. */
    IMAGE_TOO_LARGE,
    /** Neither JPEG nor PNG, or a JPEG/PNG variant the decoder cannot read (e.g. CMYK JPEG). */
    UNSUPPORTED_FORMAT,
    /** The header declares more pixels than the configured maximum (decompression bomb). */
    TOO_MANY_PIXELS,
    /** The data ends before the image does. */
    TRUNCATED_IMAGE,
    /** The data is not a valid image of its format. */
    CORRUPT_IMAGE,
    /** The URI does not parse, or is not a form its scheme accepts. */
    BAD_URI,
    /** No image source reads this URI scheme. */
    UNSUPPORTED_URI_SCHEME,
    /** The URI points outside the allowed directories. */
    URI_NOT_ALLOWED,
    /** Nothing exists at the URI. */
    URI_NOT_FOUND,
    /** The URI exists but cannot be read (a directory, no permission, an I/O error). */
    URI_UNREADABLE
  }

  private final Reason reason;

  public ImageRejectedException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public ImageRejectedException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
