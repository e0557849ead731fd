package io.sluice.loadtests;

import com.sun.management.OperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.util.Arrays;

/**
 * Samples of this JVM's CPU time against the wall clock, to tell how much CPU all its threads spent
 * between two wall-clock instants known only afterwards. Not thread-safe.
 */
final class CpuSamples {
  private final OperatingSystemMXBean os =
      ManagementFactory.getPlatformMXBean(OperatingSystemMXBean.class);
  private long[] wallMs = new long[256];
  private long[] cpuNanos = new long[256];
  private int size;

  /** Records the wall-clock time and the process's CPU time now. */
  void sample() {
    if (size == wallMs.length) {
      wallMs = Arrays.copyOf(wallMs, size * 2);
      cpuNanos = Arrays.copyOf(cpuNanos, size * 2);
    }
    wallMs[size] = System.currentTimeMillis();
    cpuNanos[size] = os.getProcessCpuTime();
    size++;
  }

  /**
   * CPU nanoseconds from the last sample at or before {@code fromMs} (else the first sample) to the
   * first sample at or after {@code toMs}; -1 if no sample is that late or the JVM does not measure
   * process CPU time.
   */
  long cpuNanosBetween(long fromMs, long toMs) {
    int from = 0;
    while (from + 1 < size && wallMs[from + 1] <= fromMs) {
      from++;
    }
    int to = from;
    while (to < size && wallMs[to] < toMs) {
      to++;
    }
    if (size == 0 || to == size || cpuNanos[from] < 0) {
      return -1;
    }
    return cpuNanos[to] - cpuNanos[from];
  }
}
