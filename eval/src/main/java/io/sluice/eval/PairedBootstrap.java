package io.sluice.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * A paired bootstrap over records: how much a challenger's metric differs from a champion's on the
 * same records, with a percentile confidence interval and a verdict.
 *
 * <p>Each resample draws the records with replacement (a record's weight is how often it was drawn)
 * and evaluates both versions on the same draw, so what the two share (the records, their labels)
 * cancels out of the difference. The draws come from a {@link SplittableRandom} seeded by the
 * caller: the same seed gives the same interval. Metrics are functions of the weights, so the
 * expensive part of a ranking metric (sorting the scores) is done once, not once per resample.
 * Stateless and thread-safe; a {@link Metric} built here is thread-safe too.
 */
public final class PairedBootstrap {

  /** Resamples drawn unless the caller says otherwise. */
  public static final int DEFAULT_RESAMPLES = 2000;

  /** The seed replay uses, so that a replay twice gives the same intervals. */
  public static final long DEFAULT_SEED = 16L;

  /** Coverage of the percentile interval. */
  public static final double CONFIDENCE = 0.95;

  private PairedBootstrap() {}

  /** Whether the challenger is better, worse, or not distinguishable from the champion. */
  public enum Verdict {
    /** The whole interval of the difference lies above 0. */
    BETTER,
    /** The whole interval of the difference lies below 0. */
    WORSE,
    /** The interval contains 0 (or the difference could not be measured). */
    NO_SIGNIFICANT_DIFFERENCE;

    /** The verdict as a report says it: "better", "worse", "no significant difference". */
    public String words() {
      return name().toLowerCase(Locale.ROOT).replace('_', ' ');
    }
  }

  /**
   * A metric of one version (higher is better), evaluated with each record counted {@code
   * weights[i]} times; all weights 1 is the metric on the records as they are.
   */
  @FunctionalInterface
  public interface Metric {
    /** The metric, or NaN where it is undefined (e.g. ROC-AUC on a draw without a positive). */
    double of(int[] weights);
  }

  /**
   * The comparison of one metric.
   *
   * @param records the paired records resampled
   * @param difference challenger minus champion on the records as they are
   * @param low the lower end of the 95% percentile interval of the difference
   * @param high the upper end
   * @param resamples draws in which both metrics were defined (the interval is over these)
   */
  public record Result(
      String metric,
      int records,
      double champion,
      double challenger,
      double difference,
      double low,
      double high,
      int resamples,
      long seed,
      Verdict verdict) {

    /** One plain sentence, e.g. "better: ROC-AUC +0.0123 (95% CI +0.0040 to +0.0210)". */
    public String sentence() {
      String interval =
          String.format(
              Locale.ROOT, "%s %+.4f (95%% CI %+.4f to %+.4f)", metric, difference, low, high);
      return switch (verdict) {
        case BETTER -> "better: " + interval;
        case WORSE -> "worse: " + interval;
        case NO_SIGNIFICANT_DIFFERENCE ->
            "no significant difference on " + records + " labelled records: " + interval;
      };
    }
  }

  /** As {@link #compare(String, int, Metric, Metric, int, long)} with the default resamples. */
  public static Result compare(String metric, int records, Metric champion, Metric challenger) {
    return compare(metric, records, champion, challenger, DEFAULT_RESAMPLES, DEFAULT_SEED);
  }

  /**
   * Compares {@code challenger} with {@code champion} on {@code records} paired records.
   *
   * @throws IllegalArgumentException if {@code records} is negative or {@code resamples} below 100
   */
  public static Result compare(
      String metric, int records, Metric champion, Metric challenger, int resamples, long seed) {
    if (records < 0) {
      throw new IllegalArgumentException("Expected records >= 0, found " + records);
    }
    if (resamples < 100) {
      throw new IllegalArgumentException("Expected at least 100 resamples, found " + resamples);
    }
    int[] weights = new int[records];
    Arrays.fill(weights, 1);
    double a = champion.of(weights);
    double b = challenger.of(weights);
    double difference = b - a;
    if (records == 0 || Double.isNaN(difference)) {
      return new Result(
          metric,
          records,
          a,
          b,
          difference,
          Double.NaN,
          Double.NaN,
          0,
          seed,
          Verdict.NO_SIGNIFICANT_DIFFERENCE);
    }
    SplittableRandom random = new SplittableRandom(seed);
    double[] differences = new double[resamples];
    int defined = 0;
    for (int r = 0; r < resamples; r++) {
      Arrays.fill(weights, 0);
      for (int i = 0; i < records; i++) {
        weights[random.nextInt(records)]++;
      }
      double d = challenger.of(weights) - champion.of(weights);
      if (!Double.isNaN(d)) {
        differences[defined++] = d;
      }
    }
    if (defined == 0) {
      return new Result(
          metric,
          records,
          a,
          b,
          difference,
          Double.NaN,
          Double.NaN,
          0,
          seed,
          Verdict.NO_SIGNIFICANT_DIFFERENCE);
    }
    double[] sorted = Arrays.copyOf(differences, defined);
    Arrays.sort(sorted);
    double tail = (1 - CONFIDENCE) / 2;
    double low = percentile(sorted, tail);
    double high = percentile(sorted, 1 - tail);
    Verdict verdict =
        low > 0 ? Verdict.BETTER : high < 0 ? Verdict.WORSE : Verdict.NO_SIGNIFICANT_DIFFERENCE;
    return new Result(metric, records, a, b, difference, low, high, defined, seed, verdict);
  }

  /** The {@code q} quantile of sorted values, linearly interpolated between order statistics. */
  static double percentile(double[] sorted, double q) {
    double position = q * (sorted.length - 1);
    int below = (int) Math.floor(position);
    int above = Math.min(below + 1, sorted.length - 1);
    double fraction = position - below;
    return sorted[below] + fraction * (sorted[above] - sorted[below]);
  }

  /**
   * ROC-AUC as a weighted Mann-Whitney statistic (ties count one half, as {@link RocAuc}); the
   * scores are sorted once, each evaluation is one pass. NaN when a draw lacks a class.
   */
  public static Metric rocAuc(double[] scores, int[] labels) {
    Scores.check(scores, labels, true);
    int[][] groups = tieGroups(scores, false);
    return weights -> {
      double negativesBelow = 0;
      double wins = 0;
      double positives = 0;
      for (int[] group : groups) {
        double p = 0;
        double n = 0;
        for (int i : group) {
          if (labels[i] == 1) {
            p += weights[i];
          } else {
            n += weights[i];
          }
        }
        wins += p * negativesBelow + 0.5 * p * n;
        negativesBelow += n;
        positives += p;
      }
      double negatives = negativesBelow;
      return positives == 0 || negatives == 0 ? Double.NaN : wins / (positives * negatives);
    };
  }

  /**
   * PR-AUC as average precision (tied scores one step, as {@link
   * ClassificationMetrics#averagePrecision}), weighted; NaN when a draw has no positive.
   */
  public static Metric averagePrecision(double[] scores, int[] labels) {
    Scores.check(scores, labels, false);
    int[][] groups = tieGroups(scores, true);
    return weights -> {
      double truePositives = 0;
      double seen = 0;
      double sum = 0;
      for (int[] group : groups) {
        double p = 0;
        double all = 0;
        for (int i : group) {
          p += labels[i] * weights[i];
          all += weights[i];
        }
        truePositives += p;
        seen += all;
        if (p > 0) {
          sum += p * (truePositives / seen);
        }
      }
      return truePositives == 0 ? Double.NaN : sum / truePositives;
    };
  }

  /**
   * The weighted mean of a per-record value: accuracy from 0/1 hits, HitRate from hits, NDCG from
   * gains, recall from the flags of the positives. NaN when the draw weighs nothing.
   */
  public static Metric mean(double[] values) {
    double[] v = values.clone();
    return weights -> {
      double sum = 0;
      double count = 0;
      for (int i = 0; i < v.length; i++) {
        sum += v[i] * weights[i];
        count += weights[i];
      }
      return count == 0 ? Double.NaN : sum / count;
    };
  }

  /**
   * Recall of the rule {@code score >= threshold}: flagged positives over positives, weighted; NaN
   * when a draw has no positive.
   */
  public static Metric recallAt(double[] scores, int[] labels, double threshold) {
    Scores.check(scores, labels, false);
    return weights -> {
      Flagged f = Flagged.count(scores, labels, threshold, weights);
      return f.positives() == 0 ? Double.NaN : f.truePositives() / f.positives();
    };
  }

  /**
   * Precision of the rule {@code score >= threshold}: positives among the flagged, weighted; NaN
   * when a draw flags nothing.
   */
  public static Metric precisionAt(double[] scores, int[] labels, double threshold) {
    Scores.check(scores, labels, false);
    return weights -> {
      Flagged f = Flagged.count(scores, labels, threshold, weights);
      return f.flagged() == 0 ? Double.NaN : f.truePositives() / f.flagged();
    };
  }

  /**
   * F1 of the rule {@code score >= threshold}: the harmonic mean of its precision and recall,
   * weighted; NaN when a draw has no positive and flags nothing, 0 when it flags no positive.
   */
  public static Metric f1At(double[] scores, int[] labels, double threshold) {
    Scores.check(scores, labels, false);
    return weights -> {
      Flagged f = Flagged.count(scores, labels, threshold, weights);
      double denominator = f.flagged() + f.positives();
      return denominator == 0 ? Double.NaN : 2 * f.truePositives() / denominator;
    };
  }

  /** The weighted counts of the rule {@code score >= threshold} on one draw. */
  private record Flagged(double truePositives, double flagged, double positives) {
    static Flagged count(double[] scores, int[] labels, double threshold, int[] weights) {
      double truePositives = 0;
      double flagged = 0;
      double positives = 0;
      for (int i = 0; i < scores.length; i++) {
        positives += labels[i] * weights[i];
        if (scores[i] >= threshold) {
          flagged += weights[i];
          truePositives += labels[i] * weights[i];
        }
      }
      return new Flagged(truePositives, flagged, positives);
    }
  }

  /**
   * The threshold at which {@code score >= threshold} flags {@code alerts} records: the {@code
   * alerts}-th highest score (ties at it are all flagged, so a tie can flag a few more). Above the
   * highest score when {@code alerts} is 0.
   */
  public static double thresholdForAlerts(double[] scores, int alerts) {
    if (alerts <= 0 || scores.length == 0) {
      return Double.POSITIVE_INFINITY;
    }
    double[] sorted = scores.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length - Math.min(alerts, sorted.length)];
  }

  /** Indices grouped by equal score, groups in ascending (or descending) order of score. */
  private static int[][] tieGroups(double[] scores, boolean descending) {
    Integer[] order = descending ? Scores.descending(scores) : Scores.ascending(scores);
    List<int[]> groups = new ArrayList<>();
    int start = 0;
    while (start < order.length) {
      int end = start;
      while (end + 1 < order.length && scores[order[end + 1]] == scores[order[start]]) {
        end++;
      }
      int[] group = new int[end - start + 1];
      for (int k = start; k <= end; k++) {
        group[k - start] = order[k];
      }
      groups.add(group);
      start = end + 1;
    }
    return groups.toArray(new int[0][]);
  }
}
