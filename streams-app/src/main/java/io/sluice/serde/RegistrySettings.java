package io.sluice.serde;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;

/**
 * How to reach a Schema Registry: its URLs, credentials, TLS material, timeouts, retry policy and
 * cache size.
 *
 * <p>Validated on construction; messages name the setting (by its component name) and the bad
 * value. Passwords never appear in {@link #toString()}. Immutable and thread-safe.
 *
 * @param urls base URLs of the registry, tried in turn when one fails, e.g. {@code
 *     http://localhost:8081} or Apicurio's {@code http://localhost:8080/apis/ccompat/v7}
 * @param basicAuth HTTP basic authentication, if the registry asks for it
 * @param truststore certificates to trust for {@code https} URLs instead of the JVM's defaults
 * @param keystore client certificate and key for mutual TLS
 * @param requestTimeout time allowed to connect and, separately, for one request's response
 * @param maxRetries retries after the first attempt on I/O errors, HTTP 5xx and HTTP 429
 * @param initialBackoff delay before the first retry; doubled for each further retry
 * @param maxBackoff upper bound of the delay between retries
 * @param cacheCapacity entries kept in each of the client's caches (id to schema, subject and
 *     schema to id)
 */
public record RegistrySettings(
    List<URI> urls,
    Optional<BasicAuth> basicAuth,
    Optional<StoreFile> truststore,
    Optional<StoreFile> keystore,
    Duration requestTimeout,
    int maxRetries,
    Duration initialBackoff,
    Duration maxBackoff,
    int cacheCapacity) {

  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);
  public static final int DEFAULT_MAX_RETRIES = 3;
  public static final Duration DEFAULT_INITIAL_BACKOFF = Duration.ofMillis(100);
  public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(5);
  public static final int DEFAULT_CACHE_CAPACITY = 1_000;

  /** Validates every setting and copies the URL list. */
  public RegistrySettings {
    Objects.requireNonNull(urls, "registry setting 'urls' must not be null");
    if (urls.isEmpty()) {
      throw new IllegalArgumentException("registry setting 'urls' must name at least one URL");
    }
    urls.forEach(RegistrySettings::checkUrl);
    urls = List.copyOf(urls);
    Objects.requireNonNull(basicAuth, "registry setting 'basicAuth' must not be null");
    Objects.requireNonNull(truststore, "registry setting 'truststore' must not be null");
    Objects.requireNonNull(keystore, "registry setting 'keystore' must not be null");
    checkPositive("requestTimeout", requestTimeout);
    if (maxRetries < 0) {
      throw new IllegalArgumentException(
          "registry setting 'maxRetries' must be >= 0, was " + maxRetries);
    }
    checkPositive("initialBackoff", initialBackoff);
    checkPositive("maxBackoff", maxBackoff);
    if (maxBackoff.compareTo(initialBackoff) < 0) {
      throw new IllegalArgumentException(
          "registry setting 'maxBackoff' ("
              + maxBackoff
              + ") must not be shorter than 'initialBackoff' ("
              + initialBackoff
              + ")");
    }
    if (cacheCapacity < 1) {
      throw new IllegalArgumentException(
          "registry setting 'cacheCapacity' must be >= 1, was " + cacheCapacity);
    }
  }

  /** Settings for one or more registry URLs, no authentication, default TLS and the defaults. */
  public static RegistrySettings of(String... urls) {
    return new RegistrySettings(
        Arrays.stream(urls).map(RegistrySettings::parseUrl).toList(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        DEFAULT_REQUEST_TIMEOUT,
        DEFAULT_MAX_RETRIES,
        DEFAULT_INITIAL_BACKOFF,
        DEFAULT_MAX_BACKOFF,
        DEFAULT_CACHE_CAPACITY);
  }

  /** A copy with basic authentication. */
  public RegistrySettings withBasicAuth(String user, String password) {
    return new RegistrySettings(
        urls,
        Optional.of(new BasicAuth(user, password)),
        truststore,
        keystore,
        requestTimeout,
        maxRetries,
        initialBackoff,
        maxBackoff,
        cacheCapacity);
  }

  /** A copy with a trust store and, optionally, a key store for mutual TLS. */
  public RegistrySettings withTls(StoreFile truststore, Optional<StoreFile> keystore) {
    return new RegistrySettings(
        urls,
        basicAuth,
        Optional.of(truststore),
        keystore,
        requestTimeout,
        maxRetries,
        initialBackoff,
        maxBackoff,
        cacheCapacity);
  }

  /** A copy with another request timeout and retry policy. */
  public RegistrySettings withRetries(
      Duration requestTimeout, int maxRetries, Duration initialBackoff, Duration maxBackoff) {
    return new RegistrySettings(
        urls,
        basicAuth,
        truststore,
        keystore,
        requestTimeout,
        maxRetries,
        initialBackoff,
        maxBackoff,
        cacheCapacity);
  }

  /**
   * The TLS context built from {@link #truststore()} and {@link #keystore()}, or empty when neither
   * is set (the JVM's defaults then apply to {@code https} URLs).
   *
   * @throws IllegalArgumentException if a store cannot be read, naming the setting and the file
   */
  public Optional<SSLContext> sslContext() {
    if (truststore.isEmpty() && keystore.isEmpty()) {
      return Optional.empty();
    }
    try {
      TrustManager[] trustManagers = null;
      if (truststore.isPresent()) {
        TrustManagerFactory factory =
            TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(truststore.get().load("truststore"));
        trustManagers = factory.getTrustManagers();
      }
      KeyManager[] keyManagers = null;
      if (keystore.isPresent()) {
        KeyManagerFactory factory =
            KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        factory.init(keystore.get().load("keystore"), keystore.get().password().toCharArray());
        keyManagers = factory.getKeyManagers();
      }
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keyManagers, trustManagers, null);
      return Optional.of(context);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(
          "cannot build a TLS context from registry settings 'truststore'/'keystore': "
              + e.getMessage(),
          e);
    }
  }

  @Override
  public String toString() {
    return "RegistrySettings[urls="
        + urls
        + ", basicAuth="
        + basicAuth.map(BasicAuth::toString).orElse("none")
        + ", truststore="
        + truststore.map(StoreFile::toString).orElse("none")
        + ", keystore="
        + keystore.map(StoreFile::toString).orElse("none")
        + ", requestTimeout="
        + requestTimeout
        + ", maxRetries="
        + maxRetries
        + ", initialBackoff="
        + initialBackoff
        + ", maxBackoff="
        + maxBackoff
        + ", cacheCapacity="
        + cacheCapacity
        + "]";
  }

  private static URI parseUrl(String url) {
    Objects.requireNonNull(url, "registry setting 'urls' must not contain null");
    try {
      return new URI(url.strip());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(
          "registry setting 'urls' holds '" + url + "', which is not a URL: " + e.getMessage(), e);
    }
  }

  private static void checkUrl(URI url) {
    Objects.requireNonNull(url, "registry setting 'urls' must not contain null");
    String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new IllegalArgumentException(
          "registry setting 'urls' holds '" + url + "', expected an http:// or https:// URL");
    }
    if (url.getHost() == null) {
      throw new IllegalArgumentException(
          "registry setting 'urls' holds '" + url + "', which names no host");
    }
    if (url.getRawQuery() != null || url.getRawFragment() != null) {
      throw new IllegalArgumentException(
          "registry setting 'urls' holds '"
              + url
              + "', expected a base URL without query or fragment");
    }
    if (url.getRawUserInfo() != null) {
      throw new IllegalArgumentException(
          "registry setting 'urls' holds a URL with user info; use 'basicAuth' for credentials");
    }
  }

  private static void checkPositive(String name, Duration value) {
    Objects.requireNonNull(value, () -> "registry setting '" + name + "' must not be null");
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(
          "registry setting '" + name + "' must be positive, was " + value);
    }
  }

  /**
   * HTTP basic authentication credentials; the password is redacted from {@link #toString()}.
   *
   * @param user user name, not blank and without ':' (basic authentication cannot carry it)
   * @param password password, may be empty
   */
  public record BasicAuth(String user, String password) {
    /** Validates the credentials. */
    public BasicAuth {
      Objects.requireNonNull(user, "registry setting 'basicAuth.user' must not be null");
      Objects.requireNonNull(password, "registry setting 'basicAuth.password' must not be null");
      if (user.isBlank() || user.contains(":")) {
        throw new IllegalArgumentException(
            "registry setting 'basicAuth.user' must be non-blank and contain no ':', was '"
                + user
                + "'");
      }
    }

    @Override
    public String toString() {
      return "BasicAuth[user=" + user + ", password=***]";
    }
  }

  /**
   * A key or trust store file; the password is redacted from {@link #toString()}.
   *
   * @param path the store file
   * @param password its password (also the key password of a key store), may be empty
   * @param type the store type, e.g. {@code PKCS12} or {@code JKS}
   */
  public record StoreFile(Path path, String password, String type) {
    /** Validates the store settings; the file itself is read by {@link #sslContext()}. */
    public StoreFile {
      Objects.requireNonNull(path, "registry store setting 'path' must not be null");
      Objects.requireNonNull(password, "registry store setting 'password' must not be null");
      Objects.requireNonNull(type, "registry store setting 'type' must not be null");
      if (type.isBlank()) {
        throw new IllegalArgumentException(
            "registry store setting 'type' must not be blank, e.g. PKCS12 or JKS");
      }
    }

    /** A PKCS12 store, the JDK's default type. */
    public static StoreFile pkcs12(Path path, String password) {
      return new StoreFile(path, password, "PKCS12");
    }

    private KeyStore load(String setting) throws GeneralSecurityException {
      if (!Files.isRegularFile(path)) {
        throw new IllegalArgumentException(
            "registry setting '" + setting + "' names " + path + ", which is not a readable file");
      }
      KeyStore store = KeyStore.getInstance(type);
      try (InputStream in = Files.newInputStream(path)) {
        store.load(in, password.toCharArray());
      } catch (IOException e) {
        throw new IllegalArgumentException(
            "cannot read registry setting '"
                + setting
                + "' "
                + path
                + " as a "
                + type
                + " store: "
                + e.getMessage(),
            e);
      }
      return store;
    }

    @Override
    public String toString() {
      return "StoreFile[path=" + path + ", type=" + type + ", password=***]";
    }
  }
}
