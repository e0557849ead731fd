package io.sluice.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resolves configuration from layered sources, each overriding the one before: the defaults in
 * {@link ConfigKeys}, a properties file, environment variables ({@code SLUICE_} + the key in upper
 * case with dots as underscores: {@code SLUICE_PIPELINE_BATCH_MAX_SIZE}), and command-line
 * overrides. Unknown keys and bad values stop the program with a {@link ConfigException} naming the
 * key.
 */
public final class ConfigLoader {
  private static final Logger LOG = LoggerFactory.getLogger(ConfigLoader.class);

  /** Prefix of environment variables that set configuration keys. */
  public static final String ENV_PREFIX = "SLUICE_";

  /** Environment variables with the prefix that are read by something else (logging). */
  private static final Set<String> ENV_NOT_CONFIG = Set.of("SLUICE_LOG_LEVEL", "SLUICE_HOME");

  /** Keys with this prefix that the engine does not define are the pipeline kind's to check. */
  private static final String KIND_PREFIX = "pipeline.";

  private ConfigLoader() {}

  /** Resolves and validates; logs the keys set (all of them at DEBUG) once, secrets hidden. */
  public static SluiceConfig load(
      Optional<Path> file, Map<String, String> env, Map<String, String> overrides) {
    Map<String, String> raw = new LinkedHashMap<>();
    Map<String, String> sources = new LinkedHashMap<>();
    file.ifPresent(f -> putAll(raw, sources, readFile(f), "file " + f));
    putAll(raw, sources, fromEnvironment(env), "environment");
    putAll(raw, sources, overrides, "command line");

    Map<String, String> defined = new LinkedHashMap<>();
    Map<String, String> kafka = new LinkedHashMap<>();
    Map<String, String> kindSettings = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : raw.entrySet()) {
      String key = e.getKey();
      if (ConfigKeys.DEFINITION.configKeys().containsKey(key)) {
        defined.put(key, e.getValue());
      } else if (key.startsWith(ConfigKeys.KAFKA_PREFIX)
          && key.length() > ConfigKeys.KAFKA_PREFIX.length()) {
        kafka.put(key.substring(ConfigKeys.KAFKA_PREFIX.length()), e.getValue());
      } else if (key.startsWith(KIND_PREFIX)) {
        // The pipeline kind's own key, or an unknown one: the kind's definition tells, once the
        // application resolves pipeline.kind.
        kindSettings.put(key, e.getValue());
      } else {
        throw new ConfigException(
            "Unknown configuration key '"
                + key
                + "' (from "
                + sources.get(key)
                + ")"
                + KeySuggestion.didYouMean(key, ConfigKeys.DEFINITION.names())
                + ". Sluice keys are listed in README.md; Kafka Streams and client settings take"
                + " the prefix '"
                + ConfigKeys.KAFKA_PREFIX
                + "'.");
      }
    }
    requireAll(defined);
    Map<String, Object> parsed = ConfigKeys.DEFINITION.parse(defined);
    SluiceConfig config = SluiceConfig.fromParsed(parsed, kafka, sources, kindSettings);
    if (LOG.isDebugEnabled()) {
      LOG.debug("effective configuration:\n{}", config.describe(parsed));
    } else if (LOG.isInfoEnabled()) {
      // Only what was set: the defaults of every kind's keys would bury it (DEBUG shows all).
      Map<String, Object> set = new LinkedHashMap<>(parsed);
      set.keySet().retainAll(sources.keySet());
      LOG.info("configuration (keys set; the rest are defaults):\n{}", config.describe(set));
    }
    return config;
  }

  /** Stops at the first key without a default that no source sets, saying how to set it. */
  private static void requireAll(Map<String, String> defined) {
    for (ConfigDef.ConfigKey key : ConfigKeys.DEFINITION.configKeys().values()) {
      if (!key.hasDefault() && !defined.containsKey(key.name)) {
        throw new ConfigException(
            "Missing required configuration key '"
                + key.name
                + "' ("
                + key.documentation
                + "): set it in the configuration file, as the environment variable "
                + envName(key.name)
                + ", or with --set "
                + key.name
                + "=...");
      }
    }
  }

  /** The environment variable that sets a key: {@code foo.bar} is {@code SLUICE_FOO_BAR}. */
  public static String envName(String key) {
    return ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('.', '_');
  }

  /** Maps {@code SLUICE_FOO_BAR} to {@code foo.bar}; other variables are ignored. */
  static Map<String, String> fromEnvironment(Map<String, String> env) {
    Map<String, String> out = new LinkedHashMap<>();
    env.forEach(
        (name, value) -> {
          if (name.startsWith(ENV_PREFIX) && !ENV_NOT_CONFIG.contains(name)) {
            String key =
                name.substring(ENV_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.');
            out.put(key, value);
          }
        });
    return out;
  }

  private static Map<String, String> readFile(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new ConfigException("Configuration file " + file.toAbsolutePath() + " does not exist");
    }
    Properties props = new Properties();
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      props.load(reader);
    } catch (IOException | IllegalArgumentException e) {
      throw new ConfigException("Cannot read configuration file " + file + ": " + e.getMessage());
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (String name : props.stringPropertyNames()) {
      out.put(name.trim(), props.getProperty(name).trim());
    }
    return out;
  }

  private static void putAll(
      Map<String, String> raw,
      Map<String, String> sources,
      Map<String, String> values,
      String source) {
    values.forEach(
        (k, v) -> {
          raw.put(k, v);
          sources.put(k, source);
        });
  }
}
