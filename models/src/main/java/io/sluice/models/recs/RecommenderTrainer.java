package io.sluice.models.recs;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.sluice.descriptor.ModelDescriptor;
import io.sluice.descriptor.ModelDescriptor.TensorSpec;
import io.sluice.eval.Prequential;
import io.sluice.eval.Ranking;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains the project's recommender on MovieLens {@code ml-latest-small} and writes it as an ONNX
 * scoring graph ({@link RecsGraph}) with a {@link ModelDescriptor} that has a recommendation block.
 *
 * <p>The model ({@link SessionModel}, trained by {@link BprTrainer}) is trained on every user's
 * ratings but the last in time order, and judged on that last one against a popularity baseline on
 * the same split (leave-last-out, HitRate@10 and NDCG@10 over all items the user has not rated). A
 * second model with the same settings, trained on the first 90% of ratings in time order, is judged
 * prequentially on the last 10% ({@link Prequential}), against popularity counted online. ONNX
 * Runtime must reproduce the Java scores of the exported graph, or no output file is replaced.
 * Deterministic for a given seed.
 */
public final class RecommenderTrainer {

  public static final String MODEL_NAME = "movielens-session";
  public static final String MODEL_VERSION = "1";
  public static final String DESCRIPTOR_FILE = MODEL_NAME + ".json";
  public static final String ONNX_FILE = MODEL_NAME + "-" + MODEL_VERSION + ".onnx";

  /** K of HitRate@K and NDCG@K. */
  public static final int K = 10;

  /** Largest allowed difference between ONNX Runtime's and Java's scores. */
  public static final double MAX_ONNX_DIFFERENCE = 1e-4;

  /** The share of ratings, in time order, that the prequential model is trained on. */
  static final double PREQUENTIAL_TRAIN_FRACTION = 0.9;

  /** Items of the popularity list in the descriptor. */
  static final int POPULAR_ITEMS = 1000;

  /** Users whose ONNX Runtime top lists are checked against Java. */
  static final int CHECKED_USERS = 64;

  private static final Logger log = LoggerFactory.getLogger(RecommenderTrainer.class);

  private RecommenderTrainer() {}

