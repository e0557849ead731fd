package io.sluice.kinds.recommendation;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.config.ConfigLoader;
import io.sluice.config.SluiceConfig;
import io.sluice.errors.DeadLetter;
import io.sluice.metrics.PipelineMetrics;
import io.sluice.pipeline.PipelineParts;
import io.sluice.schemas.CardTransaction;
import io.sluice.schemas.RatingEvent;
import io.sluice.schemas.Recommendation;
import io.sluice.schemas.RecommendationSource;
import io.sluice.schemas.RecommendedItem;
import io.sluice.schemas.TriggerStatus;
import io.sluice.serde.AvroRecordDecoder;
import io.sluice.serde.LocalSchemaRegistry;
import io.sluice.serde.RecordPart;
import io.sluice.serde.SpecificAvroSerde;
import io.sluice.topology.EventDecoder;
import io.sluice.topology.TopologyFactory;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The recommendation topology through TopologyTestDriver, registry-less, with a stand-in model that
 * ranks the catalogue in index order: what comes out shows the state, the filtering and the
 * handling of odd events.
 */
class RecommendationTopologyTest {
  private static final int ITEMS = 20;
  private static final RecsSettings SETTINGS = new RecsSettings(3, 4, 5, 0.5f, 5f);

  private final LocalSchemaRegistry registry = LocalSchemaRegistry.fromClasspath();
  private final SpecificAvroSerde<RatingEvent> events =
      new SpecificAvroSerde<>(registry, RatingEvent.class, RecordPart.VALUE, true);
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final List<Integer> requestedK = new ArrayList<>();
  private final List<long[]> modelRows = new ArrayList<>();
  private final List<java.util.Set<Long>> excludedRows = new ArrayList<>();
  private TopologyTestDriver driver;
  private TestInputTopic<String, byte[]> input;
  private TestOutputTopic<byte[], byte[]> output;
  private TestOutputTopic<byte[], byte[]> deadLetters;

  /** Items 100..119 titled "Movie 100"...; popularity ranks them from the last to the first. */
  static Catalogue catalogue() {
    long[] ids = new long[ITEMS];
    String[] titles = new String[ITEMS];
    int[] popular = new int[ITEMS];
    int[] counts = new int[ITEMS];
    for (int i = 0; i < ITEMS; i++) {
      ids[i] = 100 + i;
      titles[i] = "Movie " + (100 + i);
      popular[i] = ITEMS - 1 - i;
      counts[i] = 1000 - i;
    }
    return new Catalogue(ids, titles, popular, counts, 6, 0.5f);
  }

  /** Whether {@link #rate} keys events by user id (else by event id). */
  private boolean keyByUser = true;

  @BeforeEach
  void setUp() {
    start(false);
  }

