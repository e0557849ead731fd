package io.sluice.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.config.ConfigKeys;
import io.sluice.embedded.EmbeddedStack;
import io.sluice.inference.ExecutionProvider;
import io.sluice.inference.InferenceSettings;
import io.sluice.inference.ModelLoader;
import io.sluice.inference.ModelRunner;
import io.sluice.inference.Tensor;
import io.sluice.kinds.recommendation.Catalogue;
import io.sluice.samples.FraudDemo;
import io.sluice.samples.RecommendationCollector;
import io.sluice.samples.RecsDemo;
import io.sluice.schemas.RatingEvent;
import io.sluice.schemas.Recommendation;
import io.sluice.schemas.RecommendationSource;
import io.sluice.schemas.RecommendedItem;
import io.sluice.schemas.TriggerStatus;
import io.sluice.serde.RecordPart;
import io.sluice.serde.SchemaRegistryClient;
import io.sluice.serde.SpecificAvroSerde;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The recommendation pipeline end to end on a real broker and a real schema registry: streamed
 * lists equal an offline ONNX Runtime run on the same recent items, never hold a rated item, bad
 * bytes reach the dead-letter topic, and a user's state survives a restart.
 */
class RecsPipelineIT {
  private static final int K = 10;

  @TempDir static Path work;
  private static RecsFixture fixture;
  private static EmbeddedStack stack;
  private static Path descriptor;
  private static SchemaRegistryClient registry;
  private static List<RatingEvent> events;

  @BeforeAll
  static void startStack() throws Exception {
    fixture = RecsFixture.start(work);
    stack = fixture.stack;
    descriptor = fixture.descriptor;
    registry = fixture.registry;
    events = fixture.lastEvents(3000);
  }

  @AfterAll
  static void stopStack() {
    if (fixture != null) {
      fixture.close();
    }
  }

  @Test
  void streamedListsEqualOfflineOnnxRuntimeSkipRatedItemsAndDeadLetterCorruptBytes()
      throws Exception {
    Map<String, String> c = fixture.config("it-recs", "e2e", 2);
    List<RatingEvent> sent;
    try (SluiceApplication app = RecsFixture.app(c, new SimpleMeterRegistry());
        RecommendationCollector out = fixture.collector("e2e")) {
      app.start();
      sent =
          RecsDemo.produce(stack.kafka().bootstrapServers(), registry, "ratings-e2e", events, true);
      assertThat(out.awaitOutputs(sent.size(), Duration.ofMinutes(2))).isTrue();
      out.poll(Duration.ofSeconds(1));

      long corrupt = sent.stream().filter(e -> e == null).count();
      assertThat(out.recommendations()).hasSize(sent.size() - (int) corrupt);
      List<FraudDemo.PoisonPill> pills =
          RecsDemo.corruptRecords(
              new SpecificAvroSerde<>(registry, RatingEvent.class, RecordPart.VALUE, true)
                  .serializer(),
              "ratings-e2e",
              events.get(0));
      assertThat(out.deadLetters())
          .extracting(d -> d.reason())
          .containsExactlyInAnyOrderElementsOf(
              pills.stream().map(FraudDemo.PoisonPill::expectedReason).toList());
      for (FraudDemo.PoisonPill pill : pills) {
        assertThat(out.deadLetters())
            .anySatisfy(d -> assertThat(d.value()).isEqualTo(pill.value()));
      }

      Map<String, Set<Long>> ratedAfter = ratedAfterEachEvent(sent);
      Map<String, Recommendation> byEvent = new LinkedHashMap<>();
      for (Recommendation r : out.recommendations()) {
        byEvent.put(r.getTrigger().getEventId(), r);
        assertThat(r.getItems()).hasSize(K);
        Set<Long> rated = ratedAfter.get(r.getTrigger().getEventId());
        assertThat(r.getItems())
            .as("event %s recommends nothing its user has rated", r.getTrigger().getEventId())
            .noneMatch(i -> rated.contains(i.getItemId()));
      }
      assertThat(byEvent.get("odd-unknown-item").getTrigger().getStatus())
          .isEqualTo(TriggerStatus.UNKNOWN_ITEM);
      assertThat(byEvent.get("odd-negative-rating").getTrigger().getStatus())
          .isEqualTo(TriggerStatus.INVALID_RATING);
      assertThat(byEvent.get("odd-out-of-order").getTrigger().getStatus())
          .isEqualTo(TriggerStatus.LATE);
      assertThat(byEvent.get("odd-new-user").getSource())
          .isEqualTo(RecommendationSource.POPULARITY);

      assertEqualsOffline(out.recommendations(), ratedAfter);
    }
  }

