package io.sluice.replay;

import io.sluice.eval.ClassificationMetrics;
import io.sluice.eval.RankingMetrics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * Renders a {@link ReplayReport} as one self-contained HTML page: inline SVG charts (ROC and PR
 * curves per version, calibration, score histograms by label, latency histograms) and the metrics
 * side by side. Nothing is fetched when the page opens; a small inline script only counts the
 * charts the browser has drawn, into {@code body[data-charts-drawn]}, so a test can tell.
 * Stateless.
 */
public final class HtmlReport {

  /** The HTML report's file name in the report directory. */
  public static final String HTML_FILE = "replay-report.html";

  private static final String[] COLOURS = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"};
  private static final int W = 440;
  private static final int H = 320;
  private static final int LEFT = 50;
  private static final int RIGHT = 15;
  private static final int TOP = 30;
  private static final int BOTTOM = 40;

  private HtmlReport() {}

  /** Writes {@value #HTML_FILE} into {@code dir} (created if missing) and returns its path. */
  public static Path write(ReplayReport report, Path dir) throws IOException {
    Files.createDirectories(dir);
    Path file = dir.resolve(HTML_FILE);
    Files.writeString(file, render(report), StandardCharsets.UTF_8);
    return file;
  }

  /** The number of charts {@link #render} draws for the report. */
  public static int chartCount(ReplayReport report) {
    long withMetrics = report.versions().stream().filter(v -> v.metrics() != null).count();
    boolean ranking = report.versions().stream().anyMatch(v -> v.ranking() != null);
    // ROC, PR and calibration for all versions together; per version: scores and latency;
    // recommenders: one bar chart of HitRate and NDCG, every version and popularity
    return (withMetrics > 0 ? 3 : 0)
        + (int) withMetrics
        + report.versions().size()
        + (ranking ? 1 : 0);
  }

  static String render(ReplayReport r) {
    StringBuilder h = new StringBuilder(64 * 1024);
    h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
        .append("<title>Sluice replay ")
        .append(esc(r.replayId()))
        .append("</title><style>")
        .append("body{font-family:sans-serif;margin:24px;color:#222}")
        .append("table{border-collapse:collapse;margin:12px 0}")
        .append("td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}")
        .append("th:first-child,td:first-child{text-align:left}")
        .append(".charts{display:flex;flex-wrap:wrap;gap:16px}")
        .append("svg.chart{border:1px solid #ddd;background:#fff}")
        .append("svg text{font-size:11px}")
        .append("</style></head><body data-charts-expected=\"")
        .append(chartCount(r))
        .append("\">\n<h1>Replay of ")
        .append(esc(r.pipeline()))
        .append("</h1>\n");
    verdicts(h, r);
    h.append("<p>")
        .append(esc(r.replayId()))
        .append(": ")
        .append(r.recordsInRange())
        .append(" records of topic ")
        .append(esc(r.inputTopic()))
        .append(" (")
        .append(esc(rangeText(r.range())))
        .append(") in ")
        .append(fmt(r.wallSeconds(), 2))
        .append(" s, ")
        .append(fmt(r.recordsPerSecond(), 0))
        .append(" records/s.</p>\n");
    metricTable(h, r);
    calibrationTable(h, r);
    deadLetterTable(h, r);
    List<ReplayReport.VersionReport> scored =
        r.versions().stream().filter(v -> v.metrics() != null).toList();
    h.append("<h2>Charts</h2>\n<div class=\"charts\">\n");
    if (r.versions().stream().anyMatch(v -> v.ranking() != null)) {
      h.append(rankingBars(r));
    }
    if (!scored.isEmpty()) {
      h.append(
          curves(
              "ROC curve",
              "false positive rate",
              "true positive rate",
              scored,
              v -> v.metrics().rocCurve(),
              true));
      h.append(
          curves(
              "Precision-recall curve",
              "recall",
              "precision",
              scored,
              v -> v.metrics().prCurve(),
              false));
      h.append(
          curves(
              "Calibration",
              "mean score",
              "share positive",
              scored,
              HtmlReport::calibrationPoints,
              true));
    }
    for (int i = 0; i < r.versions().size(); i++) {
      ReplayReport.VersionReport v = r.versions().get(i);
      if (v.metrics() != null) {
        h.append(scoreHistogram(v));
      }
      h.append(latencyHistogram(v, COLOURS[i % COLOURS.length]));
    }
    h.append("</div>\n");
    comparisons(h, r);
    h.append(
        "<script>(function(){var n=0;document.querySelectorAll('svg.chart').forEach(function(s){"
            + "var drawn=false;s.querySelectorAll('path.series').forEach(function(p){"
            + "var b=p.getBBox();if(p.getTotalLength()>0&&(b.width>0||b.height>0))drawn=true;});"
            + "if(drawn)n++;});document.body.setAttribute('data-charts-drawn',String(n));})();"
            + "</script>\n");
    h.append("</body></html>\n");
    return h.toString();
  }

