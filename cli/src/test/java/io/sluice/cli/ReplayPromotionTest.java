package io.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.replay.ReplayReport;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReplayPromotionTest {

  private static ReplayReport.MetricVerdict verdict(String metric, double low, String verdict) {
    return new ReplayReport.MetricVerdict(
        metric, "", 900, 0.97, 0.99, 0.02, low, 0.03, 2000, 16, verdict, verdict + ": " + metric);
  }

  private static ReplayReport report(ReplayReport.MetricVerdict... verdicts) {
    return new ReplayReport(
        "r",
        "fraud",
        "tx",
        Map.of(),
        900,
        1,
        900,
        List.of(),
        List.of(
            new ReplayReport.Comparison(
                "fraud-logreg:1",
                "fraud-fm:1",
                900,
                "fraud-fm:1 against fraud-logreg:1: " + verdicts[0].sentence(),
                List.of(verdicts),
                0,
                0,
                List.of())));
  }

  private static final List<Path> MODELS =
      List.of(Path.of("/m/logreg.json"), Path.of("/m/fm.json"));

  @Test
  void printsThePromotionOfAChallengerThatIsBetterOnTheChosenMetric() {
    ReplayReport r =
        report(
            verdict("ROC-AUC", -0.01, "no significant difference"),
            verdict("PR-AUC", 0.01, "better"));

    assertThat(ReplayCommand.promotion(r, "PR-AUC", null, MODELS))
        .startsWith("promote: fraud-fm:1 is better: PR-AUC")
        .contains("pipeline.model.descriptor=/m/fm.json");
    assertThat(ReplayCommand.promotion(r, null, "fraud-fm:1", MODELS))
        .startsWith("promote: not promoting fraud-fm:1, no significant difference");
  }

  @Test
  void refusesWhenTheMetricOrTheChallengerIsUnknown() {
    ReplayReport r = report(verdict("ROC-AUC", 0.01, "better"));

    assertThat(ReplayCommand.promotion(r, "NDCG@10", null, MODELS))
        .isEqualTo("promote: not promoting fraud-fm:1, no verdict on NDCG@10");
    assertThat(ReplayCommand.promotion(r, null, "fraud-xgb:1", MODELS))
        .isEqualTo("promote: no challenger named fraud-xgb:1");
    assertThat(ReplayCommand.summary(r))
        .contains("verdict: fraud-fm:1 against fraud-logreg:1: better: ROC-AUC");
  }
}
