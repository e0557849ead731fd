package io.sluice.config;

import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;

/**
 * Decides which configuration values are secrets, so that no log line, error message or printed
 * configuration shows them. Sluice's own keys are secret when their type is {@code PASSWORD}; a
 * Kafka setting given with the {@code kafka.} prefix is secret when Kafka's clients declare it a
 * password (SASL JAAS config, SSL key, key store and trust store passwords, OAuth client secret),
 * with or without a client prefix such as {@code producer.}, or when its name says it is one.
 */
public final class Secrets {
  /** What a secret is shown as. */
  public static final String HIDDEN = "[hidden]";

  private static final Set<String> KAFKA_PASSWORDS = kafkaPasswords();

  private Secrets() {}

  /** Whether a configuration key, Sluice's own or {@code kafka.}-prefixed, holds a secret. */
  public static boolean isSecret(String key) {
    if (key.startsWith(ConfigKeys.KAFKA_PREFIX)) {
      return isKafkaSecret(key.substring(ConfigKeys.KAFKA_PREFIX.length()));
    }
    ConfigDef.ConfigKey defined = ConfigKeys.DEFINITION.configKeys().get(key);
    return defined != null ? defined.type == ConfigDef.Type.PASSWORD : looksSecret(key);
  }

  /**
   * Whether a Kafka Streams or client setting (as given after {@code kafka.}) holds a secret. Any
   * dotted suffix counts, so {@code producer.ssl.key.password} is as secret as {@code
   * ssl.key.password}.
   */
  public static boolean isKafkaSecret(String key) {
    if (looksSecret(key)) {
      return true;
    }
    for (String rest = key; ; rest = rest.substring(rest.indexOf('.') + 1)) {
      if (KAFKA_PASSWORDS.contains(rest)) {
        return true;
      }
      if (rest.indexOf('.') < 0) {
        return false;
      }
    }
  }

  private static boolean looksSecret(String key) {
    String k = key.toLowerCase(Locale.ROOT);
    return k.contains("password") || k.contains("secret") || k.contains("jaas");
  }

  private static Set<String> kafkaPasswords() {
    Set<String> names = new HashSet<>();
    for (ConfigDef def :
        new ConfigDef[] {
          ConsumerConfig.configDef(), ProducerConfig.configDef(), AdminClientConfig.configDef()
        }) {
      def.configKeys()
          .values()
          .forEach(
              k -> {
                if (k.type == ConfigDef.Type.PASSWORD) {
                  names.add(k.name);
                }
              });
    }
    return Set.copyOf(names);
  }
}
