package io.sluice.loadtests;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The latency benchmark's results as text (one table per pipeline) and as one self-contained HTML
 * page with latency-against-rate charts in inline SVG, one line per batching setting, latency on a
 * logarithmic axis. Stateless.
 */
final class LatencyReport {
  private static final String[] COLOURS = {
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"
  };
  private static final int W = 460;
  private static final int H = 320;
  private static final int LEFT = 56;
  private static final int RIGHT = 110;
  private static final int TOP = 30;
  private static final int BOTTOM = 40;

  /** One measured point: a pipeline, a batching setting, a load. Latencies in ms; NaN: none. */
  record Point(
      String pipeline,
      String setting,
      int loadPercent,
      double offeredRate,
      double sentRate,
      double achievedRate,
      double processingP50,
      double processingP99,
      double processingP999,
      double endToEndP50,
      double endToEndP99,
      double meanBatchSize,
      long late) {}

  private LatencyReport() {}

  static final String HEADER =
      String.format(
          Locale.ROOT,
          "%-9s %5s %10s %10s %10s | %8s %8s %8s | %8s %8s | %6s %s",
          "setting",
          "load",
          "offered/s",
          "sent/s",
          "achieved/s",
          "proc p50",
          "p99",
          "p99.9",
          "e2e p50",
          "p99",
          "batch",
          "(latencies in ms)");

  static String line(Point p) {
    return String.format(
        Locale.ROOT,
        "%-9s %4d%% %,10.0f %,10.0f %,10.0f | %8s %8s %8s | %8s %8s | %6.1f%s",
        p.setting(),
        p.loadPercent(),
        p.offeredRate(),
        p.sentRate(),
        p.achievedRate(),
        ms(p.processingP50()),
        ms(p.processingP99()),
        ms(p.processingP999()),
        ms(p.endToEndP50()),
        ms(p.endToEndP99()),
        p.meanBatchSize(),
        p.late() > 0 ? "  (" + p.late() + " events not out at the end)" : "");
  }

