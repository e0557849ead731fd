package io.sluice.models.recs;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * What {@link RecommenderTrainer#train} made and how well it ranks.
 *
 * @param descriptorFile the descriptor written
 * @param onnxFile the ONNX model written
 * @param ratings ratings read
 * @param users users in the leave-last-out evaluation
 * @param items catalogue size
 * @param leaveLastOut the model on each user's held-out last rating
 * @param leaveLastOutPopularity the popularity baseline on the same split
 * @param prequential the model streamed over the last ratings in time order
 * @param prequentialPopularity the online popularity baseline on the same stream
 * @param maxOnnxDifference largest difference between ONNX Runtime's and Java's top scores
 * @param elapsed wall-clock time of the whole run
 */
public record RecsTrainingReport(
    Path descriptorFile,
    Path onnxFile,
    int ratings,
    int users,
    int items,
    Metrics leaveLastOut,
    Metrics leaveLastOutPopularity,
    Metrics prequential,
    Metrics prequentialPopularity,
    double maxOnnxDifference,
    Duration elapsed) {

  /**
   * HitRate@K and NDCG@K over a number of cases.
   *
   * @param cases users (leave-last-out) or events (prequential)
   */
  public record Metrics(int k, int cases, double hitRate, double ndcg) {}

  /** The model's HitRate@K over the popularity baseline's, on the leave-last-out split. */
  public double liftOverPopularity() {
    return leaveLastOut.hitRate() / leaveLastOutPopularity.hitRate();
  }

  /** A few lines for a person to read. */
  public String summary() {
    return String.format(
        Locale.ROOT,
        "%s: %,d ratings, %,d users, %,d items%n"
            + "leave-last-out (%d users): HitRate@%d model %.4f vs popularity %.4f (%.2fx),"
            + " NDCG@%d model %.4f vs popularity %.4f%n"
            + "prequential (last %,d ratings in time order): HitRate@%d model %.4f vs popularity"
            + " %.4f, NDCG@%d model %.4f vs popularity %.4f%n"
            + "ONNX Runtime vs Java top scores: max |diff| %.2e%n"
            + "wrote %s and %s in %d ms",
        RecommenderTrainer.MODEL_NAME,
        ratings,
        users,
        items,
        leaveLastOut.cases(),
        leaveLastOut.k(),
        leaveLastOut.hitRate(),
        leaveLastOutPopularity.hitRate(),
        liftOverPopularity(),
        leaveLastOut.k(),
        leaveLastOut.ndcg(),
        leaveLastOutPopularity.ndcg(),
        prequential.cases(),
        prequential.k(),
        prequential.hitRate(),
        prequentialPopularity.hitRate(),
        prequential.k(),
        prequential.ndcg(),
        prequentialPopularity.ndcg(),
        maxOnnxDifference,
        descriptorFile,
        onnxFile,
        elapsed.toMillis());
  }
}