  private static String rangeText(Map<String, ReplayRange.Bounds> range) {
    List<String> parts = new ArrayList<>();
    for (String tp : new TreeSet<>(range.keySet())) {
      ReplayRange.Bounds b = range.get(tp);
      parts.add(tp + " [" + b.start() + ", " + b.end() + ")");
    }
    return String.join(", ", parts);
  }

  private static void metricTable(StringBuilder h, ReplayReport r) {
    h.append("<h2>Metrics</h2>\n<table><tr><th>metric</th>");
    for (ReplayReport.VersionReport v : r.versions()) {
      h.append("<th>").append(esc(v.model())).append("</th>");
    }
    h.append("</tr>\n");
    row(h, r, "predictions", v -> Long.toString(v.predictions()));
    row(h, r, "dead letters", v -> Long.toString(v.deadLetterCount()));
    row(h, r, "unlabelled", v -> Long.toString(v.unlabelled()));
    row(h, r, "labelled records", v -> v.metrics() == null ? "" : "" + v.metrics().records());
    row(h, r, "positives", v -> v.metrics() == null ? "" : "" + v.metrics().positives());
    row(h, r, "ROC-AUC", v -> v.metrics() == null ? "" : fmt(v.metrics().rocAuc(), 6));
    row(h, r, "PR-AUC", v -> v.metrics() == null ? "" : fmt(v.metrics().prAuc(), 6));
    row(h, r, "threshold", v -> v.metrics() == null ? "" : fmt(v.metrics().threshold(), 6));
    row(h, r, "precision", v -> v.metrics() == null ? "" : fmt(v.metrics().precision(), 4));
    row(h, r, "recall", v -> v.metrics() == null ? "" : fmt(v.metrics().recall(), 4));
    row(h, r, "F1", v -> v.metrics() == null ? "" : fmt(v.metrics().f1(), 4));
    row(h, r, "true positives", v -> confusion(v, 0));
    row(h, r, "false positives", v -> confusion(v, 1));
    row(h, r, "false negatives", v -> confusion(v, 2));
    row(h, r, "true negatives", v -> confusion(v, 3));
    if (r.versions().stream().anyMatch(v -> v.accuracy() != null)) {
      row(h, r, "top-1 accuracy", v -> v.accuracy() == null ? "" : fmt(v.accuracy().top1(), 4));
      row(
          h,
          r,
          "top-k accuracy",
          v ->
              v.accuracy() == null
                  ? ""
                  : "top-" + v.accuracy().k() + ": " + fmt(v.accuracy().topK(), 4));
    }
    if (r.versions().stream().anyMatch(v -> v.ranking() != null)) {
      row(h, r, "events scored", v -> v.ranking() == null ? "" : "" + v.ranking().events());
      row(h, r, "HitRate@" + k(r), v -> ranking(v, RankingMetrics::hitRate));
      row(
          h,
          r,
          "HitRate@" + k(r) + " popularity",
          v -> ranking(v, RankingMetrics::popularityHitRate));
      row(h, r, "HitRate model/popularity", v -> ranking(v, RankingMetrics::hitRateRatio));
      row(h, r, "NDCG@" + k(r), v -> ranking(v, RankingMetrics::ndcg));
      row(h, r, "NDCG@" + k(r) + " popularity", v -> ranking(v, RankingMetrics::popularityNdcg));
      row(h, r, "NDCG model/popularity", v -> ranking(v, RankingMetrics::ndcgRatio));
    }
    row(h, r, "alerts", v -> Long.toString(v.alerts()));
    row(
        h,
        r,
        "records/s (after each version's untimed warm-up records)",
        v -> fmt(v.recordsPerSecond(), 0) + " (" + v.warmupRecords() + " untimed)");
    row(h, r, "latency p50 (ms)", v -> fmt(v.latency().p50Ms(), 2));
    row(h, r, "latency p90 (ms)", v -> fmt(v.latency().p90Ms(), 2));
    row(h, r, "latency p99 (ms)", v -> fmt(v.latency().p99Ms(), 2));
    row(h, r, "latency p99.9 (ms)", v -> fmt(v.latency().p999Ms(), 2));
    row(h, r, "latency max (ms)", v -> fmt(v.latency().maxMs(), 2));
    h.append("</table>\n");
  }