  private void start(boolean repartition) {
    SluiceConfig config =
        ConfigLoader.load(
            Optional.empty(),
            Map.of(),
            Map.of(
                "application.id", "recs-test",
                "bootstrap.servers", "unused:9092",
                "pipeline.name", "recs",
                "pipeline.batch.max.size", "1",
                "pipeline.input.topic", "ratings",
                "pipeline.output.topic", "recommendations",
                "pipeline.dlq.topic", "recs-dead-letters"));
    SluiceConfig.Pipeline p = config.pipeline();
    // The stand-in model returns catalogue items 0, 1, 2, ... with falling scores, skipping the
    // excluded ones and giving them last if fewer than k are left, as the ONNX graph does.
    CandidateModel model =
        (items, weights, exclude, excludeWidth, rows, width, k) -> {
          requestedK.add(k);
          CandidateModel.Candidates[] out = new CandidateModel.Candidates[rows];
          for (int r = 0; r < rows; r++) {
            long[] row = new long[width];
            System.arraycopy(items, r * width, row, 0, width);
            modelRows.add(row);
            java.util.Set<Long> excluded = new java.util.TreeSet<>();
            for (int j = 0; j < excludeWidth; j++) {
              excluded.add(exclude[r * excludeWidth + j]);
            }
            excludedRows.add(excluded);
            long[] top = new long[k];
            float[] scores = new float[k];
            int n = 0;
            for (long i = 0; i < ITEMS && n < k; i++) {
              if (!excluded.contains(i)) {
                top[n] = i;
                scores[n] = k - n;
                n++;
              }
            }
            for (java.util.Iterator<Long> it = excluded.iterator(); n < k; n++) {
              top[n] = it.next();
              scores[n] = Float.NEGATIVE_INFINITY;
            }
            out[r] = new CandidateModel.Candidates(top, scores);
          }
          return out;
        };
    PipelineParts parts =
        RecommendationKind.live(
            p,
            new RecommendationKind.Parts(
                catalogue(),
                SETTINGS,
                runner -> model,
                new RecommendationStages.ModelInfo("stand-in", "1")),
            EventDecoder.avro(AvroRecordDecoder.generic(registry)),
            new TopologyFactory.Sink<>(
                RecommendationKind.RECOMMENDATIONS,
                null,
                new SpecificAvroSerde<>(registry, Recommendation.class, RecordPart.VALUE, true)
                    .serializer()),
            new PipelineMetrics(meters, p.name()),
            repartition);
    var topology =
        TopologyFactory.build(
            p, parts.plan(null, Optional.empty()), new PipelineMetrics(meters, p.name()));
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "recs-topology-test");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    driver = new TopologyTestDriver(topology, props, Instant.ofEpochMilli(0));
    input = driver.createInputTopic("ratings", new StringSerializer(), new ByteArraySerializer());
    output =
        driver.createOutputTopic(
            "recommendations", new ByteArrayDeserializer(), new ByteArrayDeserializer());
    deadLetters =
        driver.createOutputTopic(
            "recs-dead-letters", new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  @AfterEach
  void tearDown() {
    driver.close();
  }

  private void rate(long user, long item, float rating, long time) {
    RatingEvent e =
        RatingEvent.newBuilder()
            .setEventId(user + ":" + item + "@" + time)
            .setUserId(user)
            .setItemId(item)
            .setRating(rating)
            .setEventTime(Instant.ofEpochMilli(time))
            .build();
    input.pipeInput(
        keyByUser ? Long.toString(user) : e.getEventId(),
        events.serializer().serialize("ratings", e),
        time);
  }

  private List<Recommendation> read() {
    AvroRecordDecoder<Recommendation> decoder =
        AvroRecordDecoder.specific(registry, Recommendation.class);
    return output.readValuesToList().stream().map(decoder::decode).toList();
  }

  private static List<Long> ids(Recommendation r) {
    return r.getItems().stream().map(RecommendedItem::getItemId).toList();
  }

  private double count(String outcome) {
    var c = meters.find(RecsMetrics.NAME).tag("outcome", outcome).counter();
    return c == null ? 0 : c.count();
  }

  private void rateSome() {
    for (int t = 0; t < 12; t++) {
      rate(1 + t % 3, 100 + (t * 7) % ITEMS, 1f + t % 4, 1000L * (t + 1));
    }
  }

  /** What a recommendation says, without when it was made. */
  private static String content(Recommendation r) {
    return r.getTrigger().getEventId()
        + " "
        + r.getUserId()
        + " "
        + r.getRecentItems()
        + " "
        + ids(r);
  }

  @Test
  void inputNotKeyedByUserIsRepartitionedAndGivesWhatUserKeyedInputGives() {
    rateSome();
    List<String> userKeyed = read().stream().map(RecommendationTopologyTest::content).toList();
    assertThat(userKeyed).hasSize(12);
    double mismatchesBefore = count("key_mismatch");
    assertThat(mismatchesBefore).isZero();
    driver.close();

    start(true);
    keyByUser = false;
    rateSome();
    assertThat(read().stream().map(RecommendationTopologyTest::content).toList())
        .isEqualTo(userKeyed);
    assertThat(count("key_mismatch")).as("keys were user ids after the repartition").isZero();
    assertThat(driver.producedTopicNames()).contains("recs-topology-test-recs-by-key-repartition");
  }

  @Test
  void withoutRepartitioningInputNotKeyedByUserIsCountedAsKeyMismatch() {
    keyByUser = false;
    rateSome();
    assertThat(count("key_mismatch")).isEqualTo(12);
  }

  @Test
  void eachEventGivesAListThatReflectsItAndSkipsRatedItems() {
    rate(7, 100, 4f, 1000);
    rate(7, 102, 3.5f, 2000);

    List<Recommendation> recs = read();

    assertThat(recs).hasSize(2);
    Recommendation first = recs.get(0);
    assertThat(first.getSource()).isEqualTo(RecommendationSource.MODEL);
    assertThat(first.getRecentItems()).containsExactly(100L);
    assertThat(ids(first)).containsExactly(101L, 102L, 103L);
    assertThat(first.getItems().get(0).getTitle()).isEqualTo("Movie 101");
    assertThat(first.getItems()).extracting(RecommendedItem::getRank).containsExactly(1, 2, 3);
    assertThat(first.getTrigger().getStatus()).isEqualTo(TriggerStatus.APPLIED);
    assertThat(first.getModelName()).isEqualTo("stand-in");
    Recommendation second = recs.get(1);
    assertThat(second.getRecentItems()).containsExactly(102L, 100L);
    assertThat(ids(second)).containsExactly(101L, 103L, 104L);
    assertThat(second.getTrigger().getEventId()).isEqualTo("7:102@2000");
    assertThat(modelRows.get(1)).containsExactly(2, 0, 0, 0, 0, 0);
  }

  @Test
  void asksTheModelForKItemsExcludingTheRatedSet() {
    rate(1, 100, 4f, 1);
    rate(1, 101, 4f, 2);
    assertThat(requestedK).containsExactly(3, 3);
    assertThat(excludedRows).containsExactly(java.util.Set.of(0L), java.util.Set.of(0L, 1L));
  }

  @Test
  void neverRecommendsARatedItemAndGivesKItemsWhileTheCatalogueAllows() {
    // The rated set holds the last 5 (ratedMax): the oldest are forgotten, and recommended again.
    for (int i = 0; i < 18; i++) {
      rate(2, 100 + i, 4f, i);
    }

    List<Recommendation> recs = read();

    for (int n = 1; n <= recs.size(); n++) {
      Recommendation r = recs.get(n - 1);
      java.util.Set<Long> rated = new java.util.HashSet<>();
      for (int i = Math.max(0, n - 5); i < n; i++) {
        rated.add(100L + i);
      }
      assertThat(ids(r)).as("list %d", n).doesNotContainAnyElementsOf(rated).hasSize(3);
    }
    assertThat(count("short_list")).isZero();
  }

  @Test
  void keepsOnlyTheConfiguredRecentItems() {
    for (int i = 0; i < 6; i++) {
      rate(1, 100 + i, 4f, i);
    }
    assertThat(read().get(5).getRecentItems()).containsExactly(105L, 104L, 103L, 102L);
  }

  @Test
  void aUserWithNoUsableHistoryGetsThePopularityListAndTheRecordSaysSo() {
    rate(9, 99_999, 4f, 1000);

    Recommendation r = read().get(0);

    assertThat(r.getSource()).isEqualTo(RecommendationSource.POPULARITY);
    assertThat(r.getTrigger().getStatus()).isEqualTo(TriggerStatus.UNKNOWN_ITEM);
    assertThat(ids(r)).containsExactly(119L, 118L, 117L);
    assertThat(r.getItems().get(0).getScore()).isEqualTo(1000.0);
    assertThat(r.getRecentItems()).isEmpty();
    assertThat(requestedK).isEmpty();
    assertThat(count("unknown_item")).isEqualTo(1);
    assertThat(count("popularity_fallback")).isEqualTo(1);
    assertThat(count("new_user")).isEqualTo(1);
  }

  @Test
  void anUnknownItemIsIgnoredForScoringButCounted() {
    rate(3, 105, 4f, 1);
    rate(3, 55_555, 4f, 2);

    Recommendation r = read().get(1);

    assertThat(r.getSource()).isEqualTo(RecommendationSource.MODEL);
    assertThat(r.getRecentItems()).containsExactly(105L);
    assertThat(r.getTrigger().getStatus()).isEqualTo(TriggerStatus.UNKNOWN_ITEM);
    assertThat(count("unknown_item")).isEqualTo(1);
  }

  @Test
  void aRatingOutOfRangeOrNotANumberLeavesTheStateAsItWas() {
    rate(4, 100, 4f, 1);
    rate(4, 101, -2f, 2);
    rate(4, 102, 500f, 3);
    rate(4, 103, Float.NaN, 4);

    List<Recommendation> recs = read();

    assertThat(recs).hasSize(4);
    for (Recommendation r : recs.subList(1, 4)) {
      assertThat(r.getTrigger().getStatus()).isEqualTo(TriggerStatus.INVALID_RATING);
      assertThat(r.getRecentItems()).containsExactly(100L);
      assertThat(ids(r)).containsExactly(101L, 102L, 103L);
    }
    assertThat(count("invalid_rating")).isEqualTo(3);
  }

  @Test
  void anEventOutOfTimeOrderIsPlacedByItsEventTime() {
    rate(5, 100, 4f, 1000);
    rate(5, 110, 4f, 3000);
    rate(5, 105, 4f, 2000);

    Recommendation r = read().get(2);

    assertThat(r.getTrigger().getStatus()).isEqualTo(TriggerStatus.LATE);
    assertThat(r.getRecentItems()).containsExactly(110L, 105L, 100L);
    assertThat(count("late")).isEqualTo(1);
  }

  @Test
  void corruptBytesAndNonRatingEventsGoToTheDeadLetterTopicAndTheStreamGoesOn() {
    rate(6, 100, 4f, 1);
    input.pipeInput("6", new byte[] {0, 0, 0, 0, 1, 2, 3}, 2);
    input.pipeInput("6", new byte[] {9, 9}, 3);
    CardTransaction card =
        CardTransaction.newBuilder()
            .setId("t")
            .setCardId("c")
            .setEventTime(Instant.ofEpochMilli(4))
            .setAmount(1)
            .setFeatures(List.of())
            .setLabel(null)
            .build();
    input.pipeInput(
        "6",
        new SpecificAvroSerde<>(registry, CardTransaction.class, RecordPart.VALUE, true)
            .serializer()
            .serialize("ratings", card),
        4);
    rate(6, 101, 4f, 5);

    List<TestRecord<byte[], byte[]>> dead = deadLetters.readRecordsToList();
    assertThat(dead)
        .extracting(d -> DeadLetter.header(d.headers(), DeadLetter.STAGE))
        .containsExactly("decode", "decode", "featurize");
    assertThat(DeadLetter.header(dead.get(2).headers(), DeadLetter.REASON))
        .isEqualTo("MISSING_FIELD");
    assertThat(dead.get(1).value()).containsExactly(9, 9);
    List<Recommendation> recs = read();
    assertThat(recs).hasSize(2);
    assertThat(recs.get(1).getRecentItems()).containsExactly(101L, 100L);
  }

  @Test
  void countsARecordWhoseKeyIsNotItsUserId() {
    RatingEvent e =
        RatingEvent.newBuilder()
            .setUserId(8)
            .setItemId(100)
            .setRating(3f)
            .setEventTime(Instant.ofEpochMilli(1))
            .build();
    input.pipeInput("someone-else", events.serializer().serialize("ratings", e), 1);

    Recommendation r = read().get(0);

    assertThat(r.getUserId()).isEqualTo(8);
    assertThat(r.getTrigger().getEventId()).isEqualTo("ratings-0@0");
    assertThat(count("key_mismatch")).isEqualTo(1);
  }
}
