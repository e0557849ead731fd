package io.sluice.replay;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.config.ConfigKeys;
import io.sluice.config.ConfigLoader;
import io.sluice.config.SluiceConfig;
import io.sluice.embedded.EmbeddedStack;
import io.sluice.eval.Ranking;
import io.sluice.eval.RankingMetrics;
import io.sluice.inference.ExecutionProvider;
import io.sluice.inference.InferenceSettings;
import io.sluice.inference.ModelHandle;
import io.sluice.inference.ModelLoader;
import io.sluice.inference.ModelRunner;
import io.sluice.kinds.recommendation.Catalogue;
import io.sluice.kinds.recommendation.Rating;
import io.sluice.kinds.recommendation.RecommendationKind;
import io.sluice.kinds.recommendation.UserState;
import io.sluice.metrics.PipelineMetrics;
import io.sluice.pipeline.PipelineContext;
import io.sluice.pipeline.PipelineKinds;
import io.sluice.samples.RecsDemo;
import io.sluice.samples.RecsEvents;
import io.sluice.schemas.RatingEvent;
import io.sluice.serde.RegistrySettings;
import io.sluice.serde.RestSchemaRegistryClient;
import io.sluice.serde.SchemaRegistryClient;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replays of the recommendation pipeline's input topic on a real broker and registry: the
 * prequential HitRate and NDCG, model and popularity, equal a direct computation over the same
 * events with the live pipeline's state logic, twice alike; corrupt records are counted; the live
 * topics and groups are untouched.
 */
class RecsReplayIT {
  private static final Path DATA_DIR =
      Path.of(System.getProperty("sluice.data.dir", "../shared/data"));
  private static final String LIVE_APP = "recs-live";
  private static final String INPUT = "ratings-replay";
  private static final int PARTITIONS = 2;

  @TempDir static Path work;
  private static EmbeddedStack stack;
  private static Path descriptor;
  private static SchemaRegistryClient registry;
  private static List<RatingEvent> sent;
  private static SluiceConfig config;

  @BeforeAll
  static void startStackAndRecordRatings() throws Exception {
    stack = EmbeddedStack.start();
    descriptor = RecsDemo.ensureModel(DATA_DIR, work.resolve("models"));
    registry = new RestSchemaRegistryClient(RegistrySettings.of(stack.registry().url()));
    List<RatingEvent> all = RecsEvents.read(DATA_DIR);
    stack.kafka().createTopics(PARTITIONS, INPUT, "recs-live", "dlq-live");
    sent =
        RecsDemo.produce(
            stack.kafka().bootstrapServers(),
            registry,
            INPUT,
            all.subList(all.size() - 2000, all.size()),
            true);
    Map<String, String> c =
        new HashMap<>(RecsDemo.pipelineConfig(stack, descriptor, LIVE_APP, work.resolve("state")));
    c.put(ConfigKeys.INPUT_TOPIC, INPUT);
    c.put(ConfigKeys.OUTPUT_TOPIC, "recs-live");
    c.put(ConfigKeys.DLQ_TOPIC, "dlq-live");
    c.put(ConfigKeys.METRICS_PORT, "-1");
    config = ConfigLoader.load(Optional.empty(), Map.of(), c);
  }

  @AfterAll
  static void stopStack() {
    if (registry != null) {
      registry.close();
    }
    if (stack != null) {
      stack.close();
    }
  }

  private static ReplayReport replay(Path... descriptors) {
    return Replay.run(
        new Replay.Settings(
            config,
            List.of(descriptors),
            new ReplayRange(
                OptionalLong.empty(), OptionalLong.empty(), Optional.empty(), Optional.empty()),
            Optional.empty()),
        registry,
        total -> new Progress(new PrintWriter(new StringWriter()), false, total));
  }