  private static String k(ReplayReport r) {
    return r.versions().stream()
        .filter(v -> v.ranking() != null)
        .map(v -> Integer.toString(v.ranking().k()))
        .findFirst()
        .orElse("K");
  }

  private static String ranking(
      ReplayReport.VersionReport v, ToDoubleFunction<RankingMetrics> metric) {
    return v.ranking() == null ? "" : fmt(metric.applyAsDouble(v.ranking()), 4);
  }

  /** HitRate and NDCG side by side: a bar per version, then the champion's popularity baseline. */
  private static String rankingBars(ReplayReport r) {
    List<String> names = new ArrayList<>();
    List<double[]> values = new ArrayList<>();
    for (ReplayReport.VersionReport v : r.versions()) {
      if (v.ranking() != null) {
        names.add(v.model());
        values.add(new double[] {v.ranking().hitRate(), v.ranking().ndcg()});
      }
    }
    RankingMetrics baseline =
        r.versions().stream().filter(v -> v.ranking() != null).findFirst().get().ranking();
    names.add("popularity");
    values.add(new double[] {baseline.popularityHitRate(), baseline.popularityNdcg()});
    double max = 0;
    for (double[] pair : values) {
      max = Math.max(max, Math.max(pair[0], pair[1]));
    }
    double yMax = max == 0 ? 1 : Math.min(1, Math.ceil(max * 10 * 1.1) / 10);
    StringBuilder s =
        new StringBuilder()
            .append("<svg class=\"chart\" width=\"")
            .append(W)
            .append("\" height=\"")
            .append(H)
            .append("\" role=\"img\" aria-label=\"Prequential HitRate and NDCG\"><text x=\"")
            .append(W / 2)
            .append("\" y=\"18\" text-anchor=\"middle\" font-weight=\"bold\">")
            .append("Prequential HitRate@")
            .append(k(r))
            .append(" and NDCG@")
            .append(k(r))
            .append("</text>")
            .append(AXES);
    for (int t = 0; t <= 4; t++) {
      s.append("<text x=\"")
          .append(fmt(px(0) - 4, 1))
          .append("\" y=\"")
          .append(fmt(py(t / 4.0) + 4, 1))
          .append("\" text-anchor=\"end\">")
          .append(fmt(t / 4.0 * yMax, 2))
          .append("</text>");
    }
    String[] metrics = {"HitRate@" + k(r), "NDCG@" + k(r)};
    int bars = names.size();
    double group = 0.5;
    double width = 0.8 * group / bars;
    for (int m = 0; m < metrics.length; m++) {
      double x0 = m * group + 0.1 * group;
      s.append("<text x=\"")
          .append(fmt(px(m * group + group / 2), 1))
          .append("\" y=\"")
          .append(fmt(py(0) + 14, 1))
          .append("\" text-anchor=\"middle\">")
          .append(esc(metrics[m]))
          .append("</text>");
      for (int b = 0; b < bars; b++) {
        double left = x0 + b * width;
        double top = values.get(b)[m] / yMax;
        s.append("<path class=\"series\" fill=\"")
            .append(b == bars - 1 ? "#999999" : COLOURS[b % COLOURS.length])
            .append("\" d=\"M")
            .append(fmt(px(left), 1))
            .append(' ')
            .append(fmt(py(0), 1))
            .append(" V")
            .append(fmt(py(top), 1))
            .append(" H")
            .append(fmt(px(left + width * 0.9), 1))
            .append(" V")
            .append(fmt(py(0), 1))
            .append(" Z\"><title>")
            .append(esc(names.get(b) + " " + metrics[m] + " " + fmt(values.get(b)[m], 4)))
            .append("</title></path>");
      }
    }
    for (int b = 0; b < bars; b++) {
      s.append("<text x=\"")
          .append(fmt(px(0.02), 1))
          .append("\" y=\"")
          .append(TOP + 16 + 14 * b)
          .append("\" fill=\"")
          .append(b == bars - 1 ? "#999999" : COLOURS[b % COLOURS.length])
          .append("\">")
          .append(esc(names.get(b)))
          .append("</text>");
    }
    return s.append("</svg>\n").toString();
  }

