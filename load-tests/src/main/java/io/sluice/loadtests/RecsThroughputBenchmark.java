package io.sluice.loadtests;

import com.sun.management.OperatingSystemMXBean;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.app.SluiceApplication;
import io.sluice.config.ConfigKeys;
import io.sluice.config.ConfigLoader;
import io.sluice.embedded.EmbeddedStack;
import io.sluice.inference.ExecutionProvider;
import io.sluice.inference.InferenceSettings;
import io.sluice.inference.ModelLoader;
import io.sluice.inference.ModelRunner;
import io.sluice.inference.Tensor;
import io.sluice.kinds.recommendation.Catalogue;
import io.sluice.kinds.recommendation.RecommendationKeys;
import io.sluice.kinds.recommendation.RecsRequest;
import io.sluice.kinds.recommendation.UserState;
import io.sluice.samples.RecommendationCollector;
import io.sluice.samples.RecsDemo;
import io.sluice.samples.RecsEvents;
import io.sluice.schemas.RatingEvent;
import io.sluice.schemas.TriggerStatus;
import io.sluice.serde.RegistrySettings;
import io.sluice.serde.RestSchemaRegistryClient;
import io.sluice.serde.SchemaRegistryClient;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.DoubleSupplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Measures, in one run on the embedded broker and registry, the recommendation pipeline's events
 * per second end to end against two bounds: the same pipeline with no model (pass-through), and the
 * raw model's users per second at the same batch size and K, rated items excluded.
 *
 * <p>The pipelines: the last {@code --events} MovieLens ratings in time order are produced into a
 * fresh topic first; the clock runs from the moment the application is RUNNING until a {@code
 * read_committed} reader has received the last recommendation. Every event must come out once. The
 * pass-through pipeline is {@link RecsPassThroughKind}: the same state, buffer, batches and output
 * size, with the popularity list in place of the model call.
 *
 * <p>The raw model: the same events are replayed through the same per-user state in this JVM, and
 * the model is called on the same inputs in batches of {@code --batch-size}: recent items, the
 * rated set to exclude (as the pipeline passes it) and K, once to warm up and then timed. No Kafka,
 * no Avro, no state store. A plain top-10 (one excluded item a row) is timed too, to show what the
 * exclusion costs, and so is a Java selection of the top K unrated items from a full score vector
 * (the alternative to excluding inside the model: its best case is the plain top-10 model time plus
 * that selection, not counting the copy of every score out of ONNX Runtime).
 *
 * <p>Contestants alternate, {@code --runs} rounds in a rotated order after untimed warm-ups of
 * each; medians are reported. So are, per pipeline, the changelog records its state stores wrote
 * per event (medians of the measured runs) and the JVM's resident memory at the end, in {@link
 * Footprint}'s lines.
 */
@Command(
    name = "run-recs-benchmark",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description =
        "End-to-end events/s of the recommendation pipeline against the same pipeline without a"
            + " model and the raw model's users/s at the same batch size and K.")
public final class RecsThroughputBenchmark implements Callable<Integer> {

  @Option(
      names = "--events",
      description =
          "Ratings to stream, the last ones of the data set (default: ${DEFAULT-VALUE}, nearly all"
              + " of MovieLens' 100,836: shorter runs are still being compiled by the JIT).")
  int events = 100_000;

  @Option(names = "--batch-size", description = "Micro-batch size (default: ${DEFAULT-VALUE}).")
  int batchSize = 64;

  @Option(
      names = "--linger-ms",
      description = "Micro-batch linger in ms (default: ${DEFAULT-VALUE}).")
  long lingerMs = 50;

  @Option(names = "--k", description = "Items per recommendation list (default: ${DEFAULT-VALUE}).")
  int k = 10;

  @Option(
      names = "--runs",
      description =
          "Measured rounds of every contestant, order rotated (default: ${DEFAULT-VALUE}).")
  int runs = 3;

