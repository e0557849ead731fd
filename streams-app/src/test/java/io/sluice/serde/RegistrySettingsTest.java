package io.sluice.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.serde.RegistrySettings.StoreFile;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegistrySettingsTest {

  @Test
  void appliesDefaultsToPlainUrls() {
    RegistrySettings settings =
        RegistrySettings.of("http://localhost:8080/apis/ccompat/v7", " https://registry:8081/ ");

    assertThat(settings.urls())
        .containsExactly(
            URI.create("http://localhost:8080/apis/ccompat/v7"),
            URI.create("https://registry:8081/"));
    assertThat(settings.maxRetries()).isEqualTo(RegistrySettings.DEFAULT_MAX_RETRIES);
    assertThat(settings.basicAuth()).isEmpty();
    assertThat(settings.sslContext()).isEmpty();
  }

  @Test
  void rejectsBadValuesNamingTheSetting() {
    assertThatThrownBy(() -> RegistrySettings.of())
        .hasMessage("registry setting 'urls' must name at least one URL");
    assertThatThrownBy(() -> RegistrySettings.of("localhost:8081"))
        .hasMessage(
            "registry setting 'urls' holds 'localhost:8081', expected an http:// or https:// URL");
    assertThatThrownBy(() -> RegistrySettings.of("http://registry:8081/?x=1"))
        .hasMessageContaining("expected a base URL without query or fragment");
    assertThatThrownBy(() -> RegistrySettings.of("http://user:secret@registry:8081"))
        .hasMessageContaining("use 'basicAuth'")
        .hasMessageNotContaining("secret");
    RegistrySettings settings = RegistrySettings.of("http://registry:8081");
    assertThatThrownBy(
            () ->
                settings.withRetries(Duration.ZERO, 3, Duration.ofMillis(1), Duration.ofMillis(1)))
        .hasMessage("registry setting 'requestTimeout' must be positive, was PT0S");
    assertThatThrownBy(
            () ->
                settings.withRetries(
                    Duration.ofSeconds(1), -1, Duration.ofMillis(1), Duration.ofMillis(1)))
        .hasMessage("registry setting 'maxRetries' must be >= 0, was -1");
    assertThatThrownBy(
            () ->
                settings.withRetries(
                    Duration.ofSeconds(1), 3, Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .hasMessage(
            "registry setting 'maxBackoff' (PT1S) must not be shorter than 'initialBackoff' (PT2S)");
    assertThatThrownBy(
            () ->
                new RegistrySettings(
                    settings.urls(),
                    Optional.empty(),
                    Optional.empty(),
                    Optional.empty(),
                    Duration.ofSeconds(1),
                    0,
                    Duration.ofMillis(1),
                    Duration.ofMillis(1),
                    0))
        .hasMessage("registry setting 'cacheCapacity' must be >= 1, was 0");
    assertThatThrownBy(() -> settings.withBasicAuth("a:b", "pw"))
        .hasMessageContaining(
            "registry setting 'basicAuth.user' must be non-blank and contain no ':'");
  }

  @Test
  void keepsPasswordsOutOfToString(@TempDir Path directory) {
    RegistrySettings settings =
        RegistrySettings.of("https://registry:8081")
            .withBasicAuth("sluice", "basic-secret")
            .withTls(
                StoreFile.pkcs12(directory.resolve("trust.p12"), "trust-secret"),
                Optional.of(StoreFile.pkcs12(directory.resolve("key.p12"), "key-secret")));

    assertThat(settings.toString())
        .contains("user=sluice", "trust.p12", "key.p12")
        .doesNotContain("basic-secret", "trust-secret", "key-secret");
  }

  @Test
  void buildsATlsContextFromStoreFiles(@TempDir Path directory)
      throws IOException, GeneralSecurityException {
    Path truststore = directory.resolve("trust.p12");
    KeyStore empty = KeyStore.getInstance("PKCS12");
    empty.load(null, null);
    try (OutputStream out = Files.newOutputStream(truststore)) {
      empty.store(out, "changeit".toCharArray());
    }
    RegistrySettings settings = RegistrySettings.of("https://registry:8081");

    assertThat(
            settings
                .withTls(StoreFile.pkcs12(truststore, "changeit"), Optional.empty())
                .sslContext())
        .isPresent();
    assertThat(
            settings
                .withTls(
                    StoreFile.pkcs12(truststore, "changeit"),
                    Optional.of(StoreFile.pkcs12(truststore, "changeit")))
                .sslContext())
        .isPresent();
    assertThatThrownBy(
            () ->
                settings
                    .withTls(StoreFile.pkcs12(truststore, "wrong"), Optional.empty())
                    .sslContext())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cannot read registry setting 'truststore' " + truststore);
    assertThatThrownBy(
            () ->
                settings
                    .withTls(StoreFile.pkcs12(directory.resolve("none.p12"), ""), Optional.empty())
                    .sslContext())
        .hasMessageContaining("registry setting 'truststore' names")
        .hasMessageContaining("not a readable file");
  }

  @Test
  void copiesTheUrlList() {
    List<URI> urls = new java.util.ArrayList<>(List.of(URI.create("http://a:1")));
    RegistrySettings settings =
        new RegistrySettings(
            urls,
            Optional.empty(),
            Optional.empty(),
            Optional.empty(),
            Duration.ofSeconds(1),
            0,
            Duration.ofMillis(1),
            Duration.ofMillis(1),
            1);
    urls.clear();

    assertThat(settings.urls()).hasSize(1);
  }
}
