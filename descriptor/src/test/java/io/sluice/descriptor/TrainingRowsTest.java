package io.sluice.descriptor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.BitSet;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TrainingRowsTest {

  private static TrainingRows rows(int... numbers) {
    BitSet set = new BitSet();
    for (int n : numbers) {
      set.set(n);
    }
    return new TrainingRows("ab12", "tx-", 5, set, "train and validation");
  }

  @Test
  void knowsTheEventIdsOfItsRowsAndNoOthers() {
    TrainingRows t = rows(0, 7, 4491);

    assertThat(t.contains("tx-00007")).isTrue();
    assertThat(t.contains("tx-04491")).isTrue();
    assertThat(t.contains("tx-00008")).isFalse();
    assertThat(t.contains("tx-7")).isFalse();
    assertThat(t.contains("kdd-test-00007")).isFalse();
    assertThat(t.contains("tx-0000x")).isFalse();
    assertThat(t.contains(null)).isFalse();
    assertThat(t.eventId(7)).isEqualTo("tx-00007");
    assertThat(t.count()).isEqualTo(3);
  }

  @SuppressWarnings("unchecked")
  @Test
  void survivesTheDescriptorsJsonRoundTrip() throws Exception {
    TrainingRows t = rows(1, 2, 3, 100, 4000);
    ObjectMapper json = new ObjectMapper();
    Map<String, Object> training =
        json.readValue(json.writeValueAsString(Map.of(TrainingRows.KEY, t.toMap())), Map.class);

    TrainingRows back = TrainingRows.of(training).orElseThrow();

    assertThat(back.rows()).isEqualTo(t.rows());
    assertThat(back.idPrefix()).isEqualTo("tx-");
    assertThat(back.dataSha256()).isEqualTo("ab12");
    assertThat(TrainingRows.of(Map.of())).isEmpty();
  }

  @Test
  void refusesABlockWhoseCountDisagreesWithItsRows() {
    Map<String, Object> m = new java.util.HashMap<>(rows(1, 2).toMap());
    m.put("count", 3);

    assertThatThrownBy(() -> TrainingRows.of(Map.of(TrainingRows.KEY, m)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("expected 3 rows");
  }
}
