package io.sluice.topology;

import io.sluice.config.ConfigKeys;
import io.sluice.config.SluiceConfig;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;

/** The Kafka Streams properties of an application, from its Sluice configuration. */
public final class StreamsSettings {
  /** Prefixes Kafka Streams accepts in front of client and topic settings. */
  private static final List<String> CLIENT_PREFIXES =
      List.of(
          StreamsConfig.MAIN_CONSUMER_PREFIX,
          StreamsConfig.RESTORE_CONSUMER_PREFIX,
          StreamsConfig.GLOBAL_CONSUMER_PREFIX,
          StreamsConfig.CONSUMER_PREFIX,
          StreamsConfig.PRODUCER_PREFIX,
          StreamsConfig.ADMIN_CLIENT_PREFIX,
          StreamsConfig.TOPIC_PREFIX);

  /**
   * What makes the death of an instance cost seconds rather than a session timeout, for the classic
   * rebalance protocol that Sluice keeps by default (each overridable with {@code kafka.<key>};
   * unprefixed, so that a prefixed override such as {@code kafka.main.consumer.<key>} wins too).
   *
   * <ul>
   *   <li>One standby replica of every task's state (batch buffer, per-user and per-key state): the
   *       instance that takes a task over has its stores caught up and does not restore them from
   *       the changelog. Without a second instance it costs nothing (no standby is placed).
   *   <li>A session timeout of 6 s, the broker's default {@code group.min.session.timeout.ms}, and
   *       a heartbeat every 1.5 s: a killed member leaves the group after 6 s instead of 45 s.
   *   <li>A transaction timeout of 6 s (Kafka Streams' default under exactly-once is 10 s): a
   *       killed instance's open transaction blocks its successor's offset fetch and {@code
   *       read_committed} readers until the broker aborts it, which it does at the earliest this
   *       long after the transaction began (plus up to the broker's {@code
   *       transaction.abort.timed.out.transaction.cleanup.interval.ms}, 10 s by default, 1 s on the
   *       embedded broker). In {@code load-tests/run-chaos} a kill cost up to 8.4 s with 10 s and
   *       the broker's 10 s check, up to 7.7 s with 6 s and a 1 s check. A transaction spans one
   *       commit interval plus the scoring of what waits at the commit, so a pipeline whose batches
   *       take seconds to score needs it larger.
   *   <li>An instance counts as caught up on a task's state when it lags at most 100 changelog
   *       records behind (Kafka's default is 10,000), and warm-up replicas are probed every minute
   *       (Kafka's default is 10 minutes, and 1 minute its minimum). An instance started again
   *       after a kill has lost its state under exactly-once; with 10,000, young or low-volume
   *       state let it take its tasks back in the rebalance it joins, and the fresh JVM restored
   *       them from scratch while their partitions waited (seen in {@code load-tests/run-chaos}'s
   *       logs; about a second there, with 1,300 changelog records a task). Now its tasks stay with
   *       the caught-up standby holders while it warms up, and move back at a rebalance once it has
   *       caught up.
   * </ul>
   *
   * The streams rebalance protocol (KIP-1071, {@code group.protocol=streams}) is not the default:
   * its session timeout and standby count are broker and group settings ({@code
   * group.streams.session.timeout.ms}, minimum {@code group.streams.min.session.timeout.ms}, both
   * 45 s by default; {@code group.streams.num.standby.replicas}, 0 by default), so on a broker with
   * default settings a kill costs 45 s whatever the application sets. Static membership ({@code
   * group.instance.id}) keeps a killed member's partitions until its session times out: it spares a
   * rebalance on a quick restart, it does not shorten the gap after a kill.
   */
  static final Map<String, Object> FAILOVER_DEFAULTS =
      Map.of(
          StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, 1,
          ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 6000,
          ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 1500,
          ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 6000,
          StreamsConfig.ACCEPTABLE_RECOVERY_LAG_CONFIG, 100L,
          StreamsConfig.PROBING_REBALANCE_INTERVAL_MS_CONFIG, 60_000L);

  private StreamsSettings() {}

  /**
   * Properties for {@code KafkaStreams}: Sluice's own keys first, then every {@code kafka.*} key,
   * which may override them.
   *
   * @throws ConfigException naming the key if a {@code kafka.*} key is not a Kafka Streams, client
   *     or topic setting
   */
  public static Properties from(SluiceConfig config) {
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationId());
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, config.processingGuarantee());
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, config.numStreamThreads());
    p.put(StreamsConfig.STATE_DIR_CONFIG, config.stateDir().toString());
    // A Sluice task reads one partition of one topic: there is no other partition to wait for.
    // With waiting off, Kafka Streams also skips the wait check, which formats its log messages
    // whether or not they are logged (6% of the fraud pipeline's stream thread in a profile by
    // load-tests/profile-fraud).
    p.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, StreamsConfig.MAX_TASK_IDLE_MS_DISABLED);
    p.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class);
    p.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class);
    // Sluice dead-letters bad records itself; this only silences Kafka's deprecation warning. The
    // partition assignor builds a StreamsConfig of its own from the main consumer's configuration,
    // which warns too unless the key reaches it through the main consumer's prefix.
    p.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
    p.put(
        StreamsConfig.mainConsumerPrefix(
            StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG),
        true);
    p.putAll(FAILOVER_DEFAULTS);
    for (Map.Entry<String, String> e : config.kafka().entrySet()) {
      if (!isKnown(e.getKey())) {
        // The value is left out: a misspelt password key must not print the password.
        throw new ConfigException(
            "Unknown configuration key '"
                + ConfigKeys.KAFKA_PREFIX
                + e.getKey()
                + "': not a Kafka Streams, consumer, producer, admin or topic setting");
      }
      p.put(e.getKey(), e.getValue());
    }
    return p;
  }

  static boolean isKnown(String key) {
    if (StreamsConfig.configDef().names().contains(key) || isClientSetting(key)) {
      return true;
    }
    for (String prefix : CLIENT_PREFIXES) {
      if (key.startsWith(prefix)) {
        String rest = key.substring(prefix.length());
        if (isClientSetting(rest) || TopicConfigNames.ALL.contains(rest)) {
          return true;
        }
      }
    }
    return false;
  }

  private static boolean isClientSetting(String key) {
    return ConsumerConfig.configNames().contains(key)
        || ProducerConfig.configNames().contains(key)
        || AdminClientConfig.configNames().contains(key);
  }

  /** Topic-level settings accepted after {@code topic.}. */
  private static final class TopicConfigNames {
    static final Set<String> ALL =
        Set.of(
            TopicConfig.CLEANUP_POLICY_CONFIG,
            TopicConfig.RETENTION_MS_CONFIG,
            TopicConfig.RETENTION_BYTES_CONFIG,
            TopicConfig.SEGMENT_BYTES_CONFIG,
            TopicConfig.SEGMENT_MS_CONFIG,
            TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG,
            TopicConfig.MAX_MESSAGE_BYTES_CONFIG,
            TopicConfig.COMPRESSION_TYPE_CONFIG,
            TopicConfig.MIN_COMPACTION_LAG_MS_CONFIG,
            TopicConfig.DELETE_RETENTION_MS_CONFIG);
  }
}
