package io.sluice.loadtests;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;

/**
 * What a benchmark run cost besides time, printed in the same lines by every benchmark so that
 * {@code load-tests/run-all} can read them: the records each state store wrote to its changelog per
 * event, and the resident memory of the benchmark's JVM.
 *
 * <p>Changelog records are counted from the end offsets of the application's changelog topics
 * ({@code <application.id>-<store>-changelog}): after the run minus before, per topic. Under
 * exactly-once the count includes one transaction marker per changelog partition per committed
 * transaction that wrote to it (a few per second, negligible against thousands of events).
 *
 * <p>For a benchmark whose application id is fresh (no changelog topic before the run), one line
 * after the run prints both:
 *
 * <pre>{@code
 * Footprint.print(out, "sluice", bootstrapServers, applicationId, events);
 * }</pre>
 *
 * <p>Stateless; each call opens and closes its own admin client.
 */
public final class Footprint {
  /** Starts every changelog line, followed by the label in brackets. */
  public static final String CHANGELOG_PREFIX = "changelog records per event";

  /** Starts the resident memory line. */
  public static final String RSS_PREFIX = "resident memory at end:";

  private static final String CHANGELOG_SUFFIX = "-changelog";
  private static final long TIMEOUT_S = 30;

  private Footprint() {}

  /**
   * Prints the changelog line (records per event per store since the application started, its id
   * being fresh) and the resident memory line.
   */
  public static void print(
      PrintStream out, String label, String bootstrapServers, String applicationId, long events) {
    out.println(
        changelogLine(label, perEvent(changelogOffsets(bootstrapServers, applicationId), events)));
    out.println(rssLine());
  }

  /**
   * The end offsets of the application's changelog topics now, summed over partitions, by store
   * name (the topic name without the application id and {@code -changelog}).
   */
  public static Map<String, Long> changelogOffsets(String bootstrapServers, String applicationId) {
    String prefix = applicationId + "-";
    try (Admin admin =
        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
      List<String> topics =
          admin.listTopics().names().get(TIMEOUT_S, TimeUnit.SECONDS).stream()
              .filter(t -> t.startsWith(prefix) && t.endsWith(CHANGELOG_SUFFIX))
              .sorted()
              .toList();
      if (topics.isEmpty()) {
        return Map.of();
      }
      Collection<TopicDescription> described =
          admin.describeTopics(topics).allTopicNames().get(TIMEOUT_S, TimeUnit.SECONDS).values();
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      for (TopicDescription d : described) {
        d.partitions()
            .forEach(
                p -> latest.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.latest()));
      }
      Map<TopicPartition, ListOffsetsResultInfo> offsets =
          admin.listOffsets(latest).all().get(TIMEOUT_S, TimeUnit.SECONDS);
      Map<String, Long> byStore = new TreeMap<>();
      offsets.forEach(
          (tp, info) ->
              byStore.merge(
                  tp.topic()
                      .substring(prefix.length(), tp.topic().length() - CHANGELOG_SUFFIX.length()),
                  info.offset(),
                  Long::sum));
      return byStore;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while reading changelog offsets", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException(
          "cannot read the changelog offsets of application " + applicationId + ": " + e, e);
    }
  }

  /** Records per event per store: {@code after - before} (a store missing before: 0), / events. */
  public static Map<String, Double> perEvent(
      Map<String, Long> before, Map<String, Long> after, long events) {
    Map<String, Double> out = new TreeMap<>();
    after.forEach(
        (store, end) -> out.put(store, (end - before.getOrDefault(store, 0L)) / (double) events));
    return out;
  }

  /** As {@link #perEvent(Map, Map, long)} from nothing: the application id was fresh. */
  public static Map<String, Double> perEvent(Map<String, Long> after, long events) {
    return perEvent(Map.of(), after, events);
  }

  /**
   * {@code changelog records per event [label]: store-a 2.000, store-b 0.001 (total 2.001)}, or
   * {@code ...: none (no changelogged store)}.
   */
  public static String changelogLine(String label, Map<String, Double> perEvent) {
    String stores =
        perEvent.isEmpty()
            ? "none (no changelogged store)"
            : perEvent.entrySet().stream()
                    .map(e -> String.format(Locale.ROOT, "%s %.3f", e.getKey(), e.getValue()))
                    .collect(Collectors.joining(", "))
                + String.format(
                    Locale.ROOT,
                    " (total %.3f)",
                    perEvent.values().stream().mapToDouble(Double::doubleValue).sum());
    return CHANGELOG_PREFIX + " [" + label + "]: " + stores;
  }

  /** The per-store medians of several runs' {@link #perEvent} maps (a store missing counts 0). */
  public static Map<String, Double> medians(List<Map<String, Double>> runs) {
    Map<String, Double> out = new TreeMap<>();
    runs.stream()
        .flatMap(m -> m.keySet().stream())
        .distinct()
        .forEach(
            store ->
                out.put(
                    store,
                    median(runs.stream().mapToDouble(m -> m.getOrDefault(store, 0.0)).toArray())));
    return out;
  }

  private static double median(double[] values) {
    Arrays.sort(values);
    int mid = values.length / 2;
    return values.length % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
  }

  /**
   * The resident set size of this JVM (VmRSS in {@code /proc/self/status}), where there is one: the
   * benchmark's whole process, that is the embedded broker, the application and the reader.
   */
  public static OptionalLong residentBytes() {
    Path status = Path.of("/proc/self/status");
    if (!Files.isReadable(status)) {
      return OptionalLong.empty();
    }
    try {
      Optional<String> line =
          Files.readAllLines(status, StandardCharsets.UTF_8).stream()
              .filter(l -> l.startsWith("VmRSS:"))
              .findFirst();
      if (line.isEmpty()) {
        return OptionalLong.empty();
      }
      String[] fields = line.get().trim().split("\\s+"); // "VmRSS:", number, "kB"
      return OptionalLong.of(Long.parseLong(fields[1]) * 1024);
    } catch (IOException | RuntimeException e) {
      return OptionalLong.empty();
    }
  }

  /**
   * {@code resident memory at end: 1,234 MiB (VmRSS of the benchmark JVM, ...)}, or {@code ...: n/a
   * (...)} where {@code /proc} is missing.
   */
  public static String rssLine() {
    OptionalLong rss = residentBytes();
    return RSS_PREFIX
        + " "
        + (rss.isPresent()
            ? String.format(Locale.ROOT, "%,d MiB", rss.getAsLong() / (1024 * 1024))
            : "n/a")
        + " (VmRSS of the benchmark JVM, which holds the embedded broker, the applications and the"
        + " reader; the registry runs in a child JVM)";
  }
}
