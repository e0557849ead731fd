package io.sluice.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.kafka.common.config.ConfigDef;

/**
 * Renders {@link ConfigKeys#DEFINITION}, and the keys each pipeline kind defines, as the README's
 * configuration table.
 */
public final class ConfigDocs {
  public static final String BEGIN = "<!-- config-table:begin (generated from ConfigKeys) -->";
  public static final String END = "<!-- config-table:end -->";

  private ConfigDocs() {}

  /** The Markdown table of the engine's keys, between its begin and end markers. */
  public static String markdownTable() {
    return markdownTable(List.of());
  }

  /**
   * The Markdown table of the engine's keys and then of the given kinds' keys, between its begin
   * and end markers.
   */
  public static String markdownTable(List<ConfigDef> kinds) {
    StringBuilder sb = new StringBuilder();
    sb.append(BEGIN).append('\n');
    sb.append("| key | type | default | description |\n");
    sb.append("|---|---|---|---|\n");
    List<ConfigDef.ConfigKey> keys = new ArrayList<>(ConfigKeys.DEFINITION.configKeys().values());
    kinds.forEach(kind -> keys.addAll(kind.configKeys().values()));
    for (ConfigDef.ConfigKey key : keys) {
      sb.append("| `")
          .append(key.name)
          .append("` | ")
          .append(key.type.name().toLowerCase(Locale.ROOT))
          .append(" | ")
          .append(defaultText(key))
          .append(" | ")
          .append(key.documentation.replace("|", "\\|"))
          .append(" |\n");
    }
    sb.append(END).append('\n');
    return sb.toString();
  }

  private static String defaultText(ConfigDef.ConfigKey key) {
    if (!key.hasDefault()) {
      return "**required**";
    }
    Object value = key.defaultValue;
    if (value == null || value.toString().isEmpty()) {
      return "(empty)";
    }
    return "`" + value + "`";
  }
}
