package io.sluice.imaging;

import io.sluice.imaging.ImageRejectedException.Reason;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads {@code file:} URIs, and only those that lie, after symbolic links are followed, under one
 * of the allowed directories: an event cannot make the pipeline read {@code /etc/passwd} or escape
 * with {@code ..} or a link. With no allowed directory every {@code file:} URI is refused.
 * Immutable and thread-safe.
 */
public final class FileImageSource implements ImageSource {
  private final List<Path> allowed;
  private final List<Path> allowedAsGiven;

  /**
   * @param allowedDirs directories whose files may be read; each must exist
   * @throws UncheckedIOException naming the directory if one does not exist
   */
  public FileImageSource(List<Path> allowedDirs) {
    List<Path> real = new ArrayList<>();
    List<Path> given = new ArrayList<>();
    for (Path dir : allowedDirs) {
      given.add(dir.toAbsolutePath().normalize());
      try {
        real.add(dir.toRealPath());
      } catch (IOException e) {
        throw new UncheckedIOException(
            "allowed image directory " + dir.toAbsolutePath() + " does not exist", e);
      }
    }
    this.allowed = List.copyOf(real);
    this.allowedAsGiven = List.copyOf(given);
  }

  /** The allowed directories, as real paths. */
  public List<Path> allowedDirs() {
    return allowed;
  }

  @Override
  public String scheme() {
    return "file";
  }

  @Override
  public byte[] read(URI uri, int maxBytes) throws ImageRejectedException {
    Path path;
    try {
      path = Path.of(uri).normalize();
    } catch (IllegalArgumentException | FileSystemNotFoundException e) {
      throw new ImageRejectedException(
          Reason.BAD_URI,
          "'" + uri + "' is not an absolute file URI (file:/dir/image.jpg): " + e.getMessage(),
          e);
    }
    // Checked before touching the file system, so that the answer for a path outside the allowed
    // directories does not tell whether it exists; an allowed directory may be named through a
    // link, so both its given and its real form count here.
    requireAllowed(uri, path, allowedAsGiven);
    Path real;
    try {
      real = path.toRealPath();
    } catch (NoSuchFileException e) {
      throw new ImageRejectedException(Reason.URI_NOT_FOUND, "no file at '" + uri + "'", e);
    } catch (IOException e) {
      throw new ImageRejectedException(
          Reason.URI_UNREADABLE, "cannot resolve '" + uri + "': " + e, e);
    }
    requireAllowed(uri, real, List.of());
    if (!Files.isRegularFile(real)) {
      throw new ImageRejectedException(
          Reason.URI_UNREADABLE, "'" + uri + "' is not a regular file");
    }
    try (InputStream in = Files.newInputStream(real)) {
      byte[] data = in.readNBytes(maxBytes + 1);
      if (data.length > maxBytes) {
        throw new ImageRejectedException(
            Reason.IMAGE_TOO_LARGE,
            "'" + uri + "' has more than " + maxBytes + " bytes, the limit");
      }
      return data;
    } catch (AccessDeniedException e) {
      throw new ImageRejectedException(Reason.URI_UNREADABLE, "no permission to read " + uri, e);
    } catch (IOException e) {
      throw new ImageRejectedException(Reason.URI_UNREADABLE, "cannot read " + uri + ": " + e, e);
    }
  }

  private void requireAllowed(URI uri, Path path, List<Path> alsoAllowed)
      throws ImageRejectedException {
    for (Path dir : allowed) {
      if (path.startsWith(dir)) {
        return;
      }
    }
    for (Path dir : alsoAllowed) {
      if (path.startsWith(dir)) {
        return;
      }
    }
    throw new ImageRejectedException(
        Reason.URI_NOT_ALLOWED,
        "'" + uri + "' is outside the allowed image directories " + allowed);
  }
}
