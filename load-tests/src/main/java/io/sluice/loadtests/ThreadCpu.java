package io.sluice.loadtests;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The CPU time of every thread of this JVM, Java's and native ones alike (ONNX Runtime's, the
 * garbage collector's, the JIT compilers'), read from {@code /proc/self/task}: the difference of
 * two snapshots, grouped by thread kind, tells where a run's CPU went. Linux only; elsewhere a
 * snapshot is empty. Clock ticks are 10 ms, so a group needs a run of seconds to be read well.
 */
final class ThreadCpu {
  private static final double TICK_NANOS = 1e9 / 100;

  private final Map<Integer, Task> tasks;

  /** One thread as Linux keeps it: its name (15 characters at most) and CPU ticks so far. */
  private record Task(String name, long ticks) {}

  private ThreadCpu(Map<Integer, Task> tasks) {
    this.tasks = tasks;
  }

  /** The CPU ticks of every live thread now. */
  static ThreadCpu snapshot() {
    Map<Integer, Task> tasks = new HashMap<>();
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
      for (Path task : dirs) {
        try {
          String stat = Files.readString(task.resolve("stat"));
          // pid (comm) state ppid ... utime stime: fields 14 and 15, counted after the comm.
          int close = stat.lastIndexOf(')');
          String name = stat.substring(stat.indexOf('(') + 1, close);
          String[] f = stat.substring(close + 2).split(" ");
          tasks.put(
              Integer.parseInt(task.getFileName().toString()),
              new Task(name, Long.parseLong(f[11]) + Long.parseLong(f[12])));
        } catch (IOException | RuntimeException e) {
          // The thread ended while being read.
        }
      }
    } catch (IOException | RuntimeException e) {
      return new ThreadCpu(Map.of());
    }
    return new ThreadCpu(tasks);
  }

  /**
   * CPU microseconds per event from {@code before} to this snapshot, by thread kind (the thread's
   * name with its numbers and application ids taken out); threads that ended between the two are
   * not counted. Medians over runs: {@link Footprint#medians}.
   */
  Map<String, Double> microsPerEventSince(ThreadCpu before, long events) {
    Map<String, Double> perKind = new HashMap<>();
    tasks.forEach(
        (tid, t) -> {
          Task was = before.tasks.get(tid);
          long spent = t.ticks() - (was != null && was.name().equals(t.name()) ? was.ticks() : 0);
          if (spent > 0) {
            perKind.merge(kind(t.name()), spent * TICK_NANOS / 1e3 / events, Double::sum);
          }
        });
    return perKind;
  }

  /** One line, largest first: the kinds of at least {@code minMicros}, then the rest together. */
  static String line(Map<String, Double> perKind, double minMicros) {
    StringBuilder s = new StringBuilder();
    double rest = 0;
    List<Map.Entry<String, Double>> largestFirst = new ArrayList<>(perKind.entrySet());
    largestFirst.sort(Map.Entry.<String, Double>comparingByValue().reversed());
    for (Map.Entry<String, Double> e : largestFirst) {
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
