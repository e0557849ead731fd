package io.sluice.app;

import io.sluice.config.ConfigKeys;
import io.sluice.config.SluiceConfig;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.streams.TopologyDescription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The topics a pipeline reads and writes, checked at start: a missing one is created when the
 * configuration says so ({@code topics.create}), or stops the start at once with a message naming
 * each missing topic and its key. Without this check Kafka Streams fails on a missing input topic
 * with an exception that names no topic, and on a missing output topic only when the first record
 * is written to it, a minute later.
 */
public final class PipelineTopics {
  private static final Logger LOG = LoggerFactory.getLogger(PipelineTopics.class);

  /** How long the broker has to answer; an unreachable broker is reported after it. */
  static final long TIMEOUT_SECONDS = 30;

  private PipelineTopics() {}

  /** Each topic the pipeline uses, by the key that names it, in the pipeline's order. */
  public static Map<String, String> of(SluiceConfig.Pipeline p) {
    Map<String, String> topics = new LinkedHashMap<>();
    topics.put(ConfigKeys.INPUT_TOPIC, p.inputTopic());
    topics.put(ConfigKeys.OUTPUT_TOPIC, p.outputTopic());
    topics.put(ConfigKeys.ALERTS_TOPIC, p.alertsTopic());
    topics.put(ConfigKeys.DLQ_TOPIC, p.dlqTopic());
    p.shadow().ifPresent(s -> topics.put(ConfigKeys.SHADOW_OUTPUT_TOPIC, s.outputTopic()));
    return topics;
  }

  /**
   * The topics of {@link #of(SluiceConfig.Pipeline)} that the topology uses: an output topic the
   * pipeline's kind never writes to (a recommendation pipeline's alerts) need not exist. The input
   * and dead-letter topics are always kept.
   */
  public static Map<String, String> of(SluiceConfig.Pipeline p, TopologyDescription topology) {
    Set<String> sinks = new HashSet<>();
    boolean dynamic = false;
    for (TopologyDescription.Subtopology sub : topology.subtopologies()) {
      for (TopologyDescription.Node node : sub.nodes()) {
        if (node instanceof TopologyDescription.Sink sink) {
          dynamic |= sink.topic() == null; // a topic chosen per record: keep every topic
          sinks.add(sink.topic());
        }
      }
    }
    Map<String, String> topics = of(p);
    if (!dynamic) {
      topics
          .entrySet()
          .removeIf(
              e ->
                  !e.getKey().equals(ConfigKeys.INPUT_TOPIC)
                      && !e.getKey().equals(ConfigKeys.DLQ_TOPIC)
                      && !sinks.contains(e.getValue()));
    }
    return topics;
  }

  /**
   * Checks that every topic exists, creating the missing ones if {@code policy.create()}.
   *
   * @param adminConfigs the admin client's settings (bootstrap servers, security)
   * @param topics each topic by what names it (a configuration key, a command-line option)
   * @param howToCreate what the user can do about a missing topic, appended to the message
   * @throws ConfigException naming each missing topic and what names it
   * @throws IllegalStateException if the broker does not answer in time
   */
  public static void ensure(
      Map<String, Object> adminConfigs,
      Map<String, String> topics,
      SluiceConfig.Topics policy,
      String howToCreate) {
    try (Admin admin = Admin.create(adminConfigs)) {
      List<String> missing = new ArrayList<>();
      Map<String, KafkaFuture<TopicDescription>> described =
          admin.describeTopics(List.copyOf(new LinkedHashSet<>(topics.values()))).topicNameValues();
      for (Map.Entry<String, String> e : topics.entrySet()) {
        if (!missing.contains(e.getValue()) && !exists(described.get(e.getValue()), adminConfigs)) {
          missing.add(e.getValue());
        }
      }
      if (missing.isEmpty()) {
        return;
      }
      if (policy.create()) {
        create(admin, missing, policy, adminConfigs);
        return;
      }
      List<String> named = new ArrayList<>();
      topics.forEach(
          (key, topic) -> {
            if (missing.contains(topic)) {
              named.add("'" + topic + "' (" + key + ")");
            }
          });
      throw new ConfigException(
          (missing.size() == 1 ? "missing topic " : "missing topics ")
              + String.join(", ", named)
              + " at "
              + adminConfigs.get("bootstrap.servers")
              + ": "
              + howToCreate);
    }
  }

  private static boolean exists(
      KafkaFuture<TopicDescription> description, Map<String, Object> adminConfigs) {
    try {
      description.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      return true;
    } catch (ExecutionException e) {
      if (e.getCause() instanceof UnknownTopicOrPartitionException) {
        return false;
      }
      throw new IllegalStateException(
          "cannot check the topics at " + adminConfigs.get("bootstrap.servers"), e.getCause());
    } catch (TimeoutException e) {
      throw unreachable(adminConfigs);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while checking the topics", e);
    }
  }

  private static void create(
      Admin admin, List<String> missing, SluiceConfig.Topics policy, Map<String, Object> config) {
    List<NewTopic> topics = new ArrayList<>();
    for (String name : missing) {
      topics.add(
          new NewTopic(
              name,
              Optional.of(policy.partitions()),
              policy.replicationFactor() < 0
                  ? Optional.empty()
                  : Optional.of(policy.replicationFactor())));
    }
    try {
      admin.createTopics(topics).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) { // another instance was quicker
        throw new IllegalStateException("cannot create topics " + missing, e.getCause());
      }
    } catch (TimeoutException e) {
      throw unreachable(config);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating topics", e);
    }
    LOG.info(
        "created topics {} ({} partitions, replication factor {})",
        missing,
        policy.partitions(),
        policy.replicationFactor() < 0 ? "the broker's default" : policy.replicationFactor());
  }

  private static IllegalStateException unreachable(Map<String, Object> config) {
    return new IllegalStateException(
        "Kafka at "
            + config.get("bootstrap.servers")
            + " did not answer within "
            + TIMEOUT_SECONDS
            + " s (is it running? is "
            + ConfigKeys.BOOTSTRAP_SERVERS
            + " right?)");
  }
}
