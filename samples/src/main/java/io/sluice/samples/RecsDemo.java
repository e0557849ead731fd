package io.sluice.samples;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.app.SluiceApplication;
import io.sluice.config.ConfigKeys;
import io.sluice.config.SluiceConfig;
import io.sluice.descriptor.ModelDescriptor;
import io.sluice.embedded.EmbeddedStack;
import io.sluice.eval.Ranking;
import io.sluice.models.recs.RecommenderTrainer;
import io.sluice.models.recs.RecsGraph;
import io.sluice.schemas.RatingEvent;
import io.sluice.schemas.Recommendation;
import io.sluice.schemas.RecommendationSource;
import io.sluice.schemas.RecommendedItem;
import io.sluice.serde.SchemaRegistryClient;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The recommendation demo: streams MovieLens ratings in time order through the recommendation
 * pipeline on the embedded broker and registry, with odd events and corrupt records mixed in, and
 * prints the model's evaluation, a few users' feeds and what came out.
 */
public record RecsDemo(Path dataDir, Path modelsDir, PrintStream out) {
  private static final Demo.Topics TOPICS =
      new Demo.Topics("ratings", "recommendations", null, "recs-dead-letters");

  /** The last ratings in time order that the demo streams. */
  static final int EVENTS = 20_000;

  /** Configuration of the recommendation pipeline against the embedded stack. */
  public static Map<String, String> pipelineConfig(
      EmbeddedStack stack, Path descriptor, String applicationId, Path stateDir) {
    return pipelineConfig(
        stack.kafka().bootstrapServers(),
        stack.registry().url(),
        descriptor,
        applicationId,
        stateDir);
  }

  /** Configuration of the recommendation pipeline against any broker and registry. */
  public static Map<String, String> pipelineConfig(
      String bootstrapServers,
      String registryUrl,
      Path descriptor,
      String applicationId,
      Path stateDir) {
    Map<String, String> c =
        Demo.pipelineConfig(
            bootstrapServers, registryUrl, "recs", TOPICS, descriptor, applicationId, stateDir);
    c.put(ConfigKeys.PIPELINE_KIND, "recommendation");
    return c;
  }

  /** Creates the pipeline's topics on the embedded broker. */
  public static void createTopics(EmbeddedStack stack) {
    TOPICS.create(stack);
  }

  /**
   * The descriptor of the recommender, trained first if it is not there yet or was written before
   * the model excluded rated items itself (no {@code exclude_items} input).
   */
  public static Path ensureModel(Path dataDir, Path modelsDir) throws Exception {
    Path descriptor = modelsDir.resolve("recs").resolve(RecommenderTrainer.DESCRIPTOR_FILE);
    return Demo.ensureModel(
        descriptor, isCurrent(descriptor), dir -> RecommenderTrainer.train(dataDir, dir, 42));
  }

  /** Whether a descriptor exists and has the inputs the recommendation kind needs. */
  static boolean isCurrent(Path descriptor) throws java.io.IOException {
    if (!Files.exists(descriptor)) {
      return false;
    }
    return ModelDescriptor.read(descriptor).inputs().stream()
        .anyMatch(t -> t.name().equals(RecsGraph.EXCLUDE_ITEMS));
  }

  /**
   * Decodable but odd events, built from a real one: an unknown item, a negative and an absurd
   * rating, a rating that is not a number, an event older than the user's history, and a user never
   * seen before whose only item is unknown.
   */
  public static List<RatingEvent> oddEvents(RatingEvent real) {
    long t = real.getEventTime().toEpochMilli();
    return List.of(
        odd(real, "odd-unknown-item", real.getUserId(), 999_999_999L, 4f, t),
        odd(real, "odd-negative-rating", real.getUserId(), real.getItemId(), -3f, t),
        odd(real, "odd-absurd-rating", real.getUserId(), real.getItemId(), 1e6f, t),
        odd(real, "odd-nan-rating", real.getUserId(), real.getItemId(), Float.NaN, t),
        odd(real, "odd-out-of-order", real.getUserId(), 1L, 4f, t - 86_400_000L * 365 * 10),
        odd(real, "odd-new-user", 1_000_000L, 999_999_998L, 3f, t));
  }

  private static RatingEvent odd(
      RatingEvent real, String id, long user, long item, float r, long t) {
    return RatingEvent.newBuilder(real)
        .setEventId(id)
        .setUserId(user)
        .setItemId(item)
        .setRating(r)
        .setEventTime(Instant.ofEpochMilli(t))
        .build();
  }

