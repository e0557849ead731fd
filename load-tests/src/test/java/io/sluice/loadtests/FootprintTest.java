package io.sluice.loadtests;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FootprintTest {

  @Test
  void changelogRecordsPerEventAreTheOffsetsWrittenSinceBeforeOverTheEvents() {
    Map<String, Double> perEvent =
        Footprint.perEvent(Map.of("buffer", 100L), Map.of("buffer", 500L, "monitor", 2L), 200);

    assertThat(perEvent).containsExactly(Map.entry("buffer", 2.0), Map.entry("monitor", 0.01));
    assertThat(Footprint.changelogLine("sluice", perEvent))
        .isEqualTo(
            "changelog records per event [sluice]: buffer 2.000, monitor 0.010 (total 2.010)");
    assertThat(Footprint.changelogLine("pass-through", Map.of()))
        .isEqualTo("changelog records per event [pass-through]: none (no changelogged store)");
  }

  @Test
  void mediansArePerStoreAndAStoreMissingFromARunCountsZero() {
    Map<String, Double> medians =
        Footprint.medians(
            List.of(
                Map.of("buffer", 2.0, "monitor", 0.1),
                Map.of("buffer", 1.0),
                Map.of("buffer", 3.0, "monitor", 0.3)));

    assertThat(medians).containsExactly(Map.entry("buffer", 2.0), Map.entry("monitor", 0.1));
  }

  @Test
  void residentMemoryLineNamesWhatItMeasures() {
    assertThat(Footprint.rssLine())
        .startsWith(Footprint.RSS_PREFIX)
        .contains("VmRSS of the benchmark JVM");
    if (Footprint.residentBytes().isPresent()) {
      assertThat(Footprint.residentBytes().getAsLong()).isPositive();
    }
  }
}