  /**
   * Command line: {@code [--data-dir DIR] [--out-dir DIR] [--seed N]}, defaulting to {@code
   * ../shared/data}, {@code .sluice/models/recs} and 42. Prints the report.
   */
  public static void main(String[] args) throws IOException, OrtException {
    Path dataDir = Path.of("../shared/data");
    Path outDir = Path.of(".sluice/models/recs");
    long seed = 42;
    for (int i = 0; i < args.length; i++) {
      String option = args[i];
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException(
            "Expected a value after " + option + ", found the end of the arguments");
      }
      String value = args[++i];
      switch (option) {
        case "--data-dir" -> dataDir = Path.of(value);
        case "--out-dir" -> outDir = Path.of(value);
        case "--seed" -> seed = Long.parseLong(value);
        default ->
            throw new IllegalArgumentException(
                "Unknown option " + option + ", expected one of [--data-dir, --out-dir, --seed]");
      }
    }
    System.out.println(train(dataDir, outDir, seed).summary());
  }

  /**
   * Trains, evaluates and writes {@value #ONNX_FILE} and {@value #DESCRIPTOR_FILE} into {@code
   * outDir} (created if missing, files replaced).
   *
   * @throws IOException if the data cannot be read or the outputs cannot be written
   * @throws OrtException if ONNX Runtime cannot load or run the exported graph
   * @throws IllegalStateException if ONNX Runtime disagrees with the Java model
   */
  public static RecsTrainingReport train(Path dataDir, Path outDir, long seed)
      throws IOException, OrtException {
    long started = System.nanoTime();
    Path folder = dataDir.resolve(MovieLens.DIRECTORY);
    List<MovieLens.Rating> ratings = MovieLens.ratings(folder.resolve("ratings.csv"));
    ItemIndex catalogue = new ItemIndex(MovieLens.titles(folder.resolve("movies.csv")));
    BprTrainer.Settings settings = BprTrainer.Settings.defaults(seed);

    LeaveLastOut split = LeaveLastOut.split(MovieLens.byUserInTimeOrder(ratings), catalogue);
    SessionModel model = BprTrainer.train(split.train(), catalogue.size(), settings);
    RecsTrainingReport.Metrics llo = metrics(split.evaluate(model, K));
    RecsTrainingReport.Metrics lloPopularity = metrics(split.evaluatePopularity(K));

    List<MovieLens.Rating> inTime = MovieLens.inTimeOrder(ratings);
    int cut = (int) (inTime.size() * PREQUENTIAL_TRAIN_FRACTION);
    List<MovieLens.Rating> before = inTime.subList(0, cut);
    List<MovieLens.Rating> after = inTime.subList(cut, inTime.size());
    SessionModel early = BprTrainer.train(histories(before, catalogue), catalogue.size(), settings);
    Prequential.Recommender streamed = StreamRecommenders.model(early, catalogue);
    Prequential.Recommender popular = StreamRecommenders.popularity(catalogue);
    for (MovieLens.Rating r : before) {
      streamed.reveal(event(r));
      popular.reveal(event(r));
    }
    List<Prequential.Event> stream = after.stream().map(RecommenderTrainer::event).toList();
    RecsTrainingReport.Metrics preq = metrics(Prequential.run(stream, streamed, K));
    RecsTrainingReport.Metrics preqPopularity = metrics(Prequential.run(stream, popular, K));

    Files.createDirectories(outDir);
    Path onnxFile = outDir.resolve(ONNX_FILE);
    Path candidate = outDir.resolve(ONNX_FILE + ".candidate");
    OnnxMl.ModelProto proto = RecsGraph.build(model, MODEL_NAME, Long.parseLong(MODEL_VERSION));
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(candidate))) {
      proto.writeTo(out);
    }
    List<TensorSpec> inputs;
    List<TensorSpec> outputs;
    double maxDifference;
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        OrtSession session = env.createSession(candidate.toString(), options)) {
      inputs = specs(session.getInputInfo());
      outputs = specs(session.getOutputInfo());
      maxDifference = checkAgainstJava(env, session, model, split);
    }
    if (!(maxDifference <= MAX_ONNX_DIFFERENCE)) {
      throw new IllegalStateException(
          String.format(
              "Expected ONNX Runtime to reproduce the Java scores of %s to %s, found a difference"
                  + " of %s",
              candidate, MAX_ONNX_DIFFERENCE, maxDifference));
    }
    Files.move(candidate, onnxFile, StandardCopyOption.REPLACE_EXISTING);

    Map<String, Object> training = new LinkedHashMap<>();
    training.put("dataDirectory", MovieLens.DIRECTORY);
    training.put(
        "algorithm",
        "session item-to-item model (FISM-style user = weighted mean of recent items' input"
            + " embeddings; score = user · output embedding + item bias) trained with BPR and SGD,"
            + " uniform negatives among items the user has not rated");
    training.put("settings", settings);
    training.put("ratings", ratings.size());
    training.put("leaveLastOut", Map.of("model", llo, "popularity", lloPopularity));
    training.put(
        "prequential",
        Map.of(
            "trainFraction",
            PREQUENTIAL_TRAIN_FRACTION,
            "model",
            preq,
            "popularity",
            preqPopularity));
    List<ModelDescriptor.Item> items = new ArrayList<>(catalogue.size());
    for (int i = 0; i < catalogue.size(); i++) {
      items.add(new ModelDescriptor.Item(catalogue.id(i), catalogue.title(i)));
    }
    List<Long> popularIds = new ArrayList<>();
    List<Integer> popularCounts = new ArrayList<>();
    int[] counts = split.popularity();
    for (int i : TopK.select(toFloats(counts), POPULAR_ITEMS, null)) {
      popularIds.add(catalogue.id(i));
      popularCounts.add(counts[i]);
    }
    Path descriptorFile = outDir.resolve(DESCRIPTOR_FILE);
    ModelDescriptor.builder(
            MODEL_NAME, MODEL_VERSION, ONNX_FILE, ModelDescriptor.sha256(onnxFile), inputs, outputs)
        .training(training)
        .recommendation(
            new ModelDescriptor.Recommendation(
                model.maxRecent(), model.decay(), popularIds, popularCounts, items))
        .build()
        .write(descriptorFile);

    Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
    log.info(
        "Trained {} on {} ratings in {} ms: HitRate@{} {} vs popularity {}, wrote {}",
        MODEL_NAME,
        ratings.size(),
        elapsed.toMillis(),
        K,
        llo.hitRate(),
        lloPopularity.hitRate(),
        descriptorFile);
    return new RecsTrainingReport(
        descriptorFile,
        onnxFile,
        ratings.size(),
        split.users(),
        catalogue.size(),
        llo,
        lloPopularity,
        preq,
        preqPopularity,
        maxDifference,
        elapsed);
  }

  private static RecsTrainingReport.Metrics metrics(Ranking.Accumulator a) {
    return new RecsTrainingReport.Metrics(a.k(), a.cases(), a.hitRate(), a.ndcg());
  }

  private static Prequential.Event event(MovieLens.Rating r) {
    return new Prequential.Event(r.userId(), r.movieId(), r.timestamp() * 1000);
  }

  private static List<int[]> histories(List<MovieLens.Rating> ratings, ItemIndex catalogue) {
    List<int[]> histories = new ArrayList<>();
    for (List<MovieLens.Rating> user : MovieLens.byUserInTimeOrder(ratings).values()) {
      histories.add(
          user.stream()
              .mapToInt(r -> catalogue.indexOf(r.movieId()))
              .filter(i -> i >= 0)
              .toArray());
    }
    return histories;
  }

  private static float[] toFloats(int[] counts) {
    float[] f = new float[counts.length];
    for (int i = 0; i < counts.length; i++) {
      f[i] = counts[i];
    }
    return f;
  }

  /**
   * Runs the graph for the first users of the split (their last training items, fewer for some so
   * that padding is exercised) and compares each returned score with the Java model's score of the
   * returned item, and the k-th score with Java's k-th best.
   *
   * @return the largest absolute difference
   */
  private static double checkAgainstJava(
      OrtEnvironment env, OrtSession session, SessionModel model, LeaveLastOut split)
      throws OrtException {
    int users = Math.min(CHECKED_USERS, split.users());
    int n = model.maxRecent();
    int k = 50;
    long[][] recent = new long[users][n];
    float[][] weights = new float[users][];
    int[][] javaRecent = new int[users][n];
    int[] counts = new int[users];
    for (int u = 0; u < users; u++) {
      int[] h = split.train().get(u);
      counts[u] = Math.min(h.length, 1 + u % n);
      for (int j = 0; j < counts[u]; j++) {
        javaRecent[u][j] = h[h.length - 1 - j];
        recent[u][j] = javaRecent[u][j];
      }
      weights[u] = model.weights(counts[u]);
    }
    // Each user's most recent item is excluded, as the pipeline excludes rated items.
    long[][] excluded = new long[users][];
    for (int u = 0; u < users; u++) {
      excluded[u] = new long[] {recent[u][0]};
    }
    RecsGraph.Top result = RecsGraph.run(env, session, recent, weights, excluded, k);
    float[][] topScores = result.scores();
    long[][] topItems = result.items();
    double max = 0;
    for (int u = 0; u < users; u++) {
      float[] java = model.scores(javaRecent[u], counts[u]);
      BitSet skip = new BitSet();
      skip.set((int) excluded[u][0]);
      int[] javaTop = TopK.select(java, k, skip);
      if (topScores[u].length != k) {
        throw new IllegalStateException(
            "Expected " + k + " top scores from ONNX Runtime, found " + topScores[u].length);
      }
      for (int r = 0; r < k; r++) {
        if (topItems[u][r] == excluded[u][0]) {
          throw new IllegalStateException(
              "Expected ONNX Runtime to skip the excluded item " + excluded[u][0] + ", found it");
        }
        max = Math.max(max, Math.abs(topScores[u][r] - java[(int) topItems[u][r]]));
      }
      max = Math.max(max, Math.abs(topScores[u][k - 1] - java[javaTop[k - 1]]));
    }
    return max;
  }

  private static List<TensorSpec> specs(Map<String, NodeInfo> nodes) {
    List<TensorSpec> specs = new ArrayList<>();
    for (NodeInfo node : nodes.values()) {
      if (!(node.getInfo() instanceof TensorInfo tensor)) {
        throw new IllegalStateException(
            "Expected tensor " + node.getName() + ", found " + node.getInfo());
      }
      List<Long> shape = new ArrayList<>();
      for (long dimension : tensor.getShape()) {
        shape.add(dimension);
      }
      specs.add(new TensorSpec(node.getName(), tensor.type.name(), shape));
    }
    return specs;
  }
}