  @Test
  void prequentialMetricsEqualADirectComputationTwiceAlikeAndLeaveTheLiveAppAlone()
      throws Exception {
    ReplayReport first = replay(descriptor);
    ReplayReport second = replay(descriptor);

    assertThat(first.recordsInRange()).isEqualTo(sent.size());
    ReplayReport.VersionReport v = first.versions().get(0);
    long corrupt = sent.stream().filter(e -> e == null).count();
    assertThat(v.deadLetters())
        .isEqualTo(Map.of("UNKNOWN_SCHEMA_ID", 1L, "WRONG_MAGIC_BYTE", 1L, "MALFORMED_AVRO", 1L));
    assertThat(v.deadLetterCount()).isEqualTo(corrupt);
    assertThat(v.predictions()).isEqualTo(sent.size() - corrupt);

    RankingMetrics expected = direct();
    RankingMetrics ranking = v.ranking();
    System.out.printf(
        "recs replay: %d events, HitRate@%d %.4f vs popularity %.4f, NDCG %.4f vs %.4f%n",
        ranking.events(),
        ranking.k(),
        ranking.hitRate(),
        ranking.popularityHitRate(),
        ranking.ndcg(),
        ranking.popularityNdcg());
    assertThat(ranking).isEqualTo(expected);
    assertThat(ranking.events()).isGreaterThan(1900);
    assertThat(ranking.hitRate()).isGreaterThan(ranking.popularityHitRate());
    assertThat(second.versions().get(0).ranking()).isEqualTo(ranking);
    assertThat(second.versions().get(0).deadLetters()).isEqualTo(v.deadLetters());

    try (Admin admin = stack.kafka().admin()) {
      for (String live : List.of("recs-live", "dlq-live")) {
        Map<TopicPartition, OffsetSpec> query = new HashMap<>();
        for (int p = 0; p < PARTITIONS; p++) {
          query.put(new TopicPartition(live, p), OffsetSpec.latest());
        }
        assertThat(admin.listOffsets(query).all().get().values())
            .as(live)
            .allSatisfy(r -> assertThat(r.offset()).isZero());
      }
      // neither the live application's group nor one of the replay's own exists
      assertThat(admin.listGroups().all().get()).noneMatch(g -> g.groupId().startsWith(LIVE_APP));
    }

    Path dir = work.resolve("report");
    first.writeJson(dir);
    assertThat(ReplayReport.readJson(dir.resolve(ReplayReport.JSON_FILE))).isEqualTo(first);
    Path html = HtmlReport.write(first, dir);
    assertThat(Files.readString(html))
        .doesNotContain("http://", "https://")
        .contains("HitRate@10 popularity", "NDCG@10");
    // the bar chart of HitRate and NDCG against popularity, and the latency histogram
    int charts = HtmlReport.chartCount(first);
    assertThat(charts).isEqualTo(2);
    String dom = Chromium.find().dumpDom(html, work);
    assertThat(dom).contains("data-charts-drawn=\"" + charts + "\"");
  }

  @Test
  void twoVersionsAreComparedEventByEventOnTheirFirstItems() throws Exception {
    // the same model under another version: the lists must agree everywhere
    ObjectNode d = (ObjectNode) new ObjectMapper().readTree(descriptor.toFile());
    d.put("version", "2");
    Path copy = descriptor.resolveSibling("recommender-v2.json");
    new ObjectMapper().writeValue(copy.toFile(), d);

    ReplayReport report = replay(descriptor, copy);

    assertThat(report.versions()).hasSize(2);
    ReplayReport.VersionReport champion = report.versions().get(0);
    ReplayReport.VersionReport challenger = report.versions().get(1);
    assertThat(challenger.model()).endsWith(":2");
    assertThat(challenger.ranking()).isEqualTo(champion.ranking());
    ReplayReport.Comparison c = report.comparisons().get(0);
    assertThat(c.commonRecords()).isEqualTo(champion.predictions());
    assertThat(c.disagreements()).isZero();
    assertThat(c.largestDifferences())
        .hasSize(10)
        .allSatisfy(diff -> assertThat(diff.challengerScore()).isEqualTo(diff.championScore()));
    assertThat(HtmlReport.chartCount(report)).isEqualTo(3);
    // the verdict: HitRate@K and NDCG@K, no difference between identical lists
    int k = champion.ranking().k();
    assertThat(c.verdicts())
        .extracting(ReplayReport.MetricVerdict::metric)
        .containsExactly("HitRate@" + k, "NDCG@" + k);
    assertThat(c.on("HitRate@" + k).orElseThrow().champion())
        .isCloseTo(champion.ranking().hitRate(), org.assertj.core.api.Assertions.within(1e-12));
    assertThat(c.on("NDCG@" + k).orElseThrow().champion())
        .isCloseTo(champion.ranking().ndcg(), org.assertj.core.api.Assertions.within(1e-12));
    assertThat(c.verdicts())
        .allSatisfy(
            mv -> {
              assertThat(mv.records()).isEqualTo((int) champion.ranking().events());
              assertThat(mv.difference()).isZero();
              assertThat(mv.verdict()).isEqualTo("no significant difference");
            });
    System.out.println(c.verdict());
  }