  /** Corrupt records that must end up in the dead-letter topic, with the reason expected. */
  public static List<FraudDemo.PoisonPill> corruptRecords(
      Serializer<RatingEvent> serializer, String topic, RatingEvent good) {
    byte[] valid = serializer.serialize(topic, good);
    byte[] wrongMagic = valid.clone();
    wrongMagic[0] = 0x7b;
    byte[] truncated = Arrays.copyOf(valid, valid.length - 3);
    byte[] random = new byte[48];
    new Random(11).nextBytes(random);
    random[0] = 0;
    random[1] = 0x55;
    return List.of(
        new FraudDemo.PoisonPill("random bytes", "UNKNOWN_SCHEMA_ID", random),
        new FraudDemo.PoisonPill("wrong magic byte", "WRONG_MAGIC_BYTE", wrongMagic),
        new FraudDemo.PoisonPill("truncated record", "MALFORMED_AVRO", truncated));
  }

  /**
   * Produces the events keyed by user id, with the corrupt records and then the odd events spread
   * among them, in one idempotent producer.
   *
   * @return what was produced, in order: each event, or null for a corrupt record
   */
  public static List<RatingEvent> produce(
      String bootstrapServers,
      SchemaRegistryClient registry,
      String topic,
      List<RatingEvent> events,
      boolean withBadInput) {
    Serializer<RatingEvent> serializer = SampleProducer.serializer(registry, RatingEvent.class);
    List<FraudDemo.PoisonPill> pills =
        withBadInput ? corruptRecords(serializer, topic, events.get(0)) : List.of();
    List<RatingEvent> odd = withBadInput ? oddEvents(events.get(events.size() / 2)) : List.of();
    int bad = pills.size() + odd.size();
    int every = bad == 0 ? Integer.MAX_VALUE : Math.max(1, events.size() / (bad + 1));
    List<RatingEvent> sent = new ArrayList<>(events.size() + bad);
    try (KafkaProducer<String, byte[]> producer = SampleProducer.create(bootstrapServers)) {
      int next = 0;
      for (int i = 0; i < events.size(); i++) {
        RatingEvent e = events.get(i);
        producer.send(
            new ProducerRecord<>(
                topic, Long.toString(e.getUserId()), serializer.serialize(topic, e)));
        sent.add(e);
        if (next < bad && (i + 1) % every == 0) {
          if (next < pills.size()) {
            producer.send(
                new ProducerRecord<>(topic, Long.toString(e.getUserId()), pills.get(next).value()));
            sent.add(null);
          } else {
            RatingEvent o = odd.get(next - pills.size());
            producer.send(
                new ProducerRecord<>(
                    topic, Long.toString(o.getUserId()), serializer.serialize(topic, o)));
            sent.add(o);
          }
          next++;
        }
      }
      producer.flush();
    }
    return sent;
  }

  /** Runs the demo on a started embedded stack; returns the process exit code. */
  public int run(EmbeddedStack stack) throws Exception {
    out.println("== Sluice demo: real-time recommendations ==");
    Path descriptorPath = ensureModel(dataDir, modelsDir);
    printEvaluation(descriptorPath);
    createTopics(stack);
    List<RatingEvent> all = RecsEvents.read(dataDir);
    List<RatingEvent> events = all.subList(all.size() - EVENTS, all.size());
    SluiceConfig config =
        Demo.loadSingleInstance(
            pipelineConfig(
                stack, descriptorPath, "sluice-demo-recs", Demo.newStateDir("sluice-demo-recs")));
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    try (SchemaRegistryClient registry = Demo.registry(stack);
        SluiceApplication app = SluiceApplication.create(config, meters);
        RecommendationCollector collector =
            new RecommendationCollector(
                stack.kafka().bootstrapServers(),
                registry,
                TOPICS.output(),
                TOPICS.deadLetters())) {
      app.start();
      Demo.printEnvironment(out, stack, app);
      long started = System.nanoTime();
      List<RatingEvent> sent =
          produce(stack.kafka().bootstrapServers(), registry, TOPICS.input(), events, true);
      boolean complete = collector.awaitOutputs(sent.size(), Duration.ofMinutes(5));
      double seconds = (collector.lastReceivedNanos() - started) / 1e9;
      report(sent, collector, meters, seconds);
      return complete ? 0 : 1;
    }
  }

  private void printEvaluation(Path descriptorPath) throws Exception {
    io.sluice.descriptor.ModelDescriptor d =
        io.sluice.descriptor.ModelDescriptor.read(descriptorPath);
    out.printf(Locale.ROOT, "model %s:%s%n", d.name(), d.version());
    Map<String, Object> training = d.training() == null ? Map.of() : d.training();
    for (String split : List.of("leaveLastOut", "prequential")) {
      if (training.get(split) instanceof Map<?, ?> m
          && m.get("model") instanceof Map<?, ?> model
          && m.get("popularity") instanceof Map<?, ?> popularity) {
        double hr = ((Number) model.get("hitRate")).doubleValue();
        double popHr = ((Number) popularity.get("hitRate")).doubleValue();
        out.printf(
            Locale.ROOT,
            "%-13s HitRate@10 model %.4f vs popularity %.4f (%.2fx)  NDCG@10 model %.4f vs"
                + " popularity %.4f  over %,d %s%n",
            split.equals("leaveLastOut") ? "leave-last-out" : "prequential",
            hr,
            popHr,
            hr / popHr,
            ((Number) model.get("ndcg")).doubleValue(),
            ((Number) popularity.get("ndcg")).doubleValue(),
            ((Number) model.get("cases")).intValue(),
            split.equals("leaveLastOut")
                ? "users (last rating held out)"
                : "ratings in time order");
      }
    }
  }

