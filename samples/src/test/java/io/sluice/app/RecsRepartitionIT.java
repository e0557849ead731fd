package io.sluice.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.config.ConfigKeys;
import io.sluice.kinds.recommendation.RecommendationKeys;
import io.sluice.kinds.recommendation.RecsMetrics;
import io.sluice.samples.RecommendationCollector;
import io.sluice.samples.SampleProducer;
import io.sluice.schemas.RatingEvent;
import io.sluice.schemas.Recommendation;
import io.sluice.schemas.RecommendedItem;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.kafka.streams.ThreadMetadata;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recommendation input keyed by anything but the user id ({@code
 * pipeline.recs.input.keyed.by.user=false}), on two instances of one application, gives every event
 * the list that input keyed by user id gives it on one instance: the input is repartitioned on the
 * user id, so each user's events meet their state whatever partition and instance they reached.
 *
 * <p>Events keyed by event id spread one user's events over every input partition, and Kafka keeps
 * no order across partitions: the repartition topic takes them in whatever order the tasks reading
 * the input write them. So the events are produced in waves, the i-th event of every user in wave
 * i, each wave once the one before has its recommendations: a user's events reach their state in
 * the same order in both runs, and their lists can be compared.
 */
class RecsRepartitionIT {
  private static final int PARTITIONS = 4;
  private static final int USERS = 40;
  private static final int EVENTS_PER_USER = 8;
  private static final Duration WAIT = Duration.ofMinutes(2);

  @TempDir static Path work;
  private static RecsFixture fixture;

  @BeforeAll
  static void startStack() throws Exception {
    fixture = RecsFixture.start(work);
  }

  @AfterAll
  static void stopStack() {
    if (fixture != null) {
      fixture.close();
    }
  }

  @Test
  void inputKeyedByEventIdOnTwoInstancesGetsTheListsOfInputKeyedByUser() {
    List<List<RatingEvent>> waves = waves(fixture.lastEvents(20_000));
    List<RatingEvent> all = waves.stream().flatMap(List::stream).toList();

    Map<String, String> byUser = fixture.config("it-recs-by-user", "by-user", PARTITIONS);
    byUser.put("kafka.num.standby.replicas", "0");
    MeterRegistry byUserMeters = new SimpleMeterRegistry();
    Map<String, Recommendation> expected;
    try (SluiceApplication app = RecsFixture.app(byUser, byUserMeters);
        RecommendationCollector out = fixture.collector("by-user")) {
      app.start();
      produce("ratings-by-user", all, e -> Long.toString(e.getUserId()));
      assertThat(out.awaitOutputs(all.size(), WAIT)).isTrue();
      expected = oneEach(out, all.size());
    }

    Map<String, String> anyKey = fixture.config("it-recs-any-key", "any-key", PARTITIONS);
    anyKey.put(RecommendationKeys.RECS_INPUT_KEYED_BY_USER, "false");
    MeterRegistry metersA = new SimpleMeterRegistry();
    MeterRegistry metersB = new SimpleMeterRegistry();
    Map<String, Recommendation> actual;
    try (SluiceApplication a = RecsFixture.app(withState(anyKey, "a"), metersA);
        SluiceApplication b = RecsFixture.app(withState(anyKey, "b"), metersB);
        RecommendationCollector out = fixture.collector("any-key")) {
      a.start();
      b.start();
      assertThat(out.pollUntil(() -> hasActiveTasks(a) && hasActiveTasks(b), WAIT))
          .as("both instances run tasks")
          .isTrue();
      int sent = 0;
      for (List<RatingEvent> wave : waves) {
        produce("ratings-any-key", wave, RatingEvent::getEventId);
        sent += wave.size();
        assertThat(out.awaitOutputs(sent, WAIT))
            .as("recommendations after %d events", sent)
            .isTrue();
      }
      actual = oneEach(out, all.size());
    }

    for (RatingEvent e : all) {
      Recommendation want = expected.get(e.getEventId());
      Recommendation got = actual.get(e.getEventId());
      assertThat(got.getUserId()).isEqualTo(e.getUserId());
      // As README says: the outputs name the repartition topic as their source.
      assertThat(got.getSourceTopic()).isEqualTo("it-recs-any-key-recs-by-key-repartition");
      assertThat(got.getTrigger().getStatus()).isEqualTo(want.getTrigger().getStatus());
      assertThat(got.getSource()).isEqualTo(want.getSource());
      assertThat(got.getRecentItems()).isEqualTo(want.getRecentItems());
      assertThat(got.getItems())
          .as("event %s", e.getEventId())
          .extracting(RecommendedItem::getItemId)
          .containsExactlyElementsOf(
              want.getItems().stream().map(RecommendedItem::getItemId).toList());
      for (int rank = 0; rank < want.getItems().size(); rank++) {
        // Relative: the model's float scores differ in their last bits with the batch they were
        // scored in (a float holds about 7 significant digits; scores reach 20).
        double score = want.getItems().get(rank).getScore();
        assertThat(got.getItems().get(rank).getScore())
            .as("event %s rank %d", e.getEventId(), rank)
            .isCloseTo(score, within(1e-6 * Math.max(1, Math.abs(score))));
      }
    }

    // Every event reached its user's state keyed by its user id, and both instances held users.
    assertThat(count(byUserMeters, "applied")).isEqualTo(all.size());
    assertThat(count(metersA, "applied") + count(metersB, "applied")).isEqualTo(all.size());
    assertThat(count(metersA, "applied")).isPositive();
    assertThat(count(metersB, "applied")).isPositive();
    for (MeterRegistry meters : List.of(byUserMeters, metersA, metersB)) {
      assertThat(count(meters, "key_mismatch")).isZero();
    }
  }

