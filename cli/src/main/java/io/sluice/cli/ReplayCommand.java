package io.sluice.cli;

import io.sluice.app.RegistryClients;
import io.sluice.config.SluiceConfig;
import io.sluice.replay.HtmlReport;
import io.sluice.replay.Progress;
import io.sluice.replay.Replay;
import io.sluice.replay.ReplayRange;
import io.sluice.replay.ReplayReport;
import io.sluice.serde.SchemaRegistryClient;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code sluice replay}: scores a range of a pipeline's input topic with one or more model versions
 * beside the live application, and writes a report of their metrics. Exits 0 once the range is
 * done.
 */
@Command(
    name = "replay",
    description =
        "Replay a range of a pipeline's input topic through one or more model versions (the"
            + " champion first) and report their metrics side by side.")
final class ReplayCommand implements Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Mixin ConfigOptions configOptions = new ConfigOptions();

  @Option(
      names = {"-m", "--model"},
      required = true,
      description =
          "Model descriptor (JSON) to replay; repeat for challengers. The first is the champion.")
  List<Path> models = new ArrayList<>();

  @Option(names = "--from-offset", description = "First offset, in every partition.")
  Long fromOffset;

  @Option(names = "--to-offset", description = "Offset to stop before, in every partition.")
  Long toOffset;

  @Option(
      names = "--from-time",
      description = "Start at the first record at or after this time (ISO-8601 instant).")
  Instant fromTime;

  @Option(
      names = "--to-time",
      description = "Stop before the first record at or after this time (ISO-8601 instant).")
  Instant toTime;

  @Option(
      names = "--report-dir",
      defaultValue = "replay-report",
      description = "Directory for the report files (default: ${DEFAULT-VALUE}).")
  Path reportDir;

  @Option(
      names = "--output-topic",
      description = "Also write every version's predictions to this topic (not a live one).")
  String outputTopic;

  @Option(
      names = "--promote-if",
      description =
          "Promote a challenger when its verdict on --promote-metric is this (only: better)."
              + " Until the model-lifecycle control exists, prints the change to make.")
  String promoteIf;

  @Option(
      names = "--promote-metric",
      description =
          "The metric --promote-if judges (default: the kind's first headline metric: ROC-AUC,"
              + " top-1 accuracy or HitRate@K).")
  String promoteMetric;

  @Option(
      names = "--promote-challenger",
      description =
          "The challenger (name:version) --promote-if may promote (default: the only challenger).")
  String promoteChallenger;

  @Override
  public Integer call() throws Exception {
    if (promoteIf != null && !promoteIf.equals("better")) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--promote-if: expected better, found " + promoteIf);
    }
    if (promoteIf != null && promoteChallenger == null && models.size() != 2) {
      throw new CommandLine.ParameterException(
          spec.commandLine(),
          "--promote-if: expected one challenger or --promote-challenger, found "
              + (models.size() - 1)
              + " challengers");
    }
    SluiceConfig cfg = configOptions.load();
    ReplayRange range =
        new ReplayRange(
            fromOffset == null ? OptionalLong.empty() : OptionalLong.of(fromOffset),
            toOffset == null ? OptionalLong.empty() : OptionalLong.of(toOffset),
            Optional.ofNullable(fromTime),
            Optional.ofNullable(toTime));
    PrintWriter out = spec.commandLine().getOut();
    boolean terminal = System.console() != null;
    ReplayReport report;
    try (SchemaRegistryClient registry = RegistryClients.create(cfg.registry())) {
      report =
          Replay.run(
              new Replay.Settings(cfg, models, range, Optional.ofNullable(outputTopic)),
              registry,
              total -> new Progress(out, terminal, total));
    }
    Path json = report.writeJson(reportDir);
    Path html = HtmlReport.write(report, reportDir);
    out.println(summary(report));
    out.println("report: " + json.toAbsolutePath() + " and " + html.toAbsolutePath());
    if (promoteIf != null) {
      out.println(promotion(report, promoteMetric, promoteChallenger, models));
    }
    return 0;
  }

  /**
   * What {@code --promote-if better} decides: the named challenger is promoted only when its
   * verdict on the metric is "better". No model-lifecycle control exists yet, so the promotion is
   * printed as the configuration change to make, never made.
   */
  static String promotion(
      ReplayReport report, String metric, String challenger, List<Path> models) {
    for (int i = 0; i < report.comparisons().size(); i++) {
      ReplayReport.Comparison c = report.comparisons().get(i);
      if (challenger != null && !challenger.equals(c.challenger())) {
        continue;
      }
      Optional<ReplayReport.MetricVerdict> v =
          metric == null ? c.verdicts().stream().findFirst() : c.on(metric);
      if (v.isEmpty()) {
        return "promote: not promoting "
            + c.challenger()
            + ", no verdict on "
            + (metric == null ? "any metric" : metric);
      }
      if (!v.get().verdict().equals("better")) {
        return "promote: not promoting " + c.challenger() + ", " + v.get().sentence();
      }
      return "promote: "
          + c.challenger()
          + " is "
          + v.get().sentence()
          + "\n  no model-lifecycle control exists yet; to promote it, set "
          + "pipeline.model.descriptor="
          + models.get(i + 1).toAbsolutePath()
          + " in the pipeline's configuration and restart it";
    }
    return "promote: no challenger named " + challenger;
  }

  /** The headline numbers, one line per model version. */
  static String summary(ReplayReport report) {
    StringBuilder s = new StringBuilder();
    s.append(
        String.format(
            Locale.ROOT,
            "replay %s: %d records of %s in %.1f s%n",
            report.replayId(),
            report.recordsInRange(),
            report.inputTopic(),
            report.wallSeconds()));
    for (String w : report.warnings()) {
      s.append("warning: ").append(w).append(System.lineSeparator());
    }
    for (ReplayReport.Comparison c : report.comparisons()) {
      s.append("verdict: ").append(c.verdict()).append(System.lineSeparator());
      for (ReplayReport.MetricVerdict v : c.verdicts()) {
        s.append(
            String.format(
                Locale.ROOT,
                "  %-34s %.4f -> %.4f  %s%s%n",
                v.metric(),
                v.champion(),
                v.challenger(),
                v.sentence(),
                v.note().isEmpty() ? "" : " (" + v.note() + ")"));
      }
    }
    for (ReplayReport.VersionReport v : report.versions()) {
      s.append(
          String.format(
              Locale.ROOT,
              "  %-20s predictions %d, dead letters %d, alerts %d",
              v.model(),
              v.predictions(),
              v.deadLetterCount(),
              v.alerts()));
      if (v.metrics() != null) {
        s.append(
            String.format(
                Locale.ROOT,
                ", ROC-AUC %.6f, PR-AUC %.6f, F1 %.4f at %.4f",
                v.metrics().rocAuc(),
                v.metrics().prAuc(),
                v.metrics().f1(),
                v.metrics().threshold()));
      }
      if (v.accuracy() != null) {
        s.append(
            String.format(
                Locale.ROOT,
                ", top-1 accuracy %.4f, top-%d accuracy %.4f",
                v.accuracy().top1(),
                v.accuracy().k(),
                v.accuracy().topK()));
      }
      if (v.ranking() != null) {
        s.append(
            String.format(
                Locale.ROOT,
                ", HitRate@%d %.4f (popularity %.4f), NDCG@%d %.4f (popularity %.4f)",
                v.ranking().k(),
                v.ranking().hitRate(),
                v.ranking().popularityHitRate(),
                v.ranking().k(),
                v.ranking().ndcg(),
                v.ranking().popularityNdcg()));
      }
      s.append(
          String.format(
              Locale.ROOT,
              ", %.0f records/s (after %d untimed warm-up records), p99 %.1f ms%n",
              v.recordsPerSecond(),
              v.warmupRecords(),
              v.latency().p99Ms()));
    }
    for (ReplayReport.Comparison c : report.comparisons()) {
      s.append(
          String.format(
              Locale.ROOT,
              "  %s vs %s: disagree on %d of %d records (%.4f%%)%n",
              c.challenger(),
              c.champion(),
              c.disagreements(),
              c.commonRecords(),
              c.disagreementRate() * 100));
    }
    return s.toString().stripTrailing();
  }
}
