package io.sluice.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.app.SluiceApplication;
import io.sluice.cli.Main;
import io.sluice.config.ConfigKeys;
import io.sluice.config.ConfigLoader;
import io.sluice.config.SluiceConfig;
import io.sluice.embedded.EmbeddedStack;
import io.sluice.models.eval.StratifiedSplit;
import io.sluice.models.fraud.CreditCardCsv;
import io.sluice.models.fraud.FraudModelTrainer;
import io.sluice.models.fraud.FraudModelTrainer.Algorithm;
import io.sluice.samples.FraudDemo;
import io.sluice.samples.FraudEvents;
import io.sluice.samples.OutputCollector;
import io.sluice.schemas.CardTransaction;
import io.sluice.serde.RegistrySettings;
import io.sluice.serde.RestSchemaRegistryClient;
import io.sluice.serde.SchemaRegistryClient;
import io.sluice.serde.SpecificAvroSerde;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replays of the fraud pipeline's input topic on a real broker and registry: the held-out rows of
 * the training program give its ROC-AUC, twice alike; corrupt records are counted; the live
 * application's group and topics are untouched.
 */
class FraudReplayIT {
  private static final Path DATA_DIR =
      Path.of(System.getProperty("sluice.data.dir", "../shared/data"));
  private static final String LIVE_APP = "fraud-live";
  private static final String INPUT = "tx-replay";
  private static final List<String> LIVE_OUTPUTS = List.of("pred-live", "alerts-live", "dlq-live");

  @TempDir static Path work;
  private static EmbeddedStack stack;
  private static Path descriptor;
  private static Path challenger;
  private static SchemaRegistryClient registry;
  private static List<CardTransaction> heldOut;
  private static int produced;
  private static Path configFile;
  private static Map<String, String> config;
  private static String lastOutput;

