package io.sluice.loadtests;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The chaos run's books for one pipeline: what was produced (event id, input partition and offset,
 * when), what came out ({@code read_committed}: outputs by event id, dead letters by input
 * coordinates and reason, when they arrived), and the count per window of the run (the window an
 * event was produced in): lost, duplicated, dead-lettered by reason, and the longest time an input
 * partition had an event waiting and produced no output (a partition that is sent nothing has no
 * gap). Pure bookkeeping, no Kafka; not thread-safe (the caller locks).
 */
final class ChaosLedger {
  /** A stretch of the run, from {@code startMillis} (inclusive) to the next window's start. */
  record Window(String name, long startMillis) {}

  /**
   * One window's count. {@code gapMillis[p]}: longest time input partition p had an event waiting
   * and produced nothing.
   */
  record Count(
      String window,
      int produced,
      int lost,
      int duplicated,
      Map<String, Integer> deadLetters,
      long[] gapMillis) {
    long longestGapMillis() {
      long max = 0;
      for (long g : gapMillis) {
        max = Math.max(max, g);
      }
      return max;
    }
  }

  private record DeadLetter(int partition, long offset, String reason, long atMillis) {}

  /**
   * An output or dead letter read at {@code atMillis} of an event produced at {@code sinceMillis}.
   */
  private record Arrival(long atMillis, long sinceMillis) {}

  private final int partitions;
  private final List<String> ids = new ArrayList<>();
  private final List<Integer> partitionOf = new ArrayList<>();
  private final List<Long> producedAt = new ArrayList<>();
  private final Map<String, Integer> indexOf = new HashMap<>();
  private final Map<Long, Integer> byCoordinates = new HashMap<>();
  private final int[] outputs;
  private final boolean[] unacknowledged;
  private final List<DeadLetter> deadLetters = new ArrayList<>();
  private final List<List<Arrival>> arrivals = new ArrayList<>();
  private int unexpected;

  ChaosLedger(int partitions, int capacity) {
    this.partitions = partitions;
    this.outputs = new int[capacity];
    this.unacknowledged = new boolean[capacity];
    for (int p = 0; p < partitions; p++) {
      arrivals.add(new ArrayList<>());
    }
  }

  /**
   * An event about to be sent to {@code partition} at {@code atMillis}: noted before the send, so
   * that an output can never arrive before its event is known.
   */
  void produced(String id, int partition, long atMillis) {
    if (indexOf.containsKey(id)) {
      throw new IllegalArgumentException("event id produced twice: " + id);
    }
    if (ids.size() == outputs.length) {
      throw new IllegalStateException("more events than the ledger's capacity " + outputs.length);
    }
    indexOf.put(id, ids.size());
    ids.add(id);
    partitionOf.add(partition);
    producedAt.add(atMillis);
  }

  /** The broker acknowledged event {@code id} at {@code offset} of its partition. */
  void acknowledged(String id, long offset) {
    int i = indexOf.get(id);
    byCoordinates.put(coordinates(partitionOf.get(i), offset), i);
  }

  /**
   * The send of event {@code id} failed: it may or may not be in the topic, so no output is not a
   * loss (counted apart).
   */
  void notAcknowledged(String id) {
    unacknowledged[indexOf.get(id)] = true;
  }

  /** An output of event {@code id} read at {@code atMillis}. */
  void output(String id, long atMillis) {
    Integer i = indexOf.get(id);
    if (i == null) {
      unexpected++;
      return;
    }
    outputs[i]++;
    arrivals.get(partitionOf.get(i)).add(new Arrival(atMillis, producedAt.get(i)));
  }

  /**
   * A dead letter of the input record at {@code partition}/{@code offset}, with its reason; matched
   * to its event when counted (its acknowledgement may come later than the dead letter is read).
   */
  void deadLetter(int partition, long offset, String reason, long atMillis) {
    deadLetters.add(
        new DeadLetter(partition, offset, reason == null ? "(no reason)" : reason, atMillis));
    // Its event is matched only when counted: taken as waiting since the partition's previous
    // arrival.
    arrivals.get(partition).add(new Arrival(atMillis, Long.MIN_VALUE));
  }