  private void report(
      List<RatingEvent> sent, RecommendationCollector c, SimpleMeterRegistry meters, double s) {
    List<Recommendation> recs = c.recommendations();
    long corrupt = sent.stream().filter(e -> e == null).count();
    Map<RecommendationSource, Long> bySource =
        recs.stream()
            .collect(
                Collectors.groupingBy(
                    Recommendation::getSource, TreeMap::new, Collectors.counting()));
    Map<String, Long> deadByReason =
        c.deadLetters().stream()
            .collect(
                Collectors.groupingBy(
                    d -> d.stage() + "/" + d.reason(), TreeMap::new, Collectors.counting()));
    Map<String, Double> outcomes = new TreeMap<>();
    for (var m : meters.find("sluice.recs.events").meters()) {
      outcomes.put(m.getId().getTag("outcome"), ((Counter) m).count());
    }
    out.println();
    out.printf(
        Locale.ROOT,
        "events in        %,d (%,d MovieLens ratings in time order + 6 odd events + %d corrupt"
            + " records)%n",
        sent.size(),
        sent.size() - corrupt - 6,
        corrupt);
    out.printf(Locale.ROOT, "recommendations  %,d %s%n", recs.size(), bySource);
    out.printf(Locale.ROOT, "dead letters     %,d %s%n", c.deadLetters().size(), deadByReason);
    out.printf(Locale.ROOT, "event outcomes   %s%n", outcomes);
    Ranking.Accumulator streamed = streamedHitRate(sent, recs);
    out.printf(
        Locale.ROOT,
        "streamed HitRate@10 %.4f, NDCG@10 %.4f: the list after each event vs the user's next"
            + " rating (%,d events; every user starts with no history)%n",
        streamed.hitRate(),
        streamed.ndcg(),
        streamed.cases());
    Demo.printThroughput(out, sent.size(), s);
    Map<Long, List<Recommendation>> byUser = new LinkedHashMap<>();
    for (Recommendation r : recs) {
      byUser.computeIfAbsent(r.getUserId(), u -> new ArrayList<>()).add(r);
    }
    List<Long> users =
        byUser.entrySet().stream()
            .filter(e -> e.getKey() < 1_000_000L)
            .sorted((a, b) -> Integer.compare(b.getValue().size(), a.getValue().size()))
            .limit(3)
            .map(Map.Entry::getKey)
            .toList();
    for (long user : users) {
      List<Recommendation> feed = byUser.get(user);
      Recommendation last = feed.get(feed.size() - 1);
      out.println();
      out.printf(
          Locale.ROOT,
          "user %d: %d events; after rating item %d (%s) the feed is:%n",
          user,
          feed.size(),
          last.getTrigger().getItemId(),
          last.getTrigger().getStatus());
      for (RecommendedItem item : last.getItems()) {
        out.printf(
            Locale.ROOT, "  %2d. %-60s %.3f%n", item.getRank(), item.getTitle(), item.getScore());
      }
    }
    out.println();
    out.println("dead letters:");
    c.deadLetters()
        .forEach(d -> out.printf(Locale.ROOT, "  %s/%s: %s%n", d.stage(), d.reason(), d.message()));
  }

  /**
   * For each recommendation, whether the user's next event in the stream is in the list: the
   * streaming counterpart of the prequential evaluation.
   */
  static Ranking.Accumulator streamedHitRate(List<RatingEvent> sent, List<Recommendation> recs) {
    Map<String, Recommendation> byEvent = new HashMap<>();
    for (Recommendation r : recs) {
      byEvent.put(r.getTrigger().getEventId(), r);
    }
    Map<Long, RatingEvent> previous = new HashMap<>();
    Ranking.Accumulator acc = new Ranking.Accumulator(10);
    for (RatingEvent e : sent) {
      if (e == null || e.getEventId() == null || e.getEventId().startsWith("odd-")) {
        continue;
      }
      RatingEvent before = previous.put(e.getUserId(), e);
      Recommendation r = before == null ? null : byEvent.get(before.getEventId());
      if (r == null) {
        continue;
      }
      int rank = -1;
      for (int i = 0; i < r.getItems().size(); i++) {
        if (r.getItems().get(i).getItemId() == e.getItemId()) {
          rank = i;
          break;
        }
      }
      acc.add(rank);
    }
    return acc;
  }
}
