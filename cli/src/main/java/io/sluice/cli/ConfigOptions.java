package io.sluice.cli;

import io.sluice.config.ConfigLoader;
import io.sluice.config.SluiceConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * The options that say where a command's pipeline configuration comes from: a properties file and
 * {@code --set} overrides, on top of the environment. Mixed into {@code run} and {@code replay}.
 */
final class ConfigOptions {

  @Option(
      names = {"-c", "--config"},
      description = "Properties file with the pipeline's configuration.")
  Path config;

  @Option(
      names = {"-s", "--set"},
      description = "Override a configuration key: --set key=value (repeatable).")
  Map<String, String> overrides = new LinkedHashMap<>();

  /** The configuration: defaults, then the file, then the environment, then the overrides. */
  SluiceConfig load() {
    return ConfigLoader.load(Optional.ofNullable(config), System.getenv(), overrides);
  }
}
