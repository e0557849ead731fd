package io.sluice.app;

import io.sluice.config.SluiceConfig;
import io.sluice.inference.ModelHandle.Mode;
import io.sluice.inference.ModelVersions.Desired;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import java.util.function.UnaryOperator;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The model control and status topics: both compacted, created if missing. The control topic holds,
 * per pipeline (the record key is the pipeline name), the desired {@link State}: champion,
 * optionally a challenger in canary or shadow, and the previous champions for a rollback. The
 * status topic holds, per {@code <pipeline>/<instance>}, what that instance serves and refused.
 * Values are {@link Properties} text, readable with any console consumer.
 *
 * <p>Static helpers open short-lived clients; {@link #readToEnd} and {@link #poll} serve the
 * follower in {@link ModelFollower}.
 */
public final class ModelControl {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private ModelControl() {}

  /**
   * The desired state of one pipeline.
   *
   * @param desired champion and challenger
   * @param history previous champions, the last first
   * @param updated when it was written
   * @param reason what wrote it (e.g. "promote by sluice model")
   */
  public record State(Desired desired, List<String> history, Instant updated, String reason) {
    public State {
      history = List.copyOf(history);
    }

    /** A state with just a champion, as the configuration names it. */
    public static State initial(String champion) {
      return new State(Desired.champion(champion), List.of(), Instant.EPOCH, "configuration");
    }

    /** A new champion alone; the old one goes into the history (unless it is the same). */
    public State deploy(String descriptor, int historySize) {
      if (descriptor.equals(desired.champion())) {
        return next(Desired.champion(descriptor), history, "deploy " + descriptor);
      }
      return next(Desired.champion(descriptor), pushed(desired.champion(), historySize), "deploy");
    }

    /** The champion and a challenger on a share of the keys. */
    public State canary(String descriptor, double share) {
      if (!(share > 0 && share <= 1)) {
        throw new IllegalArgumentException("canary share " + share + " is not in (0, 1]");
      }
      return next(
          new Desired(desired.champion(), descriptor, Mode.CANARY, share),
          history,
          String.format(Locale.ROOT, "canary %.3f", share));
    }

    /** The champion and a challenger scored beside it, its predictions to the shadow topic. */
    public State shadow(String descriptor) {
      return next(new Desired(desired.champion(), descriptor, Mode.SHADOW, 0), history, "shadow");
    }

    /** The challenger becomes the champion. */
    public State promote(int historySize) {
      if (desired.challenger() == null) {
        throw new IllegalStateException(
            "there is no challenger to promote; champion is " + desired.champion());
      }
      return next(
          Desired.champion(desired.challenger()),
          pushed(desired.champion(), historySize),
          "promote");
    }

    /** The previous champion serves again, alone. */
    public State rollback() {
      if (history.isEmpty()) {
        throw new IllegalStateException(
            "no previous champion is known; champion is " + desired.champion());
      }
      return next(Desired.champion(history.get(0)), history.subList(1, history.size()), "rollback");
    }

    private List<String> pushed(String champion, int historySize) {
      List<String> h = new ArrayList<>();
      h.add(champion);
      h.addAll(history);
      return h.subList(0, Math.min(h.size(), historySize));
    }

    private State next(Desired d, List<String> h, String why) {
      return new State(d, h, Instant.now(), why);
    }

    /** The record value. */
    public String encode() {
      Properties p = new Properties();
      p.setProperty("champion", desired.champion());
      if (desired.challenger() != null) {
        p.setProperty("challenger", desired.challenger());
        p.setProperty("mode", desired.mode().name().toLowerCase(Locale.ROOT));
        p.setProperty("share", Double.toString(desired.share()));
      }
      for (int i = 0; i < history.size(); i++) {
        p.setProperty("history." + i, history.get(i));
      }
      p.setProperty("updated", updated.toString());
      p.setProperty("reason", reason);
      return ModelControl.encode(p);
    }

    /**
     * Reads a record value.
     *
     * @throws IllegalArgumentException naming what is missing or wrong
     */
    public static State decode(String value) {
      Properties p = ModelControl.decode(value);
      String champion = p.getProperty("champion");
      if (champion == null || champion.isBlank()) {
        throw new IllegalArgumentException("control record has no champion: " + value);
      }
      String challenger = p.getProperty("challenger");
      Mode mode =
          challenger == null
              ? Mode.NONE
              : Mode.valueOf(p.getProperty("mode", "canary").toUpperCase(Locale.ROOT));
      double share = Double.parseDouble(p.getProperty("share", "0"));
      List<String> history = new ArrayList<>();
      for (int i = 0; p.getProperty("history." + i) != null; i++) {
        history.add(p.getProperty("history." + i));
      }
      return new State(
          new Desired(champion, challenger, mode, share),
          history,
          Instant.parse(p.getProperty("updated", Instant.EPOCH.toString())),
          p.getProperty("reason", ""));
    }
  }

  /** Client properties for the control clients: the brokers and the kafka.* security settings. */
  public static Map<String, Object> clientProperties(SluiceConfig config) {
    Map<String, Object> props = new HashMap<>();
    props.put("bootstrap.servers", config.bootstrapServers());
    config
        .kafka()
        .forEach(
            (k, v) -> {
              if (k.startsWith("security.") || k.startsWith("sasl.") || k.startsWith("ssl.")) {
                props.put(k, v);
              }
            });
    return props;
  }

  /** Creates the compacted topics that do not exist yet (one partition each). */
  public static void ensureTopics(Map<String, Object> client, String... topics) {
    try (Admin admin = Admin.create(client)) {
      Set<String> existing =
          admin.listTopics().names().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      List<NewTopic> missing = new ArrayList<>();
      for (String topic : topics) {
        if (!existing.contains(topic)) {
          missing.add(
              new NewTopic(topic, Optional.of(1), Optional.empty())
                  .configs(
                      Map.of(
                          TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)));
        }
      }
      if (!missing.isEmpty()) {
        try {
          admin.createTopics(missing).all().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw e;
          }
        }
      }
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot create the topics " + List.of(topics) + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating " + List.of(topics), e);
    }
  }

  /**
   * A consumer of a whole topic from its beginning, by assignment (no group, nothing committed).
   */
  static KafkaConsumer<String, String> consumer(Map<String, Object> client, String topic) {
    Map<String, Object> props = new HashMap<>(client);
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer());
    List<TopicPartition> partitions =
        consumer.partitionsFor(topic, TIMEOUT).stream()
            .map(i -> new TopicPartition(topic, i.partition()))
            .toList();
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    return consumer;
  }

  /** Reads what the consumer has not read yet up to the topic's end; each record to the sink. */
  static void readToEnd(KafkaConsumer<String, String> consumer, BiConsumer<String, String> sink) {
    Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment(), TIMEOUT);
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (end.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("could not read " + consumer.assignment() + " to its end");
      }
      poll(consumer, Duration.ofMillis(200), sink);
    }
  }

  static void poll(
      KafkaConsumer<String, String> consumer, Duration timeout, BiConsumer<String, String> sink) {
    for (ConsumerRecord<String, String> r : consumer.poll(timeout)) {
      if (r.key() != null) {
        sink.accept(r.key(), r.value());
      }
    }
  }

  /** The latest value per key of a compacted topic (a deleted key is absent). */
  public static Map<String, String> latest(Map<String, Object> client, String topic) {
    Map<String, String> latest = new LinkedHashMap<>();
    try (KafkaConsumer<String, String> consumer = consumer(client, topic)) {
      readToEnd(
          consumer,
          (k, v) -> {
            if (v == null) {
              latest.remove(k);
            } else {
              latest.put(k, v);
            }
          });
    }
    return latest;
  }

  /** The desired state of a pipeline on the control topic, if it has one. */
  public static Optional<State> desired(Map<String, Object> client, String topic, String pipeline) {
    return Optional.ofNullable(latest(client, topic).get(pipeline)).map(State::decode);
  }

  /** A producer that waits for every write to be acknowledged by all in-sync replicas. */
  static KafkaProducer<String, String> producer(Map<String, Object> client) {
    Map<String, Object> props = new HashMap<>(client);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    return new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
  }

  /** Writes one record and waits for it. */
  static void send(KafkaProducer<String, String> producer, String topic, String key, String value) {
    try {
      producer
          .send(new ProducerRecord<>(topic, key, value))
          .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot write " + key + " to " + topic + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while writing to " + topic, e);
    }
  }

  /** Writes the desired state of a pipeline to the control topic. */
  public static void write(Map<String, Object> client, String topic, String pipeline, State s) {
    try (KafkaProducer<String, String> producer = producer(client)) {
      send(producer, topic, pipeline, s.encode());
    }
  }

  /**
   * Changes the desired state of the configuration's pipeline: reads the control topic (creating it
   * if missing; with no record yet, the state is the configured champion alone), applies the change
   * and writes the result, which every instance then follows.
   *
   * @return the state written
   * @throws IllegalStateException or IllegalArgumentException if the change does not apply, e.g. a
   *     promote without a challenger
   */
  public static State update(SluiceConfig config, UnaryOperator<State> change) {
    SluiceConfig.Models m = config.models();
    Map<String, Object> client = clientProperties(config);
    ensureTopics(client, m.controlTopic(), m.statusTopic());
    String pipeline = config.pipeline().name();
    State now =
        desired(client, m.controlTopic(), pipeline)
            .orElseGet(() -> State.initial(config.pipeline().modelDescriptor().toString()));
    State next = change.apply(now);
    write(client, m.controlTopic(), pipeline, next);
    return next;
  }

  /** One line of a desired state, as {@code sluice model} prints it. */
  public static String describe(State s) {
    StringBuilder sb = new StringBuilder("champion ").append(s.desired().champion());
    if (s.desired().challenger() != null) {
      sb.append(", ")
          .append(s.desired().mode().name().toLowerCase(Locale.ROOT))
          .append(' ')
          .append(s.desired().challenger());
      if (s.desired().mode() == Mode.CANARY) {
        sb.append(String.format(Locale.ROOT, " on %.1f%% of keys", 100 * s.desired().share()));
      }
    }
    sb.append("; previous champions ").append(s.history());
    if (!s.updated().equals(Instant.EPOCH)) {
      sb.append("; written ").append(s.updated()).append(" (").append(s.reason()).append(')');
    } else {
      sb.append(" (from the configuration; nothing on the control topic yet)");
    }
    return sb.toString();
  }

  /**
   * The desired state of the configuration's pipeline and, per instance, what it serves (role,
   * version, descriptor, since when) and what it refused, from the control and status topics.
   */
  public static String report(SluiceConfig config) {
    SluiceConfig.Models m = config.models();
    Map<String, Object> client = clientProperties(config);
    ensureTopics(client, m.controlTopic(), m.statusTopic());
    String pipeline = config.pipeline().name();
    State desired =
        desired(client, m.controlTopic(), pipeline)
            .orElseGet(() -> State.initial(config.pipeline().modelDescriptor().toString()));
    StringBuilder sb = new StringBuilder();
    sb.append("pipeline ").append(pipeline).append(" (control topic ").append(m.controlTopic());
    sb.append(", status topic ").append(m.statusTopic()).append(")\n");
    sb.append("desired: ").append(describe(desired)).append('\n');
    int instances = 0;
    for (Map.Entry<String, String> e : latest(client, m.statusTopic()).entrySet()) {
      if (!e.getKey().startsWith(pipeline + "/")) {
        continue;
      }
      instances++;
      Properties p = decode(e.getValue());
      sb.append("instance ").append(p.getProperty("instance")).append(" (status at ");
      sb.append(p.getProperty("at")).append(")\n");
      for (String role : List.of("champion", "challenger")) {
        if (p.getProperty(role + ".id") != null) {
          sb.append(
              String.format(
                  Locale.ROOT,
                  "  %-9s %-24s serving since %s  %s%s%n",
                  p.getProperty(role + ".role"),
                  p.getProperty(role + ".id"),
                  p.getProperty(role + ".since"),
                  p.getProperty(role + ".descriptor"),
                  role.equals("challenger") && p.getProperty(role + ".role").equals("canary")
                      ? String.format(
                          Locale.ROOT,
                          " (%.1f%% of keys)",
                          100 * Double.parseDouble(p.getProperty("challenger.share", "0")))
                      : ""));
        }
      }
      for (int i = 0; p.getProperty("refused." + i + ".check") != null; i++) {
        String r = "refused." + i + ".";
        sb.append(
            String.format(
                Locale.ROOT,
                "  refused   %-24s at %s, check '%s': %s  %s%n",
                p.getProperty(r + "id"),
                p.getProperty(r + "at"),
                p.getProperty(r + "check"),
                p.getProperty(r + "reason"),
                p.getProperty(r + "descriptor")));
      }
    }
    if (instances == 0) {
      sb.append("no instance has reported yet\n");
    }
    return sb.toString();
  }

  static String encode(Properties p) {
    StringWriter w = new StringWriter();
    try {
      p.store(w, null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    // Properties.store opens with a date comment: drop it, the records carry their own time.
    String text = w.toString();
    return text.startsWith("#") ? text.substring(text.indexOf('\n') + 1) : text;
  }

  /** Properties from a record value. */
  public static Properties decode(String value) {
    Properties p = new Properties();
    try {
      p.load(new StringReader(value));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return p;
  }
}
