package io.sluice.imaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.imaging.ImageRejectedException.Reason;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageSourcesTest {
  @TempDir Path tmp;
  private Path allowed;
  private Path outside;
  private ImageSources sources;

  @BeforeEach
  void files() throws Exception {
    allowed = Files.createDirectories(tmp.resolve("allowed"));
    outside = Files.createDirectories(tmp.resolve("outside"));
    Files.write(allowed.resolve("a.jpg"), new byte[] {1, 2, 3});
    Files.write(outside.resolve("secret.jpg"), new byte[] {4, 5, 6});
    sources = new ImageSources(List.of(new FileImageSource(List.of(allowed))));
  }

  private static void assertRejected(ThrowingRead read, Reason reason, String message) {
    assertThatThrownBy(read::read)
        .isInstanceOfSatisfying(
            ImageRejectedException.class, e -> assertThat(e.reason()).isEqualTo(reason))
        .hasMessageContaining(message);
  }

  @FunctionalInterface
  interface ThrowingRead {
    void read() throws Exception;
  }

  @Test
  void readsAFileUnderAnAllowedDirectory() throws Exception {
    assertThat(sources.read(allowed.resolve("a.jpg").toUri().toString(), 100))
        .containsExactly(1, 2, 3);
  }

  @Test
  void refusesAFileOutsideTheAllowedDirectories() {
    assertRejected(
        () -> sources.read(outside.resolve("secret.jpg").toUri().toString(), 100),
        Reason.URI_NOT_ALLOWED,
        "is outside the allowed image directories");
  }

  @Test
  void refusesADotDotEscape() {
    String uri = "file://" + allowed + "/../outside/secret.jpg";
    assertRejected(() -> sources.read(uri, 100), Reason.URI_NOT_ALLOWED, "outside");
  }

  @Test
  void refusesASymbolicLinkThatLeadsOutside() throws Exception {
    Path link =
        Files.createSymbolicLink(allowed.resolve("link.jpg"), outside.resolve("secret.jpg"));
    assertRejected(
        () -> sources.read(link.toUri().toString(), 100), Reason.URI_NOT_ALLOWED, "outside");
  }

  @Test
  void acceptsAnAllowedDirectoryNamedThroughALink() throws Exception {
    Path link = Files.createSymbolicLink(tmp.resolve("images"), allowed);
    ImageSources viaLink = new ImageSources(List.of(new FileImageSource(List.of(link))));
    assertThat(viaLink.read(link.resolve("a.jpg").toUri().toString(), 100))
        .containsExactly(1, 2, 3);
  }

  @Test
  void refusesEveryFileWhenNoDirectoryIsAllowed() {
    ImageSources none = new ImageSources(List.of(new FileImageSource(List.of())));
    assertRejected(
        () -> none.read(allowed.resolve("a.jpg").toUri().toString(), 100),
        Reason.URI_NOT_ALLOWED,
        "[]");
  }

  @Test
  void reportsAMissingFileUnderAnAllowedDirectory() {
    assertRejected(
        () -> sources.read(allowed.resolve("missing.jpg").toUri().toString(), 100),
        Reason.URI_NOT_FOUND,
        "no file at");
  }

  @Test
  void reportsADirectoryAsUnreadable() {
    Path dir = allowed.resolve("sub");
    assertRejected(
        () -> {
          Files.createDirectories(dir);
          sources.read(dir.toUri().toString(), 100);
        },
        Reason.URI_UNREADABLE,
        "not a regular file");
  }

  @Test
  void rejectsAFileOverTheByteLimitWithoutReadingItWhole() {
    assertRejected(
        () -> sources.read(allowed.resolve("a.jpg").toUri().toString(), 2),
        Reason.IMAGE_TOO_LARGE,
        "more than 2 bytes");
  }

  @Test
  void rejectsAnUnknownScheme() {
    assertRejected(
        () -> sources.read("http://example.invalid/cat.jpg", 100),
        Reason.UNSUPPORTED_URI_SCHEME,
        "no image source for scheme 'http'");
    assertRejected(() -> sources.read("cat.jpg", 100), Reason.UNSUPPORTED_URI_SCHEME, "scheme ''");
  }

  @Test
  void rejectsMalformedAndRelativeFileUris() {
    assertRejected(() -> sources.read("file:/a b^.jpg", 100), Reason.BAD_URI, "is not a URI");
    assertRejected(
        () -> sources.read("file:cat.jpg", 100), Reason.BAD_URI, "is not an absolute file URI");
  }

  @Test
  void refusesToStartWithAnAllowedDirectoryThatDoesNotExist() {
    assertThatThrownBy(() -> new FileImageSource(List.of(tmp.resolve("nope"))))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("nope does not exist");
  }
}
