package io.sluice.anomaly;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class WindowStateTest {

  @Test
  void readsBackItsCountsAndLastRecord() {
    WindowState w = new WindowState(300_000, 4);
    w.add(2, "tx-1", 300_500, "in", 1, 17);
    w.add(2, "tx-2", 300_900, "in", 0, 18);
    w.add(0, "tx-3", 301_000, "in", 1, 19);

    WindowState back = WindowState.fromBytes(w.toBytes());

    assertThat(back.start()).isEqualTo(300_000);
    assertThat(back.counts()).containsExactly(1, 0, 2, 0);
    assertThat(back.total()).isEqualTo(3);
    assertThat(back.lastEventId()).isEqualTo("tx-3");
    assertThat(back.lastEventTime()).isEqualTo(301_000);
    assertThat(back.lastPartition()).isEqualTo(1);
    assertThat(back.lastOffset()).isEqualTo(19);
  }

  @Test
  void writesTheSameBytesAsDataOutputStreamForAnyString() {
    WindowState ascii = new WindowState(300_000, 3);
    ascii.add(1, "tx-00042-r3", 300_500, "fraud-in", 1, 17);
    WindowState other = new WindowState(300_000, 3);
    other.add(1, "tx-\u00e9\u0000\u4e2d", 300_500, "topic-\u00fc", 0, 18);
    WindowState empty = new WindowState(0, 0);

    for (WindowState w : new WindowState[] {ascii, other, empty}) {
      assertThat(w.toBytes()).isEqualTo(w.toBytesSlow());
      assertThat(WindowState.fromBytes(w.toBytes()).lastEventId()).isEqualTo(w.lastEventId());
    }
  }
}
