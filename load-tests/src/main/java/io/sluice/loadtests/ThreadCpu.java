package io.sluice.loadtests;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The CPU time of every thread of this JVM, Java's and native ones alike (ONNX Runtime's, the
 * garbage collector's, the JIT compilers'), read from {@code /proc/self/task}: the difference of
 * two snapshots, grouped by thread kind, tells where a run's CPU went. Linux only; elsewhere a
 * snapshot is empty. Clock ticks are 10 ms, so a group needs a run of seconds to be read well.
 */
final class ThreadCpu {
  private static final double TICK_NANOS = 1e9 / 100;

  private final Map<Integer, Thread> threads;

  private record Thread(String name, long ticks) {}

  private ThreadCpu(Map<Integer, Thread> threads) {
    this.threads = threads;
  }

  /** The CPU ticks of every live thread now. */
  static ThreadCpu snapshot() {
    Map<Integer, Thread> threads = new HashMap<>();
    try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
      for (Path task : tasks) {
        try {
          String stat = Files.readString(task.resolve("stat"));
          // pid (comm) state ppid ... utime stime: fields 14 and 15, counted after the comm.
          int close = stat.lastIndexOf(')');
          String name = stat.substring(stat.indexOf('(') + 1, close);
          String[] f = stat.substring(close + 2).split(" ");
          threads.put(
              Integer.parseInt(task.getFileName().toString()),
              new Thread(name, Long.parseLong(f[11]) + Long.parseLong(f[12])));
        } catch (IOException | RuntimeException e) {
          // The thread ended while being read.
        }
      }
    } catch (IOException | RuntimeException e) {
      return new ThreadCpu(Map.of());
    }
    return new ThreadCpu(threads);
  }

  /**
   * CPU microseconds per event from {@code before} to this snapshot, by thread kind (the thread's
   * name with its numbers and application ids taken out), largest first; threads that ended between
   * the two are not counted.
   */
  Map<String, Double> microsPerEventSince(ThreadCpu before, long events) {
    Map<String, Long> ticks = new TreeMap<>();
    threads.forEach(
        (tid, t) -> {
          Thread was = before.threads.get(tid);
          long spent = t.ticks() - (was != null && was.name().equals(t.name()) ? was.ticks() : 0);
          if (spent > 0) {
            ticks.merge(kind(t.name()), spent, Long::sum);
          }
        });
    return ticks.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .collect(
            Collectors.toMap(
                Map.Entry::getKey,
                e -> e.getValue() * TICK_NANOS / 1e3 / events,
                (a, b) -> a,
                LinkedHashMap::new));
  }

  /** Medians per kind over runs, largest first; a kind missing from a run counts as 0 there. */
  static Map<String, Double> medians(List<Map<String, Double>> runs) {
    Map<String, double[]> all = new HashMap<>();
    for (int r = 0; r < runs.size(); r++) {
      for (Map.Entry<String, Double> e : runs.get(r).entrySet()) {
        all.computeIfAbsent(e.getKey(), k -> new double[runs.size()])[r] = e.getValue();
      }
    }
    Map<String, Double> medians = new HashMap<>();
    all.forEach(
        (kind, values) -> {
          java.util.Arrays.sort(values);
          int n = values.length;
          medians.put(kind, n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2);
        });
    return medians.entrySet().stream()
        .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
        .collect(
            Collectors.toMap(
                Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, LinkedHashMap::new));
  }

  /** One line: the kinds of at least {@code minMicros}, then the rest together. */
  static String line(Map<String, Double> perKind, double minMicros) {
    StringBuilder s = new StringBuilder();
    double rest = 0;
    for (Map.Entry<String, Double> e : perKind.entrySet()) {
      if (e.getValue() >= minMicros) {
        s.append(s.length() == 0 ? "" : ", ")
            .append(String.format(Locale.ROOT, "%s %.1f", e.getKey(), e.getValue()));
      } else {
        rest += e.getValue();
      }
    }
    return s.append(String.format(Locale.ROOT, "%sother %.1f", s.length() == 0 ? "" : ", ", rest))
        .toString();
  }

  /**
   * The kind of a thread from its name as Linux keeps it (15 characters at most): numbers and
   * hexadecimal application ids become {@code N}, so that the threads of one pool or of every run's
   * application count together.
   */
  static String kind(String name) {
    return name.replaceAll("[0-9a-f]*[0-9][0-9a-f]*", "N").replaceAll("N(-N)+", "N");
  }
}