  private static String confusion(ReplayReport.VersionReport v, int cell) {
    if (v.metrics() == null) {
      return "";
    }
    ClassificationMetrics.Confusion c = v.metrics().confusion();
    int[] cells = {c.truePositives(), c.falsePositives(), c.falseNegatives(), c.trueNegatives()};
    return Integer.toString(cells[cell]);
  }

  private static void row(
      StringBuilder h,
      ReplayReport r,
      String name,
      Function<ReplayReport.VersionReport, String> value) {
    h.append("<tr><td>").append(esc(name)).append("</td>");
    for (ReplayReport.VersionReport v : r.versions()) {
      h.append("<td>").append(esc(value.apply(v))).append("</td>");
    }
    h.append("</tr>\n");
  }

  private static void deadLetterTable(StringBuilder h, ReplayReport r) {
    TreeSet<String> reasons = new TreeSet<>();
    r.versions().forEach(v -> reasons.addAll(v.deadLetters().keySet()));
    if (reasons.isEmpty()) {
      h.append("<p>No dead letters.</p>\n");
      return;
    }
    h.append("<h2>Dead letters by reason</h2>\n<table><tr><th>reason</th>");
    for (ReplayReport.VersionReport v : r.versions()) {
      h.append("<th>").append(esc(v.model())).append("</th>");
    }
    h.append("</tr>\n");
    for (String reason : reasons) {
      row(h, r, reason, v -> Long.toString(v.deadLetters().getOrDefault(reason, 0L)));
    }
    h.append("</table>\n");
  }

  /**
   * The answer the replay exists for, first on the page: per challenger, the difference of each
   * headline metric from the champion with its 95% interval and verdict.
   */
  private static void verdicts(StringBuilder h, ReplayReport r) {
    if (r.comparisons().isEmpty() && r.warnings().isEmpty()) {
      return;
    }
    h.append("<section id=\"verdict\"><h2>Verdict</h2>\n");
    for (String w : r.warnings()) {
      h.append("<p class=\"warning\" style=\"color:#a00\"><strong>Warning: ")
          .append(esc(w))
          .append("</strong></p>\n");
    }
    for (ReplayReport.Comparison c : r.comparisons()) {
      h.append("<p class=\"verdict\"><strong>").append(esc(c.verdict())).append("</strong></p>\n");
      if (c.verdicts().isEmpty()) {
        continue;
      }
      h.append("<table><tr><th>metric</th><th>")
          .append(esc(c.champion()))
          .append("</th><th>")
          .append(esc(c.challenger()))
          .append("</th><th>difference</th><th>95% interval</th><th>verdict</th>")
          .append("<th>records</th><th>how</th></tr>\n");
      for (ReplayReport.MetricVerdict v : c.verdicts()) {
        h.append("<tr><td>")
            .append(esc(v.metric()))
            .append("</td><td>")
            .append(fmt(v.champion(), 4))
            .append("</td><td>")
            .append(fmt(v.challenger(), 4))
            .append("</td><td>")
            .append(signed(v.difference()))
            .append("</td><td>")
            .append(signed(v.low()))
            .append(" to ")
            .append(signed(v.high()))
            .append("</td><td>")
            .append(esc(v.verdict()))
            .append("</td><td>")
            .append(v.records())
            .append("</td><td>")
            .append(esc(v.note()))
            .append("</td></tr>\n");
      }
      h.append("</table>\n");
    }
    ReplayReport.MetricVerdict any =
        r.comparisons().stream().flatMap(c -> c.verdicts().stream()).findFirst().orElse(null);
    if (any != null) {
      h.append("<p>Differences are challenger minus champion on the same records; intervals are")
          .append(" 95% percentile intervals of a paired bootstrap over records (")
          .append(any.resamples())
          .append(" resamples, seed ")
          .append(any.seed())
          .append("). A verdict is better or worse only when the whole interval is on one side")
          .append(" of 0.</p>\n");
    }
    h.append("</section>\n");
  }