  @Option(
      names = "--set",
      paramLabel = "KEY=VALUE",
      description =
          "Any other Sluice configuration key for the pipeline, e.g."
              + " pipeline.batch.max.in.flight=0 (repeatable).")
  Map<String, String> settings = new LinkedHashMap<>();

  @Option(names = "--data-dir", description = "Data directory (default: SLUICE_DATA_DIR).")
  Path dataDir =
      Path.of(Optional.ofNullable(System.getenv("SLUICE_DATA_DIR")).orElse("../shared/data"));

  @Option(
      names = "--models-dir",
      description = "Where the recommender is (trained if missing; default: ${DEFAULT-VALUE}).")
  Path modelsDir = Path.of(".sluice", "models");

  private static final int RECENT_MAX = 10;
  private static final int RATED_MAX = 1000;

  public static void main(String[] args) {
    System.exit(new CommandLine(new RecsThroughputBenchmark()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    Path descriptor = RecsDemo.ensureModel(dataDir, modelsDir);
    List<RatingEvent> all = RecsEvents.read(dataDir);
    List<RatingEvent> stream = all.subList(Math.max(0, all.size() - events), all.size());
    System.out.printf(
        Locale.ROOT,
        "recommendation benchmark: %,d ratings, batch size %d, K %d, linger %d ms, %d cores,"
            + " load %s%n",
        stream.size(),
        batchSize,
        k,
        lingerMs,
        Runtime.getRuntime().availableProcessors(),
        loadAverage());

    RawModel raw = new RawModel(Catalogue.read(descriptor), stream);
    raw.printHeaviestUser();
    Map<String, List<Double>> results = new LinkedHashMap<>();
    Measured pipelineRuns = new Measured();
    Measured passThroughRuns = new Measured();
    try (EmbeddedStack stack = EmbeddedStack.start();
        ModelRunner runner =
            ModelLoader.load(
                descriptor, InferenceSettings.defaults().withProvider(ExecutionProvider.CPU))) {
      Map<String, DoubleSupplier> contestants = new LinkedHashMap<>();
      contestants.put(
          PIPELINE,
          () -> pipelineEventsPerSecond(stack, descriptor, stream, "recommendation", pipelineRuns));
      contestants.put(
          PASS_THROUGH,
          () ->
              pipelineEventsPerSecond(
                  stack, descriptor, stream, RecsPassThroughKind.NAME, passThroughRuns));
      contestants.put(RAW_EXCLUDED, () -> raw.usersPerSecond(runner, raw.excluded));
      contestants.put(RAW_TOP10, () -> raw.usersPerSecond(runner, raw.plainTop10));
      contestants.put(JAVA_SELECTION, raw::javaSelectionUsersPerSecond);
      raw.warmUp(runner);
      // Untimed runs of each pipeline over the whole stream, twice: with a 2,000-event warm-up,
      // the rounds still sped up from the first to the last (JIT), 9,000 to 18,000 events/s. With
      // runs of 20,000 events, the JIT's compiler threads still took 32 to 37 us of CPU per event
      // in the measured runs (the by-thread line); with 100,000, 2 to 7.
      for (int i = 0; i < 2; i++) {
        pipelineEventsPerSecond(stack, descriptor, stream, "recommendation", null);
        pipelineEventsPerSecond(stack, descriptor, stream, RecsPassThroughKind.NAME, null);
      }
      List<String> names = new ArrayList<>(contestants.keySet());
      for (int round = 0; round < runs; round++) {
        for (int i = 0; i < names.size(); i++) {
          String name = names.get((i + round) % names.size());
          double v = contestants.get(name).getAsDouble();
          System.out.printf(Locale.ROOT, "round %d  %-36s %,10.0f /s%n", round + 1, name, v);
          results.computeIfAbsent(name, n -> new ArrayList<>()).add(v);
        }
      }
    }
    double pipeline = median(results.get(PIPELINE));
    double passThrough = median(results.get(PASS_THROUGH));
    double model = median(results.get(RAW_EXCLUDED));
    double top10 = median(results.get(RAW_TOP10));
    double select = median(results.get(JAVA_SELECTION));
    // The two raw models run back to back in every round: their ratio per round is robust to a
    // load that changes between rounds on a shared machine.
    List<Double> paired = new ArrayList<>();
    for (int round = 0; round < runs; round++) {
      paired.add(results.get(RAW_EXCLUDED).get(round) / results.get(RAW_TOP10).get(round));
    }
    double excludedShare = median(paired);
    System.out.printf(
        Locale.ROOT,
        "%nsummary: medians of %d round(s), load %s%n"
            + "recommendation pipeline, end to end:     %,10.0f events/s%n"
            + "pass-through pipeline (no model):        %,10.0f events/s%n"
            + "raw model, same inputs, batch and K:     %,10.0f users/s (rated items excluded)%n"
            + "raw model, plain top-%d:                 %,10.0f users/s%n"
            + "Java top-K selection of a full score row: %,9.0f users/s (excluding rated items)%n"
            + "all scores out of the model + Java:      %,10.0f users/s at best (copy not counted)%n"
            + "raw model excluded / plain top-10:       %10.2f (target >= 0.5; median per round)%n"
            + "pipeline / raw model:                    %10.2f = %.0f%% of raw%n"
            + "pipeline / pass-through:                 %10.2f%n"
            + "pipeline / min(pass-through, raw):       %10.2f (target >= 0.85)%n"
            + "cpu us/event, this JVM (application, broker, reader):"
            + " pipeline %.1f, pass-through %.1f%n"
            + "cpu us/event by thread [pipeline]: %s%n"
            + "cpu us/event by thread [pass-through]: %s%n",
        runs,
        loadAverage(),
        pipeline,
        passThrough,
        model,
        k,
        top10,
        select,
        1 / (1 / top10 + 1 / select),
        excludedShare,
        pipeline / model,
        100 * pipeline / model,
        pipeline / passThrough,
        pipeline / Math.min(passThrough, model),
        median(pipelineRuns.cpu),
        median(passThroughRuns.cpu),
        ThreadCpu.line(Footprint.medians(pipelineRuns.threadCpu), 1),
        ThreadCpu.line(Footprint.medians(passThroughRuns.threadCpu), 1));
    System.out.println(
        Footprint.changelogLine(CHANGELOG_PIPELINE, Footprint.medians(pipelineRuns.changelogs)));
    System.out.println(
        Footprint.changelogLine(
            CHANGELOG_PASS_THROUGH, Footprint.medians(passThroughRuns.changelogs)));
    System.out.println(Footprint.rssLine());
    return 0;
  }

  private static final OperatingSystemMXBean OS =
      ManagementFactory.getPlatformMXBean(OperatingSystemMXBean.class);

  private static final String PIPELINE = "pipeline";
  private static final String PASS_THROUGH = "pass-through pipeline";
  private static final String RAW_EXCLUDED = "raw model, rated excluded";
  private static final String RAW_TOP10 = "raw model, plain top-10";
  private static final String JAVA_SELECTION = "Java selection from all scores";

  /** Labels of the changelog lines (read by {@code load-tests/run-all}). */
  private static final String CHANGELOG_PIPELINE = "pipeline";

  private static final String CHANGELOG_PASS_THROUGH = "pass-through";

  private static double median(List<Double> values) {
    double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }

  private static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (java.io.IOException | RuntimeException e) {
      return "unknown";
    }
  }

  /** What the measured runs of one pipeline leave besides their events/s, one entry a run. */
  private static final class Measured {
    /** Changelog records per event per store. */
    final List<Map<String, Double>> changelogs = new ArrayList<>();

    /** This JVM's CPU microseconds per event, over the same interval as the events/s. */
    final List<Double> cpu = new ArrayList<>();

    /** The same by thread kind ({@link ThreadCpu}). */
    final List<Map<String, Double>> threadCpu = new ArrayList<>();
  }

  /**
   * One run of a pipeline on a fresh application id; what it measures besides its events/s is added
   * to {@code measured}, unless that is null (a warm-up run).
   */
  private double pipelineEventsPerSecond(
      EmbeddedStack stack,
      Path descriptor,
      List<RatingEvent> stream,
      String kind,
      Measured measured) {
    try {
      return pipelineRun(stack, descriptor, stream, kind, measured);
    } catch (Exception e) {
      throw new IllegalStateException("the " + kind + " pipeline run failed", e);
    }
  }

  private double pipelineRun(
      EmbeddedStack stack,
      Path descriptor,
      List<RatingEvent> stream,
      String kind,
      Measured measured)
      throws Exception {
    String prefix = "bench-recs-" + System.nanoTime();
    String input = prefix + "-in";
    String output = prefix + "-out";
    String dlq = prefix + "-dlq";
    stack.kafka().createTopics(2, input, output, dlq);
    Map<String, String> c =
        new LinkedHashMap<>(
            RecsDemo.pipelineConfig(
                stack, descriptor, prefix, Files.createTempDirectory("sluice-bench-recs")));
    c.put(ConfigKeys.PIPELINE_KIND, kind);
    c.put(ConfigKeys.INPUT_TOPIC, input);
    c.put(ConfigKeys.OUTPUT_TOPIC, output);
    c.put(ConfigKeys.DLQ_TOPIC, dlq);
    c.put(ConfigKeys.BATCH_MAX_SIZE, Integer.toString(batchSize));
    c.put(ConfigKeys.BATCH_MAX_LINGER_MS, Long.toString(lingerMs));
    c.put(RecommendationKeys.RECS_K, Integer.toString(k));
    c.put(RecommendationKeys.RECS_RECENT_ITEMS, Integer.toString(RECENT_MAX));
    c.put(RecommendationKeys.RECS_RATED_MAX, Integer.toString(RATED_MAX));
    c.putAll(settings);
    double eventsPerSecond;
    try (SchemaRegistryClient registry =
            new RestSchemaRegistryClient(RegistrySettings.of(stack.registry().url()));
        RecommendationCollector out =
            new RecommendationCollector(stack.kafka().bootstrapServers(), registry, output, dlq)) {
      RecsDemo.produce(stack.kafka().bootstrapServers(), registry, input, stream, false);
      try (SluiceApplication app =
          SluiceApplication.create(
              ConfigLoader.load(Optional.empty(), Map.of(), c), new SimpleMeterRegistry())) {
        app.start();
        long started = System.nanoTime();
        long cpuStarted = OS.getProcessCpuTime();
        ThreadCpu threadsStarted = ThreadCpu.snapshot();
        if (!out.awaitOutputs(stream.size(), Duration.ofMinutes(10))) {
          throw new IllegalStateException(
              "only "
                  + out.recommendations().size()
                  + " of "
                  + stream.size()
                  + " recommendations arrived in 10 minutes");
        }
        double seconds = (out.lastReceivedNanos() - started) / 1e9;
        if (measured != null) {
          measured.cpu.add((OS.getProcessCpuTime() - cpuStarted) / 1e3 / stream.size());
          measured.threadCpu.add(
              ThreadCpu.snapshot().microsPerEventSince(threadsStarted, stream.size()));
        }
        out.poll(Duration.ofSeconds(1));
        long distinct =
            out.recommendations().stream().map(r -> r.getTrigger().getEventId()).distinct().count();
        if (out.recommendations().size() != stream.size() || distinct != stream.size()) {
          throw new IllegalStateException(
              "expected each of "
                  + stream.size()
                  + " events once, found "
                  + out.recommendations().size()
                  + " recommendations for "
                  + distinct
                  + " events");
        }
        eventsPerSecond = stream.size() / seconds;
      }
    }
    if (measured != null) {
      // The application id is the prefix (RecsDemo.pipelineConfig), fresh for every run; the store
      // names carry the pipeline name, the same in every run.
      measured.changelogs.add(
          Footprint.perEvent(
              Footprint.changelogOffsets(stack.kafka().bootstrapServers(), prefix), stream.size()));
    }
    return eventsPerSecond;
  }

  /**
   * The raw model's inputs, made from the same events through the same per-user state as the
   * pipeline's, in batches of the benchmark's size.
   */
  private final class RawModel {
    private final Catalogue catalogue;
    private final int width;
    private final List<long[]> rows = new ArrayList<>();
    private final List<int[]> rated = new ArrayList<>();
    private UserState heaviest = UserState.empty();
    final List<Map<String, Tensor>> excluded = new ArrayList<>();
    final List<Map<String, Tensor>> plainTop10 = new ArrayList<>();
    private final List<float[][]> fullScores = new ArrayList<>();

    RawModel(Catalogue catalogue, List<RatingEvent> stream) {
      this.catalogue = catalogue;
      this.width = catalogue.maxRecent();
      Map<Long, UserState> users = new HashMap<>();
      for (RatingEvent e : stream) {
        UserState s = users.getOrDefault(e.getUserId(), UserState.empty());
        int item = catalogue.indexOf(e.getItemId());
        if (item >= 0) {
          s = s.apply(item, e.getEventTime().toEpochMilli(), RECENT_MAX, RATED_MAX).state();
          users.put(e.getUserId(), s);
        }
        if (s.rated().length > heaviest.rated().length) {
          heaviest = s;
        }
        long[] row = new long[width];
        int[] recent = s.recentItems();
        for (int j = 0; j < recent.length; j++) {
          row[j] = recent[j];
        }
        rows.add(row);
        rated.add(s.ratedSet());
      }
      for (int from = 0; from < rows.size(); from += batchSize) {
        int n = Math.min(batchSize, rows.size() - from);
        excluded.add(batch(from, n, k, Integer.MAX_VALUE));
        plainTop10.add(batch(from, n, 10, 1));
      }
    }

    /** Inputs of rows {@code [from, from + n)}: at most {@code excludeMax} rated items a row. */
    private Map<String, Tensor> batch(int from, int n, int topK, int excludeMax) {
      long[] items = new long[n * width];
      float[] weights = new float[n * width];
      int excludeWidth = 1;
      for (int r = 0; r < n; r++) {
        System.arraycopy(rows.get(from + r), 0, items, r * width, width);
        float w = 1f;
        for (int j = 0; j < Math.min(width, RECENT_MAX); j++) {
          weights[r * width + j] = w;
          w *= catalogue.decay();
        }
        excludeWidth = Math.max(excludeWidth, Math.min(excludeMax, rated.get(from + r).length));
      }
      long[] exclude = new long[n * excludeWidth];
      for (int r = 0; r < n; r++) {
        int[] set = rated.get(from + r);
        for (int j = 0; j < excludeWidth; j++) {
          // Padded by repeating the row's first item, as the pipeline does.
          exclude[r * excludeWidth + j] = set.length == 0 ? 0 : set[j < set.length ? j : 0];
        }
      }
      Map<String, Tensor> in = new LinkedHashMap<>();
      in.put("recent_items", Tensor.ofLongs(items, n, width));
      in.put("recent_weights", Tensor.ofFloats(weights, n, width));
      in.put("exclude_items", Tensor.ofLongs(exclude, n, excludeWidth));
      in.put("k", Tensor.ofLongs(new long[] {Math.min(catalogue.size(), topK)}, 1));
      return in;
    }

    void printHeaviestUser() {
      RecsRequest request =
          new RecsRequest(
              1,
              "ratings-0@19999",
              1,
              4f,
              0,
              TriggerStatus.APPLIED,
              heaviest.recentItems(),
              heaviest.ratedSet());
      System.out.printf(
          Locale.ROOT,
          "heaviest user: %d rated items, state %,d bytes, request in the buffer %,d bytes"
              + " (fixed-width ints: %,d and %,d)%n",
          heaviest.rated().length,
          heaviest.toBytes().length,
          request.toBytes().length,
          1 + 8 + 4 + 12 * heaviest.recentItems().length + 4 + 4 * heaviest.rated().length,
          1
              + 8
              + 2
              + 15
              + 8
              + 4
              + 8
              + 1
              + 8
              + 4 * (heaviest.recentItems().length + heaviest.rated().length));
    }

    /** One untimed pass of each input set; keeps some batches' full score rows for Java. */
    void warmUp(ModelRunner runner) {
      run(runner, excluded);
      run(runner, plainTop10);
      // Full score rows of a few batches: TopK of the whole catalogue, put back in index order.
      for (int b = 0; b < Math.min(8, plainTop10.size()); b++) {
        Map<String, Tensor> in = new LinkedHashMap<>(plainTop10.get(b));
        in.put("k", Tensor.ofLongs(new long[] {catalogue.size()}, 1));
        Map<String, Tensor> out = runner.run(in);
        long[] top = out.get("top_items").longs();
        float[] scores = out.get("top_scores").floats();
        int n = top.length / catalogue.size();
        float[][] full = new float[n][catalogue.size()];
        for (int r = 0; r < n; r++) {
          for (int i = 0; i < catalogue.size(); i++) {
            int at = r * catalogue.size() + i;
            full[r][(int) top[at]] = scores[at];
          }
          // The excluded item is -inf in the model's output: give it a real score again.
          full[r][(int) in.get("exclude_items").longs()[r]] = 0f;
        }
        fullScores.add(full);
      }
      javaSelectionUsersPerSecond();
    }

    private void run(ModelRunner runner, List<Map<String, Tensor>> batches) {
      for (Map<String, Tensor> b : batches) {
        runner.run(b);
      }
    }

    double usersPerSecond(ModelRunner runner, List<Map<String, Tensor>> batches) {
      long started = System.nanoTime();
      run(runner, batches);
      return rows.size() / ((System.nanoTime() - started) / 1e9);
    }

    /**
     * Users per second of the selection alone, were the model to return every item's score: per
     * row, the top K items that are not rated (ties to the lower index, as ONNX's TopK). The score
     * rows are a few real ones, reused; the model's own time and the copy of the scores out of ONNX
     * Runtime come on top of this.
     */
    double javaSelectionUsersPerSecond() {
      long started = System.nanoTime();
      long checksum = 0;
      BitSet skip = new BitSet(catalogue.size());
      int[] best = new int[k];
      for (int row = 0; row < rows.size(); row++) {
        float[] scores =
            fullScores
                .get(row / batchSize % fullScores.size())[
                row % batchSize % fullScores.get(row / batchSize % fullScores.size()).length];
        skip.clear();
        for (int i : rated.get(row)) {
          skip.set(i);
        }
        checksum += select(scores, skip, best);
      }
      double seconds = (System.nanoTime() - started) / 1e9;
      if (checksum == Long.MIN_VALUE) {
        System.out.println(Arrays.toString(best));
      }
      return rows.size() / seconds;
    }

    /** The top K unrated of a row into {@code best}: one comparison for most items. */
    private int select(float[] scores, BitSet skip, int[] best) {
      int n = 0;
      float threshold = Float.NEGATIVE_INFINITY;
      for (int i = 0; i < scores.length; i++) {
        float s = scores[i];
        if ((n == best.length && s <= threshold) || skip.get(i)) {
          continue;
        }
        int at = n == best.length ? n - 1 : n++;
        while (at > 0 && s > scores[best[at - 1]]) {
          best[at] = best[at - 1];
          at--;
        }
        best[at] = i;
        if (n == best.length) {
          threshold = scores[best[n - 1]];
        }
      }
      return best[0];
    }
  }
}
