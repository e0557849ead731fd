package io.sluice.loadtests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.metrics.PipelineMetrics;
import java.util.List;
import org.junit.jupiter.api.Test;

class LatencyStatsTest {

  @Test
  void aMeterWindowHoldsOnlyWhatWasRecordedBetweenItsSnapshots() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    LatencyStats.cumulativeHistograms(registry);
    PipelineMetrics metrics = new PipelineMetrics(registry, "p");
    for (int i = 0; i < 1000; i++) {
      metrics.processingLatencyNanos(100_000_000L); // 100 ms, before the window
    }
    metrics.batchFlushed("size", 10);
    LatencyStats.MeterSnapshot from = LatencyStats.MeterSnapshot.of(registry);
    for (int i = 1; i <= 1000; i++) {
      metrics.processingLatencyNanos(i * 10_000L); // 0.01 .. 10 ms, evenly
    }
    metrics.batchFlushed("size", 2);
    metrics.batchFlushed("size", 4);
    LatencyStats.MeterWindow window =
        new LatencyStats.MeterWindow(from, LatencyStats.MeterSnapshot.of(registry));

    assertThat(window.meanBatchSize()).isEqualTo(3.0);
    // Buckets 5% apart: within 5% of the true value.
    assertThat(window.processingQuantile(0.5)).isCloseTo(5.0, within(0.25));
    assertThat(window.processingQuantile(0.99)).isCloseTo(9.9, within(0.5));
    assertThat(window.processingQuantile(0.999)).isCloseTo(9.99, within(0.5));
  }

  @Test
  void millisHistogramQuantilesAreExactAndOverflowLandsInTheLastBucket() {
    LatencyStats.MillisHistogram h = new LatencyStats.MillisHistogram(1000);
    assertThat(h.quantile(0.5)).isNaN();
    for (int i = 1; i <= 100; i++) {
      h.add(i);
    }
    h.add(5000);
    assertThat(h.count()).isEqualTo(101);
    assertThat(h.quantile(0.5)).isEqualTo(51);
    assertThat(h.quantile(1.0)).isEqualTo(1001);
  }

  @Test
  void theReportDrawsAChartPerLatencyWithALinePerSetting() {
    List<LatencyReport.Point> points =
        List.of(
            point("16", 25, 1000, 2.0),
            point("16", 50, 2000, 3.0),
            point("adaptive", 25, 1000, 1.0),
            point("adaptive", 50, 2000, 1.5));
    String html = LatencyReport.html(points, java.util.Map.of("fraud", 4000.0), "setup");

    assertThat(html).contains("<h2>fraud</h2>").contains("maximum rate 4,000 events/s");
    assertThat(html.split("<svg class=\"chart\"", -1)).hasSize(4);
    assertThat(html.split("<path class=\"series\"", -1)).hasSize(3 * 2 + 1);
    assertThat(LatencyReport.line(points.get(0))).startsWith("16          25%");
  }

  private static LatencyReport.Point point(String setting, int load, double rate, double p99) {
    return new LatencyReport.Point(
        "fraud", setting, load, rate, rate, rate, p99 / 2, p99, p99 * 2, p99 + 100, p99 + 200, 8,
        0);
  }
}