  private static String signed(double v) {
    return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%+.4f", v);
  }

  /** The calibration chart's ten bins with how many records each holds. */
  private static void calibrationTable(StringBuilder h, ReplayReport r) {
    List<ReplayReport.VersionReport> scored =
        r.versions().stream().filter(v -> v.metrics() != null).toList();
    if (scored.isEmpty()) {
      return;
    }
    h.append("<h2>Calibration bins</h2>\n<table><tr><th>score bin</th>");
    for (ReplayReport.VersionReport v : scored) {
      h.append("<th>").append(esc(v.model())).append(": records, mean score, share positive</th>");
    }
    h.append("</tr>\n");
    int bins = scored.get(0).metrics().calibration().size();
    for (int b = 0; b < bins; b++) {
      ClassificationMetrics.CalibrationBin first = scored.get(0).metrics().calibration().get(b);
      h.append("<tr><td>[")
          .append(fmt(first.low(), 1))
          .append(", ")
          .append(fmt(first.high(), 1))
          .append(b == bins - 1 ? "]" : ")")
          .append("</td>");
      for (ReplayReport.VersionReport v : scored) {
        ClassificationMetrics.CalibrationBin bin = v.metrics().calibration().get(b);
        h.append("<td>")
            .append(bin.count())
            .append(", ")
            .append(bin.count() == 0 ? "-" : fmt(bin.meanScore(), 3))
            .append(", ")
            .append(bin.count() == 0 ? "-" : fmt(bin.positiveRate(), 3))
            .append("</td>");
      }
      h.append("</tr>\n");
    }
    h.append("</table>\n");
  }

  private static void comparisons(StringBuilder h, ReplayReport r) {
    for (ReplayReport.Comparison c : r.comparisons()) {
      h.append("<h2>")
          .append(esc(c.challenger()))
          .append(" against ")
          .append(esc(c.champion()))
          .append("</h2>\n<p>The versions disagree on ")
          .append(c.disagreements())
          .append(" of ")
          .append(c.commonRecords())
          .append(" records (")
          .append(fmt(c.disagreementRate() * 100, 3))
          .append(" %). Records whose scores differ most:</p>\n")
          .append("<table><tr><th>event</th><th>source</th><th>label</th><th>")
          .append(esc(c.champion()))
          .append("</th><th>")
          .append(esc(c.challenger()))
          .append("</th><th>predicted (each at its own threshold)</th><th>disagree</th></tr>\n");
      for (ReplayReport.Difference d : c.largestDifferences()) {
        h.append("<tr><td>")
            .append(esc(d.eventId()))
            .append("</td><td>")
            .append(esc(d.source()))
            .append("</td><td>")
            .append(esc(String.valueOf(d.label())))
            .append("</td><td>")
            .append(fmt(d.championScore(), 6))
            .append("</td><td>")
            .append(fmt(d.challengerScore(), 6))
            .append("</td><td>")
            .append(esc(d.championPredicted() + " / " + d.challengerPredicted()))
            .append("</td><td>")
            .append(d.disagree() ? "yes" : "no")
            .append("</td></tr>\n");
      }
      h.append("</table>\n");
    }
  }