  /**
   * The first {@link #EVENTS_PER_USER} events of the first {@link #USERS} users with that many:
   * wave i holds every user's i-th event.
   */
  private static List<List<RatingEvent>> waves(List<RatingEvent> events) {
    Map<Long, List<RatingEvent>> byUser = new LinkedHashMap<>();
    for (RatingEvent e : events) {
      byUser.computeIfAbsent(e.getUserId(), u -> new ArrayList<>()).add(e);
    }
    List<List<RatingEvent>> users =
        byUser.values().stream().filter(l -> l.size() >= EVENTS_PER_USER).limit(USERS).toList();
    assertThat(users).hasSize(USERS);
    List<List<RatingEvent>> waves = new ArrayList<>();
    for (int i = 0; i < EVENTS_PER_USER; i++) {
      List<RatingEvent> wave = new ArrayList<>();
      for (List<RatingEvent> user : users) {
        wave.add(user.get(i));
      }
      waves.add(wave);
    }
    return waves;
  }

  private static void produce(
      String topic, List<RatingEvent> events, Function<RatingEvent, String> keyOf) {
    SampleProducer.produceAll(
        fixture.stack.kafka().bootstrapServers(),
        fixture.registry,
        RatingEvent.class,
        topic,
        events,
        keyOf);
  }

  /** The recommendations read, by event id, after checking that there is one per event. */
  private static Map<String, Recommendation> oneEach(RecommendationCollector out, int events) {
    out.poll(Duration.ofSeconds(1)); // a duplicate would arrive now
    assertThat(out.deadLetters()).isEmpty();
    assertThat(out.recommendations()).hasSize(events);
    Map<String, Recommendation> byEvent = new HashMap<>();
    for (Recommendation r : out.recommendations()) {
      byEvent.put(r.getTrigger().getEventId(), r);
    }
    assertThat(byEvent).hasSize(events);
    return byEvent;
  }

  private static Map<String, String> withState(Map<String, String> c, String instance) {
    Map<String, String> copy = new HashMap<>(c);
    copy.put(ConfigKeys.STATE_DIR, work.resolve("state-" + instance).toString());
    return copy;
  }

  private static boolean hasActiveTasks(SluiceApplication app) {
    return app.health().ready()
        && app.streams().metadataForLocalThreads().stream()
            .map(ThreadMetadata::activeTasks)
            .anyMatch(t -> !t.isEmpty());
  }

  private static long count(MeterRegistry meters, String outcome) {
    Counter c = meters.find(RecsMetrics.NAME).tag("outcome", outcome).counter();
    return c == null ? 0 : (long) c.count();
  }
}