  /** How many input partitions have had an output or a dead letter. */
  int partitionsWithOutput() {
    int n = 0;
    for (List<Arrival> a : arrivals) {
      if (!a.isEmpty()) {
        n++;
      }
    }
    return n;
  }

  /** When the last input partition to be sent an event was first sent one; 0 until all were. */
  long lastPartitionFirstSentMillis() {
    long[] first = new long[partitions];
    int seen = 0;
    for (int i = 0; i < ids.size() && seen < partitions; i++) {
      int p = partitionOf.get(i);
      if (first[p] == 0) {
        first[p] = producedAt.get(i);
        seen++;
      }
    }
    return seen < partitions ? 0 : java.util.Arrays.stream(first).max().orElse(0);
  }

  /** Events produced so far. */
  int producedCount() {
    return ids.size();
  }

  /** Events with at least one output, or dead letters (matched or not). */
  int accountedFor() {
    int n = deadLetters.size();
    for (int i = 0; i < ids.size(); i++) {
      if (outputs[i] > 0) {
        n++;
      }
    }
    return n;
  }

  /** Outputs or dead letters of no event produced in this run. */
  int unexpected() {
    int n = unexpected;
    for (DeadLetter d : deadLetters) {
      if (!byCoordinates.containsKey(coordinates(d.partition(), d.offset()))) {
        n++;
      }
    }
    return n;
  }

  /** Events whose send failed (see {@link #notAcknowledged}). */
  int unacknowledged() {
    int n = 0;
    for (int i = 0; i < ids.size(); i++) {
      if (unacknowledged[i]) {
        n++;
      }
    }
    return n;
  }

  /**
   * The count per window, in order. An event belongs to the window it was produced in; a gap to the
   * window that holds its middle (a gap the broker's kill causes starts with the last output before
   * it, often a fraction of a second before the kill's window). A gap is the time between two
   * consecutive outputs of one input partition (in arrival order) during which the later one's
   * event was already produced: from the later of the previous output and that event's production,
   * to its output.
   */
  List<Count> count(List<Window> windows) {
    int w = windows.size();
    int[] made = new int[w];
    int[] lost = new int[w];
    int[] duplicated = new int[w];
    List<Map<String, Integer>> dead = new ArrayList<>();
    long[][] gaps = new long[w][partitions];
    for (int k = 0; k < w; k++) {
      dead.add(new TreeMap<>());
    }
    int[] total = outputs.clone();
    Map<Integer, String> reasonOf = new HashMap<>();
    for (DeadLetter d : deadLetters) {
      Integer i = byCoordinates.get(coordinates(d.partition(), d.offset()));
      if (i != null) {
        total[i]++;
        reasonOf.put(i, d.reason());
      }
    }
    for (int i = 0; i < ids.size(); i++) {
      int k = windowOf(windows, producedAt.get(i));
      made[k]++;
      if (total[i] == 0 && !unacknowledged[i]) {
        lost[k]++;
      } else if (total[i] > 1) {
        duplicated[k]++;
      }
      String reason = reasonOf.get(i);
      if (reason != null) {
        dead.get(k).merge(reason, 1, Integer::sum);
      }
    }
    for (int p = 0; p < partitions; p++) {
      List<Arrival> times = new ArrayList<>(arrivals.get(p));
      times.sort(Comparator.comparingLong(Arrival::atMillis));
      for (int j = 1; j < times.size(); j++) {
        long waitingSince = Math.max(times.get(j - 1).atMillis(), times.get(j).sinceMillis());
        long gap = Math.max(0, times.get(j).atMillis() - waitingSince);
        int k = windowOf(windows, waitingSince + gap / 2);
        gaps[k][p] = Math.max(gaps[k][p], gap);
      }
    }
    List<Count> counts = new ArrayList<>();
    for (int k = 0; k < w; k++) {
      counts.add(
          new Count(windows.get(k).name(), made[k], lost[k], duplicated[k], dead.get(k), gaps[k]));
    }
    return counts;
  }

  private static int windowOf(List<Window> windows, long atMillis) {
    int k = 0;
    while (k + 1 < windows.size() && windows.get(k + 1).startMillis() <= atMillis) {
      k++;
    }
    return k;
  }

  private static long coordinates(int partition, long offset) {
    return ((long) partition << 48) | offset;
  }
}