  private static List<ClassificationMetrics.Point> calibrationPoints(ReplayReport.VersionReport v) {
    List<ClassificationMetrics.Point> points = new ArrayList<>();
    for (ClassificationMetrics.CalibrationBin b : v.metrics().calibration()) {
      if (b.count() > 0) {
        points.add(new ClassificationMetrics.Point(b.meanScore(), b.positiveRate()));
      }
    }
    return points;
  }

  /** The x and y axes of a chart's plot area. */
  private static final String AXES =
      "<path class=\"axis\" stroke=\"#444\" fill=\"none\" d=\"M"
          + fmt(px(0), 1)
          + ' '
          + fmt(py(1), 1)
          + " V"
          + fmt(py(0), 1)
          + " H"
          + fmt(px(1), 1)
          + "\"/>";

  private static double px(double x) {
    return LEFT + x * (W - LEFT - RIGHT);
  }

  private static double py(double y) {
    return H - BOTTOM - y * (H - TOP - BOTTOM);
  }

  /** An SVG with unit axes, a title and axis labels; the caller adds series and closes it. */
  private static StringBuilder frame(
      String title, String xLabel, String yLabel, double xMax, double yMax) {
    StringBuilder s = new StringBuilder();
    s.append("<svg class=\"chart\" width=\"")
        .append(W)
        .append("\" height=\"")
        .append(H)
        .append("\" role=\"img\" aria-label=\"")
        .append(esc(title))
        .append("\"><text x=\"")
        .append(W / 2)
        .append("\" y=\"18\" text-anchor=\"middle\" font-weight=\"bold\">")
        .append(esc(title))
        .append("</text>");
    s.append(AXES);
    for (int t = 0; t <= 4; t++) {
      double f = t / 4.0;
      s.append("<text x=\"")
          .append(fmt(px(f), 1))
          .append("\" y=\"")
          .append(fmt(py(0) + 14, 1))
          .append("\" text-anchor=\"middle\">")
          .append(fmt(f * xMax, xMax >= 10 ? 0 : 2))
          .append("</text><text x=\"")
          .append(fmt(px(0) - 4, 1))
          .append("\" y=\"")
          .append(fmt(py(f) + 4, 1))
          .append("\" text-anchor=\"end\">")
          .append(fmt(f * yMax, yMax >= 10 ? 0 : 2))
          .append("</text>");
    }
    s.append("<text x=\"")
        .append(fmt(px(0.5), 1))
        .append("\" y=\"")
        .append(H - 8)
        .append("\" text-anchor=\"middle\">")
        .append(esc(xLabel))
        .append("</text><text transform=\"translate(12,")
        .append(fmt(py(0.5), 1))
        .append(") rotate(-90)\" text-anchor=\"middle\">")
        .append(esc(yLabel))
        .append("</text>");
    return s;
  }

  private static String legend(int index, String name, String colour) {
    double y = TOP + 6 + index * 14;
    return "<rect x=\""
        + fmt(px(0.62), 1)
        + "\" y=\""
        + fmt(y - 8, 1)
        + "\" width=\"10\" height=\"10\" fill=\""
        + colour
        + "\"/><text x=\""
        + fmt(px(0.62) + 14, 1)
        + "\" y=\""
        + fmt(y + 1, 1)
        + "\">"
        + esc(name)
        + "</text>";
  }

  private static String curves(
      String title,
      String xLabel,
      String yLabel,
      List<ReplayReport.VersionReport> versions,
      Function<ReplayReport.VersionReport, List<ClassificationMetrics.Point>> points,
      boolean diagonal) {
    StringBuilder s = frame(title, xLabel, yLabel, 1, 1);
    if (diagonal) {
      s.append("<path stroke=\"#bbb\" stroke-dasharray=\"4 4\" fill=\"none\" d=\"M")
          .append(fmt(px(0), 1))
          .append(' ')
          .append(fmt(py(0), 1))
          .append(" L")
          .append(fmt(px(1), 1))
          .append(' ')
          .append(fmt(py(1), 1))
          .append("\"/>");
    }
    for (int i = 0; i < versions.size(); i++) {
      String colour = COLOURS[i % COLOURS.length];
      List<ClassificationMetrics.Point> ps = points.apply(versions.get(i));
      if (ps.isEmpty()) {
        continue;
      }
      StringBuilder d = new StringBuilder();
      for (int k = 0; k < ps.size(); k++) {
        d.append(k == 0 ? "M" : " L")
            .append(fmt(px(ps.get(k).x()), 2))
            .append(' ')
            .append(fmt(py(ps.get(k).y()), 2));
      }
      s.append("<path class=\"series\" stroke=\"")
          .append(colour)
          .append("\" stroke-width=\"2\" fill=\"none\" d=\"")
          .append(d)
          .append("\"/>");
      s.append(legend(i, versions.get(i).model(), colour));
    }
    return s.append("</svg>\n").toString();
  }

