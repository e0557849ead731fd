package io.sluice.pipeline;

import io.sluice.config.ConfigKeys;
import io.sluice.config.KeySuggestion;
import io.sluice.config.SluiceConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

/**
 * The pipeline kinds on the class path, found through {@link ServiceLoader}, and the resolution of
 * {@code pipeline.kind} and the kind's own keys. Thread-safe.
 */
public final class PipelineKinds {
  private PipelineKinds() {}

  /** A kind chosen by the configuration, with its keys parsed. */
  public record Resolved(PipelineKind kind, AbstractConfig settings) {}

  /** Every kind on the class path, in class-path order. */
  public static List<PipelineKind> all() {
    List<PipelineKind> kinds = new ArrayList<>();
    ServiceLoader.load(PipelineKind.class, PipelineKinds.class.getClassLoader())
        .forEach(kinds::add);
    return kinds;
  }

  /**
   * The kind {@code pipeline.kind} names, with its keys parsed from the configuration.
   *
   * @throws ConfigException naming the key: an unknown kind (listing the known ones), a key of
   *     another kind, an unknown key, a bad value
   */
  public static Resolved resolve(SluiceConfig config) {
    List<PipelineKind> kinds = all();
    String name = config.pipeline().kind();
    PipelineKind kind =
        kinds.stream()
            .filter(k -> k.name().equals(name))
            .findFirst()
            .orElseThrow(
                () ->
                    new ConfigException(
                        ConfigKeys.PIPELINE_KIND,
                        name,
                        "expected one of " + kinds.stream().map(PipelineKind::name).toList()));
    ConfigDef own = kind.configKeys();
    Map<String, String> values = new LinkedHashMap<>();
    config
        .kindSettings()
        .forEach(
            (key, value) -> {
              if (own.configKeys().containsKey(key)) {
                values.put(key, value);
                return;
              }
              for (PipelineKind other : kinds) {
                if (other.configKeys().configKeys().containsKey(key)) {
                  throw new ConfigException(
                      key,
                      value,
                      "is a key of "
                          + other.name()
                          + " pipelines; this pipeline's "
                          + ConfigKeys.PIPELINE_KIND
                          + " is "
                          + name);
                }
              }
              throw new ConfigException(
                  "Unknown configuration key '"
                      + key
                      + "' (from "
                      + config.sources().getOrDefault(key, "unknown source")
                      + ")"
                      + KeySuggestion.didYouMean(key, knownKeys(own))
                      + ". Sluice keys are listed in README.md; Kafka Streams and client settings"
                      + " take the prefix '"
                      + ConfigKeys.KAFKA_PREFIX
                      + "'.");
            });
    return new Resolved(kind, new AbstractConfig(own, values, false));
  }

  /** The engine's keys and the kind's own: what a misspelt key is compared with. */
  private static Set<String> knownKeys(ConfigDef own) {
    Set<String> keys = new TreeSet<>(ConfigKeys.DEFINITION.names());
    keys.addAll(own.names());
    return keys;
  }
}