  private static String ms(double v) {
    return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, v < 10 ? "%.2f" : "%.0f", v);
  }

  /** The page: per pipeline, its maximum rate, two charts and the table. */
  static String html(List<Point> points, Map<String, Double> maxRates, String setup) {
    Map<String, List<Point>> byPipeline = new LinkedHashMap<>();
    for (Point p : points) {
      byPipeline.computeIfAbsent(p.pipeline(), k -> new ArrayList<>()).add(p);
    }
    StringBuilder h = new StringBuilder(32 * 1024);
    h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
        .append("<title>Sluice latency benchmark</title><style>")
        .append("body{font-family:sans-serif;margin:24px;color:#222}")
        .append("table{border-collapse:collapse;margin:12px 0}")
        .append("td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}")
        .append("th:first-child,td:first-child{text-align:left}")
        .append(".charts{display:flex;flex-wrap:wrap;gap:16px}")
        .append("svg.chart{border:1px solid #ddd;background:#fff}")
        .append("svg text{font-size:11px}")
        .append("</style></head><body>\n<h1>Latency under open-loop load</h1>\n<p>")
        .append(esc(setup))
        .append("</p>\n");
    for (Map.Entry<String, List<Point>> e : byPipeline.entrySet()) {
      List<Point> ps = e.getValue();
      h.append("<h2>")
          .append(esc(e.getKey()))
          .append("</h2>\n<p>maximum rate ")
          .append(String.format(Locale.ROOT, "%,.0f", maxRates.getOrDefault(e.getKey(), 0.0)))
          .append(" events/s</p>\n<div class=\"charts\">\n")
          .append(chart("processing latency p99", ps, Point::processingP99))
          .append(chart("end-to-end latency p99", ps, Point::endToEndP99))
          .append(chart("processing latency p50", ps, Point::processingP50))
          .append("</div>\n<table><tr><th>setting</th><th>load</th><th>offered/s</th>")
          .append("<th>sent/s</th><th>achieved/s</th><th>processing p50 ms</th>")
          .append("<th>p99</th><th>p99.9</th><th>end-to-end p50 ms</th><th>p99</th>")
          .append("<th>mean batch</th></tr>\n");
      for (Point p : ps) {
        h.append("<tr><td>")
            .append(esc(p.setting()))
            .append("</td><td>")
            .append(p.loadPercent())
            .append("%</td>");
        for (String v :
            List.of(
                fmt(p.offeredRate(), 0),
                fmt(p.sentRate(), 0),
                fmt(p.achievedRate(), 0),
                ms(p.processingP50()),
                ms(p.processingP99()),
                ms(p.processingP999()),
                ms(p.endToEndP50()),
                ms(p.endToEndP99()),
                fmt(p.meanBatchSize(), 1))) {
          h.append("<td>").append(v).append("</td>");
        }
        h.append("</tr>\n");
      }
      h.append("</table>\n");
    }
    return h.append("</body></html>\n").toString();
  }

  /** Latency (log axis) against achieved rate, a line per setting in load order. */
  static String chart(String title, List<Point> points, ToDoubleFunction<Point> latency) {
    double xMax = 0;
    double yMin = Double.MAX_VALUE;
    double yMax = 0;
    Map<String, List<Point>> bySetting = new LinkedHashMap<>();
    for (Point p : points) {
      bySetting.computeIfAbsent(p.setting(), k -> new ArrayList<>()).add(p);
      double y = latency.applyAsDouble(p);
      xMax = Math.max(xMax, p.achievedRate());
      if (!Double.isNaN(y) && y > 0) {
        yMin = Math.min(yMin, y);
        yMax = Math.max(yMax, y);
      }
    }
    xMax = xMax <= 0 ? 1 : xMax * 1.05;
    double decadeLow = Math.floor(Math.log10(yMin == Double.MAX_VALUE ? 0.1 : yMin));
    double decadeHigh = Math.max(decadeLow + 1, Math.ceil(Math.log10(yMax <= 0 ? 1 : yMax)));
    StringBuilder s = new StringBuilder();
    s.append("<svg class=\"chart\" width=\"")
        .append(W)
        .append("\" height=\"")
        .append(H)
        .append("\" role=\"img\" aria-label=\"")
        .append(esc(title))
        .append("\"><text x=\"")
        .append((W - RIGHT + LEFT) / 2)
        .append("\" y=\"18\" text-anchor=\"middle\" font-weight=\"bold\">")
        .append(esc(title))
        .append("</text><path stroke=\"#444\" fill=\"none\" d=\"M")
        .append(LEFT)
        .append(' ')
        .append(TOP)
        .append(" V")
        .append(H - BOTTOM)
        .append(" H")
        .append(W - RIGHT)
        .append("\"/>");
    for (int t = 0; t <= 4; t++) {
      double f = t / 4.0;
      s.append("<text x=\"")
          .append(fmt(x(f), 1))
          .append("\" y=\"")
          .append(H - BOTTOM + 14)
          .append("\" text-anchor=\"middle\">")
          .append(fmt(f * xMax, 0))
          .append("</text>");
    }
    for (double d = decadeLow; d <= decadeHigh; d++) {
      double f = (d - decadeLow) / (decadeHigh - decadeLow);
      s.append("<path stroke=\"#eee\" d=\"M")
          .append(LEFT)
          .append(' ')
          .append(fmt(y(f), 1))
          .append(" H")
          .append(W - RIGHT)
          .append("\"/><text x=\"")
          .append(LEFT - 4)
          .append("\" y=\"")
          .append(fmt(y(f) + 4, 1))
          .append("\" text-anchor=\"end\">")
          .append(fmt(Math.pow(10, d), d < 0 ? (int) -d : 0))
          .append("</text>");
    }
    s.append("<text x=\"")
        .append((W - RIGHT + LEFT) / 2)
        .append("\" y=\"")
        .append(H - 8)
        .append("\" text-anchor=\"middle\">achieved events/s</text>")
        .append("<text transform=\"translate(12,")
        .append((H - BOTTOM + TOP) / 2)
        .append(") rotate(-90)\" text-anchor=\"middle\">ms (log)</text>");
    int i = 0;
    for (Map.Entry<String, List<Point>> e : bySetting.entrySet()) {
      String colour = COLOURS[i % COLOURS.length];
      StringBuilder d = new StringBuilder();
      for (Point p : e.getValue()) {
        double v = latency.applyAsDouble(p);
        if (Double.isNaN(v) || v <= 0) {
          continue;
        }
        double fy = (Math.log10(v) - decadeLow) / (decadeHigh - decadeLow);
        double px = x(p.achievedRate() / xMax);
        d.append(d.isEmpty() ? "M" : " L").append(fmt(px, 1)).append(' ').append(fmt(y(fy), 1));
        s.append("<circle cx=\"")
            .append(fmt(px, 1))
            .append("\" cy=\"")
            .append(fmt(y(fy), 1))
            .append("\" r=\"3\" fill=\"")
            .append(colour)
            .append("\"><title>")
            .append(esc(e.getKey() + " at " + p.loadPercent() + "%: " + ms(v) + " ms"))
            .append("</title></circle>");
      }
      if (!d.isEmpty()) {
        s.append("<path class=\"series\" stroke=\"")
            .append(colour)
            .append("\" stroke-width=\"2\" fill=\"none\" d=\"")
            .append(d)
            .append("\"/>");
      }
      double ly = TOP + 6 + i * 14;
      s.append("<rect x=\"")
          .append(W - RIGHT + 10)
          .append("\" y=\"")
          .append(fmt(ly - 8, 1))
          .append("\" width=\"10\" height=\"10\" fill=\"")
          .append(colour)
          .append("\"/><text x=\"")
          .append(W - RIGHT + 24)
          .append("\" y=\"")
          .append(fmt(ly + 1, 1))
          .append("\">")
          .append(esc(e.getKey()))
          .append("</text>");
      i++;
    }
    return s.append("</svg>\n").toString();
  }

  private static double x(double f) {
    return LEFT + f * (W - LEFT - RIGHT);
  }

  private static double y(double f) {
    return H - BOTTOM - f * (H - TOP - BOTTOM);
  }

  private static String fmt(double v, int decimals) {
    return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%." + decimals + "f", v);
  }

  private static String esc(String s) {
    return s.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;");
  }
}
