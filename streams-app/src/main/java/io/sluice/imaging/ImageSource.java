package io.sluice.imaging;

import java.net.URI;

/**
 * Reads the encoded bytes of an image named by a URI of one scheme. Implementations must be
 * thread-safe, enforce their own access rules, and reject what they cannot read with an {@link
 * ImageRejectedException} rather than an unchecked exception.
 */
public interface ImageSource {

  /** The URI scheme this source reads, in lower case, e.g. {@code file}. */
  String scheme();

  /**
   * Reads the image at {@code uri}.
   *
   * @param maxBytes the most bytes to accept; a larger image is rejected without reading it whole
   * @throws ImageRejectedException if the URI is malformed, not allowed, missing, unreadable or
   *     larger than {@code maxBytes}
   */
  byte[] read(URI uri, int maxBytes) throws ImageRejectedException;
}