  @Test
  void aUsersNextListStillReflectsTheirEarlierEventsAfterARestart() throws Exception {
    Map<String, String> c = fixture.config("it-recs-restart", "restart", 2);
    // Kafka Streams does not leave the group on close: the restarted member takes over once the
    // first one's session has expired.
    c.put("kafka.session.timeout.ms", "6000");
    c.put("kafka.heartbeat.interval.ms", "1000");
    long user = 4242;
    long[] items = {1, 260, 1196, 2571};
    try (RecommendationCollector out = fixture.collector("restart")) {
      try (SluiceApplication first = RecsFixture.app(c, new SimpleMeterRegistry())) {
        first.start();
        produce("ratings-restart", user, items[0], items[1], items[2]);
        assertThat(out.awaitOutputs(3, Duration.ofMinutes(1))).isTrue();
      }
      // A new state directory: the state can only come back from its changelog topic.
      c.put(ConfigKeys.STATE_DIR, work.resolve("state-after-restart").toString());
      try (SluiceApplication second = RecsFixture.app(c, new SimpleMeterRegistry())) {
        second.start();
        produce("ratings-restart", user, items[3]);
        assertThat(out.awaitOutputs(4, Duration.ofMinutes(1))).isTrue();
      }
      Recommendation last = out.recommendations().get(3);
      assertThat(last.getTrigger().getItemId()).isEqualTo(items[3]);
      assertThat(last.getRecentItems()).containsExactly(items[3], items[2], items[1], items[0]);
      assertThat(last.getItems())
          .extracting(RecommendedItem::getItemId)
          .doesNotContain(items[0], items[1], items[2], items[3]);
    }
  }

  private static void produce(String topic, long user, long... items) {
    List<RatingEvent> list = new ArrayList<>();
    for (long item : items) {
      list.add(
          RatingEvent.newBuilder()
              .setEventId(user + ":" + item)
              .setUserId(user)
              .setItemId(item)
              .setRating(4.5f)
              .setEventTime(Instant.ofEpochMilli(1_700_000_000_000L + item))
              .build());
    }
    RecsDemo.produce(stack.kafka().bootstrapServers(), registry, topic, list, false);
  }

  /** Each event's user's rated items right after it, replaying the policy on the sent events. */
  private static Map<String, Set<Long>> ratedAfterEachEvent(List<RatingEvent> sent) {
    Catalogue catalogue = Catalogue.read(descriptor);
    Map<Long, Set<Long>> rated = new HashMap<>();
    Map<String, Set<Long>> after = new HashMap<>();
    for (RatingEvent e : sent) {
      if (e == null) {
        continue;
      }
      Set<Long> user = rated.computeIfAbsent(e.getUserId(), u -> new HashSet<>());
      float r = e.getRating();
      if (Float.isFinite(r) && r >= 0.5f && r <= 5f && catalogue.indexOf(e.getItemId()) >= 0) {
        user.add(e.getItemId());
      }
      after.put(e.getEventId(), Set.copyOf(user));
    }
    return after;
  }

  /**
   * Runs the model offline on each list's recent items and checks that the first K items it ranks
   * above everything else, skipping the user's rated items, are the streamed list with its scores.
   * The offline run asks for K plus the rated set plus 5 items and skips the rated ones here (it
   * excludes in the model only one of the rated items), so that it checks the pipeline's exclusion
   * inside the model against plain filtering.
   */
  private static void assertEqualsOffline(
      List<Recommendation> recs, Map<String, Set<Long>> ratedAfter) throws Exception {
    Catalogue catalogue = Catalogue.read(descriptor);
    int width = catalogue.maxRecent();
    int checked = 0;
    try (ModelRunner runner =
        ModelLoader.load(
            descriptor, InferenceSettings.defaults().withProvider(ExecutionProvider.CPU))) {
      for (Recommendation r : recs) {
        if (r.getSource() != RecommendationSource.MODEL) {
          continue;
        }
        Set<Long> rated = ratedAfter.get(r.getTrigger().getEventId());
        long[] items = new long[width];
        float[] weights = new float[width];
        float w = 1f;
        for (int j = 0; j < r.getRecentItems().size(); j++) {
          items[j] = catalogue.indexOf(r.getRecentItems().get(j));
          weights[j] = w;
          w *= catalogue.decay();
        }
        int k = K + rated.size() + 5;
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("recent_items", Tensor.ofLongs(items, 1, width));
        in.put("recent_weights", Tensor.ofFloats(weights, 1, width));
        long oneRated = catalogue.indexOf(rated.iterator().next());
        in.put("exclude_items", Tensor.ofLongs(new long[] {oneRated}, 1, 1));
        in.put("k", Tensor.ofLongs(new long[] {k}, 1));
        Map<String, Tensor> out = runner.run(in);
        long[] top = out.get("top_items").longs();
        float[] scores = out.get("top_scores").floats();
        Map<Long, Float> offlineScore = new HashMap<>();
        List<Long> offline = new ArrayList<>();
        for (int i = 0; i < top.length; i++) {
          long id = catalogue.id((int) top[i]);
          offlineScore.put(id, scores[i]);
          if (!rated.contains(id) && offline.size() < K) {
            offline.add(id);
          }
        }
        for (int rank = 0; rank < K; rank++) {
          RecommendedItem streamed = r.getItems().get(rank);
          assertThat(streamed.getScore())
              .as("event %s rank %d", r.getTrigger().getEventId(), rank)
              .isCloseTo(offlineScore.get(offline.get(rank)), within(1e-5));
          if (streamed.getItemId() != offline.get(rank)) {
            // Only a tie within float noise may swap two items.
            assertThat(offlineScore.get(streamed.getItemId()))
                .as("event %s rank %d", r.getTrigger().getEventId(), rank)
                .isCloseTo(offlineScore.get(offline.get(rank)), within(1e-5f));
          }
        }
        checked++;
      }
    }
    assertThat(checked).isGreaterThan(2900);
  }
}
