package io.sluice.replay;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.sluice.eval.ClassificationMetrics;
import io.sluice.eval.PairedBootstrap;
import io.sluice.eval.RankingMetrics;
import io.sluice.eval.TopAccuracy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything a replay measured: the range it read, and for each model version its predictions, dead
 * letters, alerts, speed and quality, and how each challenger differs from the champion (the first
 * version). Written as {@value #JSON_FILE}; an immutable value.
 *
 * @param range each partition's offsets {@code [start, end)}, keyed {@code topic-partition}
 * @param recordsInRange records the range held, corrupt ones included
 * @param recordsPerSecond records in the range over the replay's wall time, all versions included
 */
public record ReplayReport(
    String replayId,
    String pipeline,
    String inputTopic,
    Map<String, ReplayRange.Bounds> range,
    long recordsInRange,
    double wallSeconds,
    double recordsPerSecond,
    List<VersionReport> versions,
    List<Comparison> comparisons) {

  /** The JSON report's file name in the report directory. */
  public static final String JSON_FILE = "replay-report.json";

  public ReplayReport {
    range = Map.copyOf(range);
    versions = List.copyOf(versions);
    comparisons = List.copyOf(comparisons);
  }

  /**
   * What one model version did over the range.
   *
   * @param model {@code name:version}
   * @param deadLetters records it could not score, by reason
   * @param unlabelled predictions whose event carries no label the model knows; left out of the
   *     metrics
   * @param recordsPerSecond records over the time this version spent decoding, scoring and
   *     postprocessing, its warm-up records left out
   * @param warmupRecords the first records this version scored, untimed: while the JVM compiles the
   *     scoring path and ONNX Runtime allocates, whichever version runs first would pay for all
   * @param latency per record: the time it waited for its batch to be read, plus this version's
   *     time on that batch
   * @param metrics a binary classifier's quality against the labels; null when no prediction had a
   *     label, or for an image classifier
   * @param accuracy an image classifier's top-1 and top-k accuracy; null for a binary classifier
   * @param ranking a recommender's prequential HitRate and NDCG against popularity; null for a
   *     classifier
   * @param training how many of its predictions were for events the version was trained on
   */
  public record VersionReport(
      String model,
      String name,
      String version,
      long predictions,
      Map<String, Long> deadLetters,
      long alerts,
      long unlabelled,
      double recordsPerSecond,
      long warmupRecords,
      Latencies latency,
      ClassificationMetrics metrics,
      TopAccuracy accuracy,
      RankingMetrics ranking,
      TrainingOverlap training) {
    public VersionReport {
      deadLetters = Map.copyOf(deadLetters);
    }

    public long deadLetterCount() {
      return deadLetters.values().stream().mapToLong(Long::longValue).sum();
    }
  }

  /**
   * The leakage check of one version: its predictions whose event id is one of the rows its
   * descriptor says it was trained on ({@code training.trainedOn}). Metrics on such records are
   * optimistic.
   *
   * @param recorded whether the descriptor records the training rows; if not, nothing was checked
   * @param predictions the predictions checked
   * @param inTraining those whose event the version was trained on
   * @param splits which splits the training rows are (e.g. "train and validation")
   * @param warning a sentence with the share, empty when no record was in the training rows
   */
  public record TrainingOverlap(
      boolean recorded,
      long predictions,
      long inTraining,
      double share,
      String splits,
      String warning) {}

  /** The leakage warnings of every version, in version order. */
  public List<String> warnings() {
    return versions.stream()
        .map(v -> v.training() == null ? "" : v.training().warning())
        .filter(w -> !w.isEmpty())
        .toList();
  }

  /**
   * A challenger against the champion on the records both scored.
   *
   * @param verdict the verdict on the first headline metric as one sentence, naming both versions
   * @param verdicts the difference of each headline metric with its interval and verdict
   * @param disagreements binary classifiers: records one version would alert on and the other would
   *     not, each at its own threshold; image classifiers: records whose most probable class
   *     differs; recommenders: recommendations whose first item differs
   * @param largestDifferences the records whose scores differ most, largest first (recommenders:
   *     the score is the NDCG gain of the event's item in that version's list)
   */
  public record Comparison(
      String champion,
      String challenger,
      long commonRecords,
      String verdict,
      List<MetricVerdict> verdicts,
      long disagreements,
      double disagreementRate,
      List<Difference> largestDifferences) {
    public Comparison {
      verdicts = List.copyOf(verdicts);
      largestDifferences = List.copyOf(largestDifferences);
    }

    /** The verdict on one metric, if the kind measures it. */
    public Optional<MetricVerdict> on(String metric) {
      return verdicts.stream().filter(v -> v.metric().equalsIgnoreCase(metric)).findFirst();
    }
  }

  /**
   * The challenger's difference from the champion on one headline metric, with a paired bootstrap
   * interval (see {@link PairedBootstrap}).
   *
   * @param note how the metric was taken (e.g. the thresholds at equal alert volume), or empty
   * @param records the paired records resampled
   * @param difference challenger minus champion
   * @param low the 95% interval's lower end
   * @param high its upper end
   * @param resamples draws in which the metric was defined for both
   * @param verdict {@code better}, {@code worse} or {@code no significant difference}
   * @param sentence the verdict as one sentence, with the difference and its interval
   */
  public record MetricVerdict(
      String metric,
      String note,
      int records,
      double champion,
      double challenger,
      double difference,
      double low,
      double high,
      int resamples,
      long seed,
      String verdict,
      String sentence) {

    static MetricVerdict of(String note, PairedBootstrap.Result r) {
      return new MetricVerdict(
          r.metric(),
          note,
          r.records(),
          r.champion(),
          r.challenger(),
          r.difference(),
          r.low(),
          r.high(),
          r.resamples(),
          r.seed(),
          r.verdict().words(),
          r.sentence());
    }
  }

  /**
   * One record scored by both versions.
   *
   * @param championScore the positive-class score, or the top-1 probability of an image classifier
   * @param disagree whether the record counts among the disagreements
   */
  public record Difference(
      String eventId,
      String source,
      String label,
      double championScore,
      double challengerScore,
      String championPredicted,
      String challengerPredicted,
      boolean disagree) {}

  /** Writes {@value #JSON_FILE} into {@code dir} (created if missing) and returns its path. */
  public Path writeJson(Path dir) throws IOException {
    Files.createDirectories(dir);
    Path file = dir.resolve(JSON_FILE);
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), this);
    return file;
  }

  /** Reads a report written by {@link #writeJson}. */
  public static ReplayReport readJson(Path file) throws IOException {
    return new ObjectMapper().readValue(file.toFile(), ReplayReport.class);
  }
}
