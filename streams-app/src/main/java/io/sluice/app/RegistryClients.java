package io.sluice.app;

import io.sluice.config.SluiceConfig;
import io.sluice.serde.LocalSchemaRegistry;
import io.sluice.serde.RegistrySettings;
import io.sluice.serde.RestSchemaRegistryClient;
import io.sluice.serde.SchemaRegistryClient;
import java.nio.file.Path;
import java.util.Optional;

/** Creates the schema registry client the configuration asks for. */
public final class RegistryClients {
  private RegistryClients() {}

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
