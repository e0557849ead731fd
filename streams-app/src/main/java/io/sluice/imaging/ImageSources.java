package io.sluice.imaging;

import io.sluice.imaging.ImageRejectedException.Reason;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The image sources of a pipeline, by URI scheme: reads an image named by a URI string with the
 * source for its scheme. Another scheme is plugged in by adding an {@link ImageSource} for it.
 * Immutable and thread-safe.
 */
public final class ImageSources {
  private final Map<String, ImageSource> byScheme;

  /**
   * @throws IllegalArgumentException if two sources claim the same scheme
   */
  public ImageSources(List<ImageSource> sources) {
    Map<String, ImageSource> map = new LinkedHashMap<>();
    for (ImageSource s : sources) {
      String scheme = s.scheme().toLowerCase(Locale.ROOT);
      if (map.put(scheme, s) != null) {
        throw new IllegalArgumentException("two image sources for scheme '" + scheme + "'");
      }
    }
    this.byScheme = Map.copyOf(map);
  }

  /**
   * Reads the image a URI names.
   *
   * @throws ImageRejectedException if the URI does not parse, has no source for its scheme, or its
   *     source rejects it
   */
  public byte[] read(String uri, int maxBytes) throws ImageRejectedException {
    URI parsed;
    try {
      parsed = new URI(uri);
    } catch (URISyntaxException e) {
      throw new ImageRejectedException(
          Reason.BAD_URI, "'" + uri + "' is not a URI: " + e.getMessage(), e);
    }
    String scheme = parsed.getScheme() == null ? "" : parsed.getScheme().toLowerCase(Locale.ROOT);
    ImageSource source = byScheme.get(scheme);
    if (source == null) {
      throw new ImageRejectedException(
          Reason.UNSUPPORTED_URI_SCHEME,
          "no image source for scheme '"
              + scheme
              + "' of '"
              + uri
              + "', expected one of "
              + byScheme.keySet());
    }
    return source.read(parsed, maxBytes);
  }
}