  private static String bars(List<Integer> counts, double total, double yMax, int slot, int of) {
    StringBuilder d = new StringBuilder();
    double width = 1.0 / counts.size();
    for (int b = 0; b < counts.size(); b++) {
      double share = total == 0 ? 0 : counts.get(b) / total;
      if (share <= 0) {
        continue;
      }
      double x0 = px(b * width + slot * width / of);
      double x1 = px(b * width + (slot + 1) * width / of);
      double y0 = py(0);
      double y1 = py(share / yMax);
      d.append('M')
          .append(fmt(x0, 2))
          .append(' ')
          .append(fmt(y0, 2))
          .append(" V")
          .append(fmt(y1, 2))
          .append(" H")
          .append(fmt(x1, 2))
          .append(" V")
          .append(fmt(y0, 2))
          .append(" Z ");
    }
    return d.toString().trim();
  }

  private static String scoreHistogram(ReplayReport.VersionReport v) {
    List<Integer> pos = v.metrics().scoresOfPositives().counts();
    List<Integer> neg = v.metrics().scoresOfNegatives().counts();
    double posTotal = pos.stream().mapToInt(Integer::intValue).sum();
    double negTotal = neg.stream().mapToInt(Integer::intValue).sum();
    double max = 0;
    for (int b = 0; b < pos.size(); b++) {
      max = Math.max(max, posTotal == 0 ? 0 : pos.get(b) / posTotal);
      max = Math.max(max, negTotal == 0 ? 0 : neg.get(b) / negTotal);
    }
    double yMax = max == 0 ? 1 : max;
    StringBuilder s =
        frame("Scores by label: " + v.model(), "score", "share of the label's records", 1, yMax);
    s.append("<path class=\"series\" fill=\"#1f77b4\" fill-opacity=\"0.8\" d=\"")
        .append(bars(neg, negTotal, yMax, 0, 2))
        .append("\"/><path class=\"series\" fill=\"#d62728\" fill-opacity=\"0.8\" d=\"")
        .append(bars(pos, posTotal, yMax, 1, 2))
        .append("\"/>")
        .append(legend(0, "negative (" + (long) negTotal + ")", "#1f77b4"))
        .append(legend(1, "positive (" + (long) posTotal + ")", "#d62728"));
    return s.append("</svg>\n").toString();
  }

  private static String latencyHistogram(ReplayReport.VersionReport v, String colour) {
    Latencies l = v.latency();
    double total = l.count();
    double max = 0;
    for (int c : l.histogram()) {
      max = Math.max(max, total == 0 ? 0 : c / total);
    }
    double yMax = max == 0 ? 1 : max;
    double xMax = l.binWidthMs() * Math.max(1, l.histogram().size());
    StringBuilder s =
        frame(
            "Latency: " + v.model(),
            "end-to-end latency (ms), the last bar holds the rest",
            "share of records",
            xMax,
            yMax);
    s.append("<path class=\"series\" fill=\"")
        .append(colour)
        .append("\" d=\"")
        .append(bars(l.histogram(), total, yMax, 0, 1))
        .append("\"/>");
    return s.append("</svg>\n").toString();
  }

  private static String fmt(double v, int decimals) {
    if (Double.isNaN(v)) {
      return "n/a";
    }
    return String.format(Locale.ROOT, "%." + decimals + "f", v);
  }

  private static String esc(String s) {
    return s.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;");
  }
}