  @BeforeAll
  static void startStackAndRecordTraffic() throws Exception {
    stack = EmbeddedStack.start();
    descriptor = FraudDemo.ensureModel(DATA_DIR, work.resolve("models"));
    FraudModelTrainer.train(DATA_DIR, work.resolve("models/fraud"), 42, Algorithm.FM);
    challenger = work.resolve("models/fraud/fraud-fm.json");
    registry = new RestSchemaRegistryClient(RegistrySettings.of(stack.registry().url()));
    heldOut = heldOutRows();
    stack.kafka().createTopics(2, INPUT, "pred-live", "alerts-live", "dlq-live", "replay-out");
    produced = FraudDemo.produce(stack.kafka().bootstrapServers(), registry, INPUT, heldOut, true);
    config =
        new HashMap<>(FraudDemo.pipelineConfig(stack, descriptor, LIVE_APP, work.resolve("state")));
    config.put(ConfigKeys.INPUT_TOPIC, INPUT);
    config.put(ConfigKeys.OUTPUT_TOPIC, "pred-live");
    config.put(ConfigKeys.ALERTS_TOPIC, "alerts-live");
    config.put(ConfigKeys.DLQ_TOPIC, "dlq-live");
    config.put(ConfigKeys.METRICS_PORT, "-1");
    configFile = work.resolve("fraud.properties");
    Properties p = new Properties();
    p.putAll(config);
    try (var out = Files.newBufferedWriter(configFile)) {
      p.store(out, null);
    }
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

  /** The test split of the training program: the same stratified split with the same seed. */
  private static List<CardTransaction> heldOutRows() throws Exception {
    CreditCardCsv.Table table =
        CreditCardCsv.read(DATA_DIR.resolve("fraud/creditcard_adjustedl.csv"));
    long seed = trainingNode().get("seed").asLong();
    Set<String> ids = new HashSet<>();
    for (int row : StratifiedSplit.of(table.labels(), 0.6, 0.2, seed).test()) {
      ids.add(String.format(java.util.Locale.ROOT, "tx-%05d", row));
    }
    List<CardTransaction> rows =
        FraudEvents.read(DATA_DIR).stream()
            .filter(e -> ids.contains(e.getId().toString()))
            .toList();
    assertThat(rows).hasSize(trainingNode().get("testRows").asInt());
    return rows;
  }

  private static JsonNode trainingNode() throws Exception {
    return new ObjectMapper().readTree(descriptor.toFile()).get("training");
  }

  private static ReplayReport replayWithCli(String name, String... extra) throws Exception {
    Path dir = work.resolve(name);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    List<String> args =
        new java.util.ArrayList<>(
            List.of(
                "replay",
                "--config",
                configFile.toString(),
                "--model",
                descriptor.toString(),
                "--report-dir",
                dir.toString()));
    args.addAll(List.of(extra));
    int rc =
        Main.execute(
            new PrintWriter(out, true), new PrintWriter(err, true), args.toArray(new String[0]));
    assertThat(rc).as("exit code; stderr: %s", err).isZero();
    assertThat(out.toString()).contains("replay ").contains("100%").contains("ROC-AUC");
    lastOutput = out.toString();
    System.out.println(lastOutput);
    return ReplayReport.readJson(dir.resolve(ReplayReport.JSON_FILE));
  }

  @Test
  void replayOfTheHeldOutRowsGivesTheTrainingRocAucTwiceAlikeAndCountsCorruptRecords()
      throws Exception {
    Map<TopicPartition, OffsetAndMetadata> liveOffsets =
        Map.of(
            new TopicPartition(INPUT, 0), new OffsetAndMetadata(3),
            new TopicPartition(INPUT, 1), new OffsetAndMetadata(5));
    ReplayReport first;
    ReplayReport second;
    try (Admin admin = stack.kafka().admin()) {
      admin.alterConsumerGroupOffsets(LIVE_APP, liveOffsets).all().get();
      first = replayWithCli("first", "--output-topic", "replay-out");
      second = replayWithCli("second");
      // the predictions went where asked, and only there
      assertThat(endOffsets(admin, "replay-out")).isEqualTo((long) heldOut.size());
      for (String live : LIVE_OUTPUTS) {
        assertThat(endOffsets(admin, live)).as(live).isZero();
      }
      assertThat(admin.listConsumerGroupOffsets(LIVE_APP).partitionsToOffsetAndMetadata().get())
          .isEqualTo(liveOffsets);
    }

    assertThat(first.recordsInRange()).isEqualTo(produced);
    ReplayReport.VersionReport v = first.versions().get(0);
    assertThat(v.model()).isEqualTo("fraud-logreg:1");
    assertThat(v.predictions()).isEqualTo(heldOut.size());
    assertThat(v.unlabelled()).isZero();
    // held-out rows: nothing the model was trained on, no warning
    assertThat(v.training().recorded()).isTrue();
    assertThat(v.training().inTraining()).isZero();
    assertThat(first.warnings()).isEmpty();
    double trainingAuc = trainingNode().get("testRocAuc").asDouble();
    assertThat(v.metrics().rocAuc()).isCloseTo(trainingAuc, within(1e-9));
    assertThat(v.metrics().records()).isEqualTo(heldOut.size());
    assertThat(v.metrics().positives())
        .isEqualTo((int) heldOut.stream().filter(e -> e.getLabel() == 1).count());
    assertThat(v.alerts())
        .isEqualTo(
            v.metrics().confusion().truePositives() + v.metrics().confusion().falsePositives());

    // the six corrupt records, by reason
    Map<String, Long> expectedReasons =
        FraudDemo.poisonPills(
                new SpecificAvroSerde<>(
                        registry, CardTransaction.class, io.sluice.serde.RecordPart.VALUE, true)
                    .serializer(),
                INPUT,
                heldOut.get(0))
            .stream()
            .collect(
                Collectors.groupingBy(FraudDemo.PoisonPill::expectedReason, Collectors.counting()));
    assertThat(v.deadLetters()).isEqualTo(expectedReasons);

    // twice alike
    assertThat(second.versions().get(0).metrics()).isEqualTo(v.metrics());
    assertThat(second.versions().get(0).deadLetters()).isEqualTo(v.deadLetters());
    assertThat(second.replayId()).isNotEqualTo(first.replayId()).startsWith(LIVE_APP + "-replay-");
  }

  @Test
  void aChampionAndAFactorizationMachineChallengerReplayedTogetherGetAReportSideBySide()
      throws Exception {
    ReplayReport report =
        replayWithCli("side-by-side", "--model", challenger.toString(), "--promote-if", "better");
    String cli = lastOutput;

    assertThat(report.versions())
        .extracting(ReplayReport.VersionReport::model)
        .containsExactly("fraud-logreg:1", "fraud-fm:1");
    ReplayReport.VersionReport champion = report.versions().get(0);
    ReplayReport.VersionReport fm = report.versions().get(1);
    assertThat(fm.predictions()).isEqualTo(champion.predictions()).isEqualTo(heldOut.size());
    assertThat(fm.metrics().rocAuc())
        .isCloseTo(
            new ObjectMapper()
                .readTree(challenger.toFile())
                .get("training")
                .get("testRocAuc")
                .asDouble(),
            within(1e-9))
        .isNotEqualTo(champion.metrics().rocAuc());

    ReplayReport.Comparison c = report.comparisons().get(0);
    assertThat(c.champion()).isEqualTo("fraud-logreg:1");
    assertThat(c.challenger()).isEqualTo("fraud-fm:1");
    assertThat(c.commonRecords()).isEqualTo(heldOut.size());
    assertThat(c.disagreementRate()).isEqualTo((double) c.disagreements() / c.commonRecords());
    assertThat(c.largestDifferences()).hasSize(10);
    // each version's predicted class is its own alert rule's, so it agrees with "disagree"
    assertThat(c.largestDifferences())
        .allSatisfy(
            d ->
                assertThat(d.disagree())
                    .isEqualTo(!d.championPredicted().equals(d.challengerPredicted())));

    // the verdict: each headline metric's difference with a 95% interval
    assertThat(c.verdicts())
        .extracting(ReplayReport.MetricVerdict::metric)
        .containsExactly(
            "ROC-AUC",
            "PR-AUC",
            "recall at equal alert volume",
            "precision at equal alert volume",
            "F1 at equal alert volume");
    assertThat(c.verdicts())
        .allSatisfy(
            mv -> {
              assertThat(mv.records()).isEqualTo(heldOut.size());
              assertThat(mv.low()).isLessThanOrEqualTo(mv.difference());
              assertThat(mv.high()).isGreaterThanOrEqualTo(mv.difference());
              assertThat(mv.high()).isGreaterThan(mv.low());
              assertThat(mv.verdict()).isIn("better", "worse", "no significant difference");
            });
    ReplayReport.MetricVerdict auc = c.on("ROC-AUC").orElseThrow();
    assertThat(auc.champion()).isCloseTo(champion.metrics().rocAuc(), within(1e-12));
    assertThat(auc.challenger()).isCloseTo(fm.metrics().rocAuc(), within(1e-12));
    assertThat(auc.difference())
        .isCloseTo(fm.metrics().rocAuc() - champion.metrics().rocAuc(), within(1e-12));
    ReplayReport.MetricVerdict recall = c.on("recall at equal alert volume").orElseThrow();
    assertThat(recall.champion()).isCloseTo(champion.metrics().recall(), within(1e-12));
    assertThat(recall.note()).contains(champion.alerts() + " alerts");
    assertThat(c.verdict()).startsWith("fraud-fm:1 against fraud-logreg:1: ");
    assertThat(cli)
        .contains("verdict: " + c.verdict())
        .contains("ROC-AUC")
        .contains("95% CI")
        .contains("promote: ");
    assertThat(cli.indexOf("verdict: ")).isLessThan(cli.indexOf("fraud-logreg:1 "));
    assertThat(champion.warmupRecords()).isPositive();
    String page = Files.readString(work.resolve("side-by-side").resolve(HtmlReport.HTML_FILE));
    assertThat(page.indexOf("id=\"verdict\""))
        .isPositive()
        .isLessThan(page.indexOf("<h2>Metrics"))
        .isLessThan(page.indexOf(" records of topic "));
    assertThat(page).contains("<h2>Calibration bins</h2>");
    assertTheHtmlReportDrawsEveryChart(report, work.resolve("side-by-side"));
    assertThat(c.largestDifferences())
        .isSortedAccordingTo(
            java.util.Comparator.comparingDouble(
                    (ReplayReport.Difference d) ->
                        Math.abs(d.championScore() - d.challengerScore()))
                .reversed());
  }

  /**
   * Opens the HTML report in headless Chromium: every chart has drawn series; the screenshot and
   * the page are kept under {@code target/replay-report} as build artifacts.
   */
  private static void assertTheHtmlReportDrawsEveryChart(ReplayReport report, Path dir)
      throws Exception {
    Path html = dir.resolve(HtmlReport.HTML_FILE);
    String page = Files.readString(html);
    assertThat(page).doesNotContain("http://", "https://").contains("fraud-fm:1");
    Path artifacts = Files.createDirectories(Path.of("target", "replay-report"));
    Files.copy(html, artifacts.resolve(HtmlReport.HTML_FILE), StandardCopyOption.REPLACE_EXISTING);
    Chromium chromium = Chromium.find();
    String dom = chromium.dumpDom(html, work);
    int charts = HtmlReport.chartCount(report);
    assertThat(charts).isEqualTo(3 + 2 + 2);
    assertThat(dom).contains("data-charts-drawn=\"" + charts + "\"");
    assertThat(dom.split("<svg class=\"chart\"", -1)).hasSize(charts + 1);
    Path png = artifacts.resolve("replay-report.png");
    chromium.screenshot(html, work, png, 1400, 2400);
    assertThat(Files.size(png)).isGreaterThan(50_000);
  }

  @Test
  void aLiveRunWithAShadowChallengerWritesItsPredictionsApartAndAlertsOnlyOnTheModel()
      throws Exception {
    stack.kafka().createTopics(2, "pred-shadow", "alerts-shadow", "dlq-shadow", "shadow-fm");
    stack.kafka().createTopics(1, "unused-alerts", "unused-dlq");
    Map<String, String> c = new HashMap<>(config);
    c.put(ConfigKeys.APPLICATION_ID, "fraud-shadow-run");
    c.put(ConfigKeys.STATE_DIR, work.resolve("state-shadow").toString());
    c.put(ConfigKeys.OUTPUT_TOPIC, "pred-shadow");
    c.put(ConfigKeys.ALERTS_TOPIC, "alerts-shadow");
    c.put(ConfigKeys.DLQ_TOPIC, "dlq-shadow");
    c.put(ConfigKeys.SHADOW_MODEL_DESCRIPTOR, challenger.toString());
    c.put(ConfigKeys.SHADOW_OUTPUT_TOPIC, "shadow-fm");
    c.put("kafka.auto.offset.reset", "earliest");
    String bootstrap = stack.kafka().bootstrapServers();
    try (SluiceApplication app =
            SluiceApplication.create(
                ConfigLoader.load(Optional.empty(), Map.of(), c), new SimpleMeterRegistry());
        OutputCollector live =
            new OutputCollector(bootstrap, registry, "pred-shadow", "alerts-shadow", "dlq-shadow");
        OutputCollector shadow =
            new OutputCollector(bootstrap, registry, "shadow-fm", "unused-alerts", "unused-dlq")) {
      app.start();
      assertThat(live.awaitOutputs(produced, Duration.ofMinutes(2))).isTrue();
      assertThat(shadow.awaitOutputs(heldOut.size(), Duration.ofMinutes(1))).isTrue();
      assertThat(live.predictions()).hasSize(heldOut.size());
      assertThat(live.predictions())
          .extracting(p -> p.getModelName().toString())
          .containsOnly("fraud-logreg");
      assertThat(shadow.predictions())
          .hasSize(heldOut.size())
          .extracting(p -> p.getModelName().toString())
          .containsOnly("fraud-fm");
      double threshold = app.model().descriptor().alertThreshold().getAsDouble();
      assertThat(live.alerts())
          .hasSize((int) live.predictions().stream().filter(p -> p.getScore() >= threshold).count())
          .extracting(a -> a.getModelName().toString())
          .containsOnly("fraud-logreg");
    }
  }

  @Test
  void aReplayOverTrainingRowsWarnsWithTheShareOfRecordsEachVersionWasTrainedOn() throws Exception {
    List<CardTransaction> all = FraudEvents.read(DATA_DIR);
    Set<String> heldOutIds =
        heldOut.stream().map(e -> e.getId().toString()).collect(Collectors.toSet());
    // the descriptor's training rows leave exactly the training program's test split
    assertThat(FraudEvents.heldOut(all, descriptor))
        .extracting(e -> e.getId().toString())
        .containsExactlyInAnyOrderElementsOf(heldOutIds);
    List<CardTransaction> mixed = all.subList(0, 300);
    long trained = mixed.stream().filter(e -> !heldOutIds.contains(e.getId().toString())).count();
    assertThat(trained).isBetween(200L, 280L);
    stack.kafka().createTopics(1, "tx-trained");
    FraudDemo.produce(stack.kafka().bootstrapServers(), registry, "tx-trained", mixed, false);
    Map<String, String> c = new HashMap<>(config);
    c.put(ConfigKeys.INPUT_TOPIC, "tx-trained");

    ReplayReport report =
        Replay.run(
            new Replay.Settings(
                ConfigLoader.load(Optional.empty(), Map.of(), c),
                List.of(descriptor, challenger),
                new ReplayRange(
                    OptionalLong.empty(), OptionalLong.empty(), Optional.empty(), Optional.empty()),
                Optional.empty()),
            registry,
            total -> new Progress(new PrintWriter(new StringWriter()), false, total));

    assertThat(report.versions())
        .allSatisfy(
            v -> {
              assertThat(v.training().recorded()).isTrue();
              assertThat(v.training().predictions()).isEqualTo(300);
              assertThat(v.training().inTraining()).isEqualTo(trained);
              assertThat(v.training().share()).isEqualTo(trained / 300.0);
              assertThat(v.training().warning())
                  .startsWith(v.model() + " was trained on " + trained + " of the 300 records")
                  .contains("train and validation");
            });
    assertThat(report.warnings()).hasSize(2);
    String page = HtmlReport.render(report);
    assertThat(page.indexOf("Warning: fraud-logreg:1 was trained on " + trained))
        .isPositive()
        .isLessThan(page.indexOf("<h2>Metrics"));
    System.out.println(report.warnings());
  }

  @Test
  void replayReadsExactlyTheOffsetOrTimeRangeAndRefusesALiveTopic() throws Exception {
    SluiceConfig cfg = ConfigLoader.load(Optional.empty(), Map.of(), config);
    ReplayReport report =
        Replay.run(
            new Replay.Settings(
                cfg,
                List.of(descriptor),
                new ReplayRange(
                    OptionalLong.of(10), OptionalLong.of(60), Optional.empty(), Optional.empty()),
                Optional.empty()),
            registry,
            total -> new Progress(new PrintWriter(new StringWriter()), false, total));
    assertThat(report.recordsInRange()).isEqualTo(100);
    ReplayReport.VersionReport v = report.versions().get(0);
    assertThat(v.predictions() + v.deadLetterCount()).isEqualTo(100);
    assertThat(report.range().values())
        .allSatisfy(b -> assertThat(b).isEqualTo(new ReplayRange.Bounds(10, 60)));
    // by time: the records were produced just now
    Instant later = Instant.now().plusSeconds(3600);
    ReplayReport all =
        Replay.run(
            new Replay.Settings(
                cfg,
                List.of(descriptor),
                new ReplayRange(
                    OptionalLong.empty(),
                    OptionalLong.empty(),
                    Optional.of(Instant.EPOCH),
                    Optional.of(later)),
                Optional.empty()),
            registry,
            total -> new Progress(new PrintWriter(new StringWriter()), false, total));
    assertThat(all.recordsInRange()).isEqualTo(produced);
    ReplayReport none =
        Replay.run(
            new Replay.Settings(
                cfg,
                List.of(descriptor),
                new ReplayRange(
                    OptionalLong.empty(),
                    OptionalLong.empty(),
                    Optional.of(later),
                    Optional.empty()),
                Optional.empty()),
            registry,
            total -> new Progress(new PrintWriter(new StringWriter()), false, total));
    assertThat(none.recordsInRange()).isZero();
    assertThat(none.versions().get(0).predictions()).isZero();
    assertThat(none.versions().get(0).metrics()).isNull();

    StringWriter err = new StringWriter();
    int rc =
        Main.execute(
            new PrintWriter(new StringWriter(), true),
            new PrintWriter(err, true),
            "replay",
            "--config",
            configFile.toString(),
            "--model",
            descriptor.toString(),
            "--output-topic",
            "alerts-live");
    assertThat(rc).isNotZero();
    assertThat(err.toString()).contains("alerts-live").contains(ConfigKeys.ALERTS_TOPIC);
  }

  private static long endOffsets(Admin admin, String topic) throws Exception {
    Map<TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> query = new HashMap<>();
    for (int p = 0; p < 2; p++) {
      query.put(new TopicPartition(topic, p), org.apache.kafka.clients.admin.OffsetSpec.latest());
    }
    return admin.listOffsets(query).all().get().values().stream().mapToLong(r -> r.offset()).sum();
  }
}
