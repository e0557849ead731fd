package io.sluice.app;

import io.sluice.config.SluiceConfig;
import io.sluice.serde.LocalSchemaRegistry;
import io.sluice.serde.RegistrySettings;
import io.sluice.serde.RestSchemaRegistryClient;
import io.sluice.serde.SchemaFileCache;
import io.sluice.serde.SchemaRegistryClient;
import java.nio.file.Path;
import java.util.Optional;

/** Creates the schema registry client the configuration asks for. */
public final class RegistryClients {
  private RegistryClients() {}

  /**
   * A REST client of the configured registry that keeps the schemas it fetched by id under {@code
   * stateDir} ({@link SchemaFileCache}: they survive a restart during a registry outage), or the
   * registry-less client if none is set.
   */
  public static SchemaRegistryClient create(SluiceConfig.Registry r, Path stateDir) {
    SchemaRegistryClient client = create(r);
    if (!r.enabled()) {
      return client;
    }
    return new SchemaFileCache(client, schemaCacheDir(stateDir, r.url()));
  }

  /** One directory per registry, for ids are a registry's own. */
  static Path schemaCacheDir(Path stateDir, String url) {
    return stateDir.resolve("schema-cache").resolve(url.replaceAll("[^A-Za-z0-9.-]+", "_"));
  }

  /** A REST client of the configured registry, or the registry-less client if none is set. */
  public static SchemaRegistryClient create(SluiceConfig.Registry r) {
    if (!r.enabled()) {
      return LocalSchemaRegistry.fromClasspath();
    }
    RegistrySettings settings =
        RegistrySettings.of(r.url().split(","))
            .withRetries(r.requestTimeout(), r.maxRetries(), r.retryBackoff(), r.retryBackoffMax());
    if (!r.basicAuthUser().isBlank()) {
      settings = settings.withBasicAuth(r.basicAuthUser(), r.basicAuthPassword().value());
    }
    if (!r.truststoreLocation().isBlank()) {
      Optional<RegistrySettings.StoreFile> keystore =
          r.keystoreLocation().isBlank()
              ? Optional.empty()
              : Optional.of(
                  new RegistrySettings.StoreFile(
                      Path.of(r.keystoreLocation()),
                      r.keystorePassword().value(),
                      r.keystoreType()));
      settings =
          settings.withTls(
              new RegistrySettings.StoreFile(
                  Path.of(r.truststoreLocation()),
                  r.truststorePassword().value(),
                  r.truststoreType()),
              keystore);
    }
    return new RestSchemaRegistryClient(settings);
  }
}
