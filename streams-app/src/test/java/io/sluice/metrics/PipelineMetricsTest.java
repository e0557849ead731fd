package io.sluice.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

class PipelineMetricsTest {
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final PipelineMetrics metrics = new PipelineMetrics(meters, "fraud");

  @Test
  void metersCarryTheModelVersionServingAndFollowASwap() {
    metrics.modelLoaded("fraud-logreg", "1", "cpu");
    metrics.recordIn();
    metrics.alert("score-threshold", "WARNING");
    metrics.modelSwapped("fraud-logreg", "2", "cuda");
    metrics.recordIn();
    metrics.recordIn();

    assertThat(meters.get("sluice.records.in").tag("version", "1").counter().count()).isEqualTo(1);
    assertThat(meters.get("sluice.records.in").tag("version", "2").counter().count()).isEqualTo(2);
    assertThat(
            meters
                .get("sluice.alerts")
                .tags("kind", "score-threshold", "severity", "WARNING", "version", "1")
                .counter()
                .count())
        .isEqualTo(1);
    assertThat(meters.get("sluice.model.events").tag("event", "load").counter().count())
        .isEqualTo(1);
    assertThat(meters.get("sluice.model.events").tag("event", "swap").counter().count())
        .isEqualTo(1);
  }

  @Test
  void onlyTheModelVersionServingReportsItsExecutionProvider() {
    metrics.modelLoaded("fraud-logreg", "1", "cpu");
    metrics.modelSwapped("fraud-logreg", "2", "cuda");

    assertThat(meters.find("sluice.model.execution.provider").gauges())
        .singleElement()
        .satisfies(
            g -> {
              assertThat(g.getId().getTag("version")).isEqualTo("2");
              assertThat(g.getId().getTag("provider")).isEqualTo("cuda");
              assertThat(g.value()).isEqualTo(1.0);
            });
  }

  @Test
  void aRefusedVersionIsCountedAndDoesNotServe() {
    metrics.modelLoaded("fraud-logreg", "1", "cpu");
    metrics.modelRefused("fraud-logreg", "2");
    metrics.predictionsOut(5);

    assertThat(meters.get("sluice.model.events").tag("event", "refused").counter().count())
        .isEqualTo(1);
    assertThat(meters.get("sluice.predictions.out").tag("version", "1").counter().count())
        .isEqualTo(5);
  }
}