  /**
   * Prequential HitRate and NDCG computed here: each partition's events in the order produced, the
   * live pipeline's state rule, one model call per event, and popularity by sorting the counts.
   */
  private static RankingMetrics direct() throws Exception {
    try (ModelRunner runner =
        ModelLoader.load(
            descriptor, InferenceSettings.defaults().withProvider(ExecutionProvider.CPU))) {
      RecommendationKind.Parts parts =
          RecommendationKind.parts(
              new PipelineContext(
                  config,
                  PipelineKinds.resolve(config).settings(),
                  registry,
                  new ModelHandle(runner),
                  new PipelineMetrics(new SimpleMeterRegistry(), "recs")));
      Catalogue catalogue = parts.catalogue();
      int k = parts.settings().k();
      int width = catalogue.maxRecent();
      Ranking.Accumulator model = new Ranking.Accumulator(k);
      Ranking.Accumulator popularity = new Ranking.Accumulator(k);
      for (int partition = 0; partition < PARTITIONS; partition++) {
        Map<Long, UserState> users = new HashMap<>();
        int[] counts = new int[catalogue.size()];
        for (RatingEvent avro : sent) {
          if (avro == null || partition(avro.getUserId()) != partition) {
            continue;
          }
          Rating e =
              new Rating(
                  avro.getUserId(),
                  avro.getItemId(),
                  avro.getRating(),
                  avro.getEventTime().toEpochMilli(),
                  String.valueOf(avro.getEventId()));
          UserState before = users.getOrDefault(e.userId(), UserState.empty());
          Rating.Transition t = e.applyTo(before, catalogue, parts.settings());
          if (!t.applied()) {
            continue;
          }
          Set<Integer> rated = new HashSet<>();
          for (int i : before.rated()) {
            rated.add(i);
          }
          int item = catalogue.indexOf(e.itemId());
          List<Integer> list = new ArrayList<>();
          int[] recent = before.recentItems();
          if (recent.length == 0) {
            // the live pipeline's fallback: the training popularity list
            list.addAll(trainingPopular(catalogue, rated, k));
          } else {
            long[] items = new long[width];
            float[] weights = new float[width];
            float w = 1f;
            for (int j = 0; j < recent.length; j++) {
              items[j] = recent[j];
              weights[j] = w;
              w *= catalogue.decay();
            }
            long[] exclude = Arrays.stream(before.ratedSet()).asLongStream().toArray();
            long[] top =
                parts
                    .model()
                    .apply(runner)
                    .topK(
                        items,
                        weights,
                        exclude,
                        exclude.length,
                        1,
                        width,
                        Math.min(catalogue.size(), k))[0]
                    .items();
            for (long i : top) {
              if (!rated.contains((int) i) && list.size() < k) {
                list.add((int) i);
              }
            }
          }
          model.add(list.indexOf(item));
          List<Integer> byCount =
              IntStream.range(0, counts.length)
                  .boxed()
                  .filter(i -> !rated.contains(i))
                  .sorted(Comparator.comparingInt((Integer i) -> -counts[i]).thenComparing(i -> i))
                  .limit(k)
                  .toList();
          popularity.add(byCount.indexOf(item));
          counts[item]++;
          users.put(e.userId(), t.state());
        }
      }
      return RankingMetrics.of(model, popularity);
    }
  }

  private static List<Integer> trainingPopular(Catalogue catalogue, Set<Integer> rated, int k) {
    List<Integer> list = new ArrayList<>();
    for (int i : catalogue.popularList()) {
      if (!rated.contains(i) && list.size() < k) {
        list.add(i);
      }
    }
    return list;
  }

  private static int partition(long userId) {
    byte[] key = Long.toString(userId).getBytes(StandardCharsets.UTF_8);
    return Utils.toPositive(Utils.murmur2(key)) % PARTITIONS;
  }
}
