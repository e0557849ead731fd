package io.sluice.loadtests;

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
import io.sluice.kinds.recommendation.UserState;
import io.sluice.samples.RecommendationCollector;
import io.sluice.samples.RecsDemo;
import io.sluice.samples.RecsEvents;
import io.sluice.schemas.RatingEvent;
import io.sluice.serde.RegistrySettings;
import io.sluice.serde.RestSchemaRegistryClient;
import io.sluice.serde.SchemaRegistryClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Measures, in one run on the embedded broker and registry, the recommendation pipeline's events
 * per second end to end against the raw model's users per second at the same batch size.
 *
 * <p>The pipeline: the last {@code --events} MovieLens ratings in time order are produced into a
 * fresh topic first; the clock runs from the moment the application is RUNNING until a {@code
 * read_committed} reader has received the last recommendation. Every event must come out once.
 *
 * <p>The raw model: the same events are replayed through the same per-user state in this JVM, and
 * the model is called on the same recent-items inputs in batches of {@code --batch-size}, with the
 * same candidate count the pipeline asks for (K plus the largest rated set in the batch), once to
 * warm up and then timed. No Kafka, no Avro, no state store, no filtering.
 */
@Command(
    name = "run-recs-benchmark",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description =
        "End-to-end events/s of the recommendation pipeline against the raw model's users/s at"
            + " the same batch size.")
public final class RecsThroughputBenchmark implements Callable<Integer> {

  @Option(names = "--events", description = "Ratings to stream (default: ${DEFAULT-VALUE}).")
  int events = 20_000;

  @Option(names = "--batch-size", description = "Micro-batch size (default: ${DEFAULT-VALUE}).")
  int batchSize = 64;

  @Option(
      names = "--linger-ms",
      description = "Micro-batch linger in ms (default: ${DEFAULT-VALUE}).")
  long lingerMs = 50;

  @Option(names = "--data-dir", description = "Data directory (default: SLUICE_DATA_DIR).")
  Path dataDir =
      Path.of(Optional.ofNullable(System.getenv("SLUICE_DATA_DIR")).orElse("../shared/data"));

  @Option(
      names = "--models-dir",
      description = "Where the recommender is (trained if missing; default: ${DEFAULT-VALUE}).")
  Path modelsDir = Path.of(".sluice", "models");

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
        "recommendation benchmark: %,d ratings, batch size %d, linger %d ms, %d cores%n",
        stream.size(),
        batchSize,
        lingerMs,
        Runtime.getRuntime().availableProcessors());

    double pipeline;
    try (EmbeddedStack stack = EmbeddedStack.start()) {
      pipeline = pipelineEventsPerSecond(stack, descriptor, stream);
    }
    double model = modelUsersPerSecond(descriptor, stream);
    System.out.printf(
        Locale.ROOT,
        "%nrecommendation pipeline, end to end: %,10.0f events/s%n"
            + "raw model, same inputs and batch:    %,10.0f users/s%n"
            + "pipeline / raw model:                %10.2f%n",
        pipeline,
        model,
        pipeline / model);
    return 0;
  }

  private double pipelineEventsPerSecond(
      EmbeddedStack stack, Path descriptor, List<RatingEvent> stream) throws Exception {
    String prefix = "bench-recs-" + System.currentTimeMillis();
    String input = prefix + "-in";
    String output = prefix + "-out";
    String dlq = prefix + "-dlq";
    stack.kafka().createTopics(2, input, output, dlq);
    Map<String, String> c =
        new LinkedHashMap<>(
            RecsDemo.pipelineConfig(
                stack, descriptor, prefix, Files.createTempDirectory("sluice-bench-recs")));
    c.put(ConfigKeys.INPUT_TOPIC, input);
    c.put(ConfigKeys.OUTPUT_TOPIC, output);
    c.put(ConfigKeys.DLQ_TOPIC, dlq);
    c.put(ConfigKeys.BATCH_MAX_SIZE, Integer.toString(batchSize));
    c.put(ConfigKeys.BATCH_MAX_LINGER_MS, Long.toString(lingerMs));
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
        if (!out.awaitOutputs(stream.size(), Duration.ofMinutes(10))) {
          throw new IllegalStateException(
              "only "
                  + out.recommendations().size()
                  + " of "
                  + stream.size()
                  + " recommendations arrived in 10 minutes");
        }
        double seconds = (out.lastReceivedNanos() - started) / 1e9;
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
        System.out.printf(
            Locale.ROOT,
            "pipeline: %,d recommendations in %.2f s, each event once%n",
            stream.size(),
            seconds);
        return stream.size() / seconds;
      }
    }
  }

  private double modelUsersPerSecond(Path descriptor, List<RatingEvent> stream) throws Exception {
    Catalogue catalogue = Catalogue.read(descriptor);
    int width = catalogue.maxRecent();
    int k = 10;
    int recentMax = 10;
    int ratedMax = 1000;
    Map<Long, UserState> users = new HashMap<>();
    List<long[]> rows = new ArrayList<>(stream.size());
    List<Integer> ratedSizes = new ArrayList<>(stream.size());
    for (RatingEvent e : stream) {
      UserState s = users.getOrDefault(e.getUserId(), UserState.empty());
      int item = catalogue.indexOf(e.getItemId());
      if (item >= 0) {
        s = s.apply(item, e.getEventTime().toEpochMilli(), recentMax, ratedMax).state();
        users.put(e.getUserId(), s);
      }
      long[] row = new long[width];
      int[] recent = s.recentItems();
      for (int j = 0; j < recent.length; j++) {
        row[j] = recent[j];
      }
      rows.add(row);
      ratedSizes.add(s.rated().length);
    }
    List<Map<String, Tensor>> batches = new ArrayList<>();
    for (int from = 0; from < rows.size(); from += batchSize) {
      int n = Math.min(batchSize, rows.size() - from);
      long[] items = new long[n * width];
      float[] weights = new float[n * width];
      int maxRated = 0;
      for (int r = 0; r < n; r++) {
        System.arraycopy(rows.get(from + r), 0, items, r * width, width);
        float w = 1f;
        for (int j = 0; j < width; j++) {
          weights[r * width + j] = w;
          w *= catalogue.decay();
        }
        maxRated = Math.max(maxRated, ratedSizes.get(from + r));
      }
      Map<String, Tensor> in = new LinkedHashMap<>();
      in.put("recent_items", Tensor.ofLongs(items, n, width));
      in.put("recent_weights", Tensor.ofFloats(weights, n, width));
      in.put("k", Tensor.ofLongs(new long[] {Math.min(catalogue.size(), k + maxRated)}, 1));
      batches.add(in);
    }
    try (ModelRunner runner =
        ModelLoader.load(
            descriptor, InferenceSettings.defaults().withProvider(ExecutionProvider.CPU))) {
      for (Map<String, Tensor> b : batches) {
        runner.run(b);
      }
      long started = System.nanoTime();
      for (Map<String, Tensor> b : batches) {
        runner.run(b);
      }
      double seconds = (System.nanoTime() - started) / 1e9;
      System.out.printf(
          Locale.ROOT,
          "raw model: %,d users in %,d calls in %.2f s%n",
          rows.size(),
          batches.size(),
          seconds);
      return rows.size() / seconds;
    }
  }
}
