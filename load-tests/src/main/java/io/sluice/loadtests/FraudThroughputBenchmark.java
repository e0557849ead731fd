package io.sluice.loadtests;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.app.SluiceApplication;
import io.sluice.config.ConfigKeys;
import io.sluice.config.ConfigLoader;
import io.sluice.config.SluiceConfig;
import io.sluice.embedded.EmbeddedStack;
import io.sluice.inference.ModelRunner;
import io.sluice.samples.FraudDemo;
import io.sluice.samples.FraudEvents;
import io.sluice.schemas.CardTransaction;
import io.sluice.schemas.Prediction;
import io.sluice.serde.RegistrySettings;
import io.sluice.serde.RestSchemaRegistryClient;
import io.sluice.serde.SchemaRegistryClient;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.streams.StreamsConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Measures the end-to-end throughput of the fraud pipeline against two baselines in one JVM, on the
 * embedded broker and registry: Sluice (micro-batched), the same steps with one model call per
 * record, and a pass-through with no model (see README.md for the method).
 *
 * <p>Each run pre-produces its events into a fresh input topic, then starts the application and
 * times from the moment its stream thread takes the first record until a {@code read_committed}
 * reader has received the last prediction. Every run also checks that each event came out exactly
 * once.
 */
@Command(
    name = "run-fraud-benchmark",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description =
        "End-to-end events/s of the fraud pipeline (Sluice) against a per-record model call and a"
            + " pass-through, on the embedded broker and registry.")
public final class FraudThroughputBenchmark implements Callable<Integer> {

  /** What is measured. */
  enum Contestant {
    SLUICE("sluice", "Sluice, micro-batched"),
    PER_RECORD("per-record", "model call per record"),
    PASS_THROUGH("pass-through", "pass-through, no model");

    final String id;
    final String description;

    Contestant(String id, String description) {
      this.id = id;
      this.description = description;
    }

    static Contestant byId(String id) {
      for (Contestant c : values()) {
        if (c.id.equals(id)) {
          return c;
        }
      }
      throw new CommandLine.TypeConversionException(
          "unknown contestant '"
              + id
              + "', expected one of "
              + Arrays.stream(values()).map(c -> c.id).toList());
    }
  }

  /** The topics of one run. */
  private record Topics(String input, String predictions, String alerts, String deadLetters) {
    static Topics named(String prefix) {
      return new Topics(
          prefix + "-in", prefix + "-predictions", prefix + "-alerts", prefix + "-dlq");
    }
  }

  /** The outcome of one run; {@code check} is "ok" or what went wrong. */
  record Run(
      Contestant contestant,
      int events,
      double seconds,
      double cpuMicrosPerEvent,
      double startupSeconds,
      long p50Ms,
      long p99Ms,
      int alerts,
      String check,
      Map<String, Double> changelogPerEvent) {
    double eventsPerSecond() {
      return events / seconds;
    }

    double changelogTotal() {
      return changelogPerEvent.values().stream().mapToDouble(Double::doubleValue).sum();
    }

    Run withChangelog(Map<String, Double> perEvent) {
      return new Run(
          contestant,
          events,
          seconds,
          cpuMicrosPerEvent,
          startupSeconds,
          p50Ms,
          p99Ms,
          alerts,
          check,
          perEvent);
    }

    boolean ok() {
      return check.equals("ok");
    }
  }

  /** A started application, whichever contestant it is. */
  private interface Running extends AutoCloseable {
    boolean failed();

    Throwable failure();

    @Override
    void close();
  }

  @Option(
      names = "--events",
      description =
          "Events per measured run: the fraud transactions repeated with unique ids (default:"
              + " ${DEFAULT-VALUE}).")
  int events = 200_000;

  @Option(
      names = "--repeat",
      description =
          "Measured runs per contestant, order rotated; medians reported (default: ${DEFAULT-VALUE}).")
  int repeat = 3;

  @Option(
      names = "--warmup-events",
      description =
          "Events of one unmeasured warm-up run per contestant, 0 for none (default: as many as"
              + " --events).")
  Integer warmupEvents;

  @Option(
      names = "--contestants",
      split = ",",
      converter = ContestantConverter.class,
      description = "Comma-separated: sluice, per-record, pass-through (default: all).")
  List<Contestant> contestants = new ArrayList<>(List.of(Contestant.values()));

  @Option(
      names = "--partitions",
      description = "Partitions of every topic (default: ${DEFAULT-VALUE}).")
  int partitions = 2;

  @Option(
      names = "--threads",
      description = "Kafka Streams stream threads (default: Sluice's num.stream.threads).")
  Integer threads;

  @Option(
      names = "--batch-size",
      description = "Sluice's pipeline.batch.max.size (default: Sluice's default).")
  Integer batchSize;

  @Option(
      names = "--linger-ms",
      description = "Sluice's pipeline.batch.max.linger.ms (default: Sluice's default).")
  Long lingerMs;

  @Option(
      names = "--set",
      paramLabel = "KEY=VALUE",
      description =
          "Any other Sluice configuration key for every contestant, e.g."
              + " pipeline.batch.max.in.flight=0 (repeatable).")
  Map<String, String> settings = new LinkedHashMap<>();

  @Option(
      names = "--guarantee",
      description =
          "processing.guarantee: exactly_once_v2 or at_least_once (default: ${DEFAULT-VALUE}).")
  String guarantee = "exactly_once_v2";

  @Option(
      names = "--commit-interval-ms",
      description =
          "Kafka Streams commit.interval.ms (default: ${DEFAULT-VALUE}, Kafka's default under exactly-once).")
  int commitIntervalMs = 100;

  @Option(
      names = "--data-dir",
      description = "Data directory (default: $SLUICE_DATA_DIR, else ../shared/data).")
  Path dataDir = BenchmarkDefaults.dataDir();

  @Option(
      names = "--models-dir",
      description =
          "Where the fraud model is, trained first if missing (default: ${DEFAULT-VALUE}).")
  Path modelsDir = BenchmarkDefaults.MODELS_DIR;

  @Option(
      names = "--run-timeout-s",
      description = "Give up on a run after this long (default: ${DEFAULT-VALUE}).")
  int runTimeoutSeconds = 300;

  private final PrintStream out;
  private EmbeddedStack stack;
  private SchemaRegistryClient registry;
  private Path descriptor;
  private Path stateRoot;
  private int runCount;

  /** The pass-through's memory of the model's scores per row, filled by its first run. */
  private final Map<Object, float[]> replayedScores = new ConcurrentHashMap<>();

  FraudThroughputBenchmark(PrintStream out) {
    this.out = out;
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new FraudThroughputBenchmark(System.out)).execute(args));
  }

  /** Parses contestant ids. */
  static final class ContestantConverter implements CommandLine.ITypeConverter<Contestant> {
    @Override
    public Contestant convert(String value) {
      return Contestant.byId(value.trim());
    }
  }

  @Override
  public Integer call() throws Exception {
    requireAtLeast("--events", events, 1);
    requireAtLeast("--repeat", repeat, 1);
    if (warmupEvents == null) {
      warmupEvents = events;
    }
    requireAtLeast("--warmup-events", warmupEvents, 0);
    requireAtLeast("--partitions", partitions, 1);
    if (!Files.isDirectory(dataDir)) {
      throw new IllegalArgumentException(
          "data directory "
              + dataDir.toAbsolutePath()
              + " does not exist; set --data-dir or SLUICE_DATA_DIR");
    }
    List<Contestant> chosen = contestants.stream().distinct().toList();
    List<CardTransaction> data = FraudEvents.read(dataDir);
    descriptor = FraudDemo.ensureModel(dataDir, modelsDir);
    stateRoot = Files.createTempDirectory("sluice-bench-state");
    try (EmbeddedStack started = EmbeddedStack.start();
        SchemaRegistryClient client =
            new RestSchemaRegistryClient(RegistrySettings.of(started.registry().url()))) {
      stack = started;
      registry = client;
      printSetup(data.size());

      List<Run> runs = new ArrayList<>();
      out.printf(
          Locale.ROOT,
          "%n%-5s %-13s %8s %8s %10s %9s %8s %7s %7s %7s %6s  %s%n",
          "run",
          "contestant",
          "events",
          "seconds",
          "events/s",
          "cpu us/ev",
          "start s",
          "p50 ms",
          "p99 ms",
          "alerts",
          "chg/ev",
          "check");
      if (warmupEvents > 0) {
        for (Contestant c : chosen) {
          runs.add(run("warm", c, repeated(data, warmupEvents)));
        }
      }
      List<CardTransaction> measured = repeated(data, events);
      List<Run> results = new ArrayList<>();
      for (int r = 0; r < repeat; r++) {
        for (int i = 0; i < chosen.size(); i++) {
          Contestant c = chosen.get((i + r) % chosen.size());
          results.add(run(Integer.toString(r + 1), c, measured));
        }
      }
      runs.addAll(results);
      printSummary(chosen, results);
      return runs.stream().allMatch(Run::ok) ? 0 : 1;
    } finally {
      deleteRecursively(stateRoot);
    }
  }

  /** One run: fresh topics, events produced first, then the application started and timed. */
  private Run run(String label, Contestant contestant, List<CardTransaction> input) {
    runCount++;
    String name = "bench-" + runCount + "-" + contestant.id;
    Topics topics = Topics.named(name);
    stack
        .kafka()
        .createTopics(
            partitions,
            topics.input(),
            topics.predictions(),
            topics.alerts(),
            topics.deadLetters());
    FraudDemo.produce(stack.kafka().bootstrapServers(), registry, topics.input(), input, false);
    SluiceConfig config = config(name, topics);
    Run result;
    try (OutputReader reader =
        new OutputReader(
            stack.kafka().bootstrapServers(),
            topics.predictions(),
            topics.alerts(),
            topics.deadLetters())) {
      long startCalledMs = System.currentTimeMillis();
      try (Running app = start(contestant, config)) {
        result = measure(contestant, input, app, reader, startCalledMs);
      }
    }
    result =
        result.withChangelog(
            Footprint.perEvent(
                Footprint.changelogOffsets(stack.kafka().bootstrapServers(), name), input.size()));
    out.printf(
        Locale.ROOT,
        "%-5s %-13s %,8d %8.2f %,10.0f %9.1f %8.2f %7d %7d %,7d %6.2f  %s%n",
        label,
        contestant.id,
        result.events(),
        result.seconds(),
        result.eventsPerSecond(),
        result.cpuMicrosPerEvent(),
        result.startupSeconds(),
        result.p50Ms(),
        result.p99Ms(),
        result.alerts(),
        result.changelogTotal(),
        result.check());
    return result;
  }

  /**
   * Reads outputs until every event has a prediction. The clock runs from the moment the stream
   * thread took the first record (the earliest {@code Prediction.ingestTime}) to the end of the
   * poll that returned the last prediction, so start-up (group join, task creation, producer
   * initialization) is not counted and the final commit is. Latency is measured per prediction,
   * from its {@code ingestTime} to the end of the poll that returned it.
   *
   * @param startCalledMs wall-clock time {@code start()} was called
   */
  private Run measure(
      Contestant contestant,
      List<CardTransaction> input,
      Running app,
      OutputReader reader,
      long startCalledMs) {
    long deadline = System.nanoTime() + Duration.ofSeconds(runTimeoutSeconds).toNanos();
    int expected = input.size();
    String problem = null;
    CpuSamples cpu = new CpuSamples();
    cpu.sample();
    while (reader.predictionCount() + reader.deadLetterCount() < expected) {
      if (app.failed()) {
        problem = "FAILED: " + app.failure();
        break;
      }
      if (System.nanoTime() > deadline) {
        problem =
            "TIMED OUT after "
                + runTimeoutSeconds
                + " s with "
                + reader.predictionCount()
                + " predictions";
        break;
      }
      reader.poll(Duration.ofMillis(100));
      cpu.sample();
    }
    int counted = Math.min(reader.predictionCount(), expected);
    long lastMs = counted == 0 ? 0 : reader.arrivalMs(counted - 1);
    // Alerts of the last transaction, or a duplicate, would come after the last expected
    // prediction: give them a moment to show up.
    reader.drain(Duration.ofMillis(500));
    List<Prediction> predictions = reader.decodePredictions(registry);
    long[] latencies = new long[predictions.size()];
    long firstIngestMs = Long.MAX_VALUE;
    for (int i = 0; i < latencies.length; i++) {
      long ingestMs = predictions.get(i).getIngestTime().toEpochMilli();
      firstIngestMs = Math.min(firstIngestMs, ingestMs);
      latencies[i] = reader.arrivalMs(i) - ingestMs;
    }
    Arrays.sort(latencies);
    boolean any = counted > 0;
    long cpuNanos = any ? cpu.cpuNanosBetween(firstIngestMs, lastMs) : -1;
    return new Run(
        contestant,
        expected,
        any ? (lastMs - firstIngestMs) / 1e3 : Double.NaN,
        cpuNanos < 0 ? Double.NaN : cpuNanos / 1e3 / expected,
        any ? (firstIngestMs - startCalledMs) / 1e3 : Double.NaN,
        percentile(latencies, 0.50),
        percentile(latencies, 0.99),
        reader.alertCount(),
        problem != null ? problem : check(input, predictions, reader.deadLetterCount()),
        Map.of());
  }

  /** "ok" if every event came out exactly once as a prediction, else what is wrong. */
  private static String check(
      List<CardTransaction> input, List<Prediction> predictions, int deadLetters) {
    if (deadLetters > 0) {
      return deadLetters + " dead letters, expected none";
    }
    if (predictions.size() != input.size()) {
      return "expected " + input.size() + " predictions, read " + predictions.size();
    }
    Set<String> ids = new HashSet<>();
    for (Prediction p : predictions) {
      ids.add(p.getEventId());
    }
    Set<String> expected = input.stream().map(CardTransaction::getId).collect(Collectors.toSet());
    return ids.equals(expected)
        ? "ok"
        : "predicted event ids differ from the input's: " + ids.size() + " distinct ids";
  }

  private Running start(Contestant contestant, SluiceConfig config) {
    if (contestant == Contestant.SLUICE) {
      SluiceApplication app = SluiceApplication.create(config, new SimpleMeterRegistry());
      try {
        app.start();
      } catch (RuntimeException e) {
        app.close();
        throw e;
      }
      return new Running() {
        @Override
        public boolean failed() {
          return app.state() == SluiceApplication.State.FAILED;
        }

        @Override
        public Throwable failure() {
          return app.failure();
        }

        @Override
        public void close() {
          app.close();
        }
      };
    }
    PerRecordApplication app =
        PerRecordApplication.create(
            config, contestant == Contestant.PER_RECORD ? null : replayedScores, true);
    try {
      app.start();
    } catch (RuntimeException e) {
      app.close();
      throw e;
    }
    return new Running() {
      @Override
      public boolean failed() {
        return app.failed();
      }

      @Override
      public Throwable failure() {
        return app.failure();
      }

      @Override
      public void close() {
        app.close();
      }
    };
  }

  /** The configuration every contestant of a run gets; only Sluice reads the batching keys. */
  private SluiceConfig config(String applicationId, Topics topics) {
    Map<String, String> c =
        new LinkedHashMap<>(FraudDemo.pipelineConfig(stack, descriptor, applicationId, stateRoot));
    c.put(ConfigKeys.INPUT_TOPIC, topics.input());
    c.put(ConfigKeys.OUTPUT_TOPIC, topics.predictions());
    c.put(ConfigKeys.ALERTS_TOPIC, topics.alerts());
    c.put(ConfigKeys.DLQ_TOPIC, topics.deadLetters());
    c.put(ConfigKeys.PROCESSING_GUARANTEE, guarantee);
    c.put(ConfigKeys.KAFKA_PREFIX + StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "" + commitIntervalMs);
    if (threads != null) {
      c.put(ConfigKeys.NUM_STREAM_THREADS, threads.toString());
    }
    if (batchSize != null) {
      c.put(ConfigKeys.BATCH_MAX_SIZE, batchSize.toString());
    }
    if (lingerMs != null) {
      c.put(ConfigKeys.BATCH_MAX_LINGER_MS, lingerMs.toString());
    }
    c.putAll(settings);
    return ConfigLoader.load(Optional.empty(), Map.of(), c);
  }

  /**
   * The data set repeated to {@code n} events; repeats get an id suffix to keep ids unique. A view
   * that builds each repeat when it is read, so that a large run holds no more than the data set on
   * the heap while it is measured.
   */
  static List<CardTransaction> repeated(List<CardTransaction> data, int n) {
    return new AbstractList<>() {
      @Override
      public CardTransaction get(int i) {
        Objects.checkIndex(i, n);
        CardTransaction t = data.get(i % data.size());
        int round = i / data.size();
        return round == 0
            ? t
            : CardTransaction.newBuilder(t).setId(t.getId() + "-r" + round).build();
      }

      @Override
      public int size() {
        return n;
      }
    };
  }

  private void printSetup(int dataSize) {
    SluiceConfig sample = config("bench-setup", Topics.named("bench-setup"));
    SluiceConfig.Pipeline p = sample.pipeline();
    String model;
    try (ModelRunner runner = SluiceApplication.loadModel(sample)) {
      model =
          runner.name()
              + ":"
              + runner.version()
              + " on "
              + runner.activeProvider().configName()
              + ", intra-op threads "
              + p.intraOpThreads();
    }
    Runtime rt = Runtime.getRuntime();
    String gcs =
        ManagementFactory.getGarbageCollectorMXBeans().stream()
            .map(GarbageCollectorMXBean::getName)
            .collect(Collectors.joining(", "));
    List<String> jvmFlags =
        ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
            .filter(a -> a.startsWith("-X"))
            .toList();
    out.println("== Sluice fraud throughput benchmark ==");
    out.printf(
        Locale.ROOT,
        "events     %,d per measured run (the %,d fraud transactions repeated, unique ids),"
            + " pre-produced%n",
        events,
        dataSize);
    out.printf(
        Locale.ROOT,
        "runs       %s, then %d measured run(s) per contestant, order rotated%n",
        warmupEvents == 0
            ? "no warm-up"
            : String.format(Locale.ROOT, "warm-up of %,d events per contestant", warmupEvents),
        repeat);
    out.printf(
        Locale.ROOT,
        "streams    %s, %d partition(s), %d stream thread(s), commit.interval.ms %d%n",
        sample.processingGuarantee(),
        partitions,
        sample.numStreamThreads(),
        commitIntervalMs);
    out.printf(
        Locale.ROOT,
        "sluice     pipeline.batch.max.size %d, pipeline.batch.max.linger.ms %d%n",
        p.batchMaxSize(),
        p.batchMaxLinger().toMillis());
    out.printf(Locale.ROOT, "model      %s%n", model);
    out.printf(
        Locale.ROOT,
        "stack      embedded KRaft broker (this JVM) and Apicurio registry (child JVM), loopback%n");
    out.printf(
        Locale.ROOT,
        "machine    %d cores%s, %s %s%n",
        rt.availableProcessors(),
        cpuModel().map(m -> " (" + m + ")").orElse(""),
        System.getProperty("os.name"),
        System.getProperty("os.arch"));
    loadAverage()
        .ifPresent(
            load -> {
              out.printf(Locale.ROOT, "load       %s (1, 5, 15 min) before the runs%n", load);
              double oneMinute = Double.parseDouble(load.split(" ")[0]);
              if (oneMinute > rt.availableProcessors() / 2.0) {
                out.println(
                    "           warning: the machine is busy; other work shares the cores and the"
                        + " numbers will be noisy");
              }
            });
    out.printf(
        Locale.ROOT,
        "jvm        %s %s, max heap %,d MiB, GC %s%s%n",
        System.getProperty("java.vm.name"),
        System.getProperty("java.runtime.version"),
        rt.maxMemory() / (1024 * 1024),
        gcs,
        jvmFlags.isEmpty() ? "" : ", flags " + String.join(" ", jvmFlags));
  }

  private void printSummary(List<Contestant> chosen, List<Run> results) {
    out.printf(
        Locale.ROOT,
        "%nsummary: median of %d run(s) of %,d events per contestant (min-max in brackets)%n",
        repeat,
        events);
    Map<Contestant, Double> throughput = new LinkedHashMap<>();
    Map<Contestant, Double> cpu = new LinkedHashMap<>();
    for (Contestant c : chosen) {
      List<Run> mine = results.stream().filter(r -> r.contestant() == c).toList();
      throughput.put(c, median(mine, Run::eventsPerSecond));
      cpu.put(c, median(mine, Run::cpuMicrosPerEvent));
      out.printf(
          Locale.ROOT,
          "  %-13s %-22s %,8.0f events/s [%,.0f-%,.0f]  %5.1f cpu us/event  latency p50 %,4.0f ms"
              + " p99 %,4.0f ms%n",
          c.id,
          c.description,
          throughput.get(c),
          mine.stream().mapToDouble(Run::eventsPerSecond).min().orElse(Double.NaN),
          mine.stream().mapToDouble(Run::eventsPerSecond).max().orElse(Double.NaN),
          cpu.get(c),
          median(mine, r -> r.p50Ms()),
          median(mine, r -> r.p99Ms()));
    }
    if (throughput.containsKey(Contestant.SLUICE)) {
      for (Contestant c : List.of(Contestant.PER_RECORD, Contestant.PASS_THROUGH)) {
        if (throughput.containsKey(c)) {
          out.printf(
              Locale.ROOT,
              "  sluice / %-13s %.2fx events/s, %.2fx cpu per event%n",
              c.id,
              throughput.get(Contestant.SLUICE) / throughput.get(c),
              cpu.get(Contestant.SLUICE) / cpu.get(c));
        }
      }
    }
    for (Contestant c : chosen) {
      out.println(
          "  "
              + Footprint.changelogLine(
                  c.id,
                  Footprint.medians(
                      results.stream()
                          .filter(r -> r.contestant() == c)
                          .map(Run::changelogPerEvent)
                          .toList())));
    }
    out.println("  " + Footprint.rssLine());
    out.println(
        "events/s: events / (last prediction read with read_committed - first record taken by"
            + " the stream thread).");
    out.println(
        "cpu us/event: CPU time of this JVM (application, broker and reader) over the same"
            + " interval, per event.");
    out.println(
        "latency: from the stream thread taking a record (Prediction.ingestTime) to the"
            + " read_committed reader receiving its prediction.");
    out.println("start s: from start() to the first record taken (group join, task creation).");
    out.println(
        "chg/ev, changelog records per event: records the run's state stores wrote to their"
            + " changelog topics (end offsets after the run), per event; medians per store.");
  }

  private static double median(List<Run> runs, ToDoubleFunction<Run> metric) {
    double[] values = runs.stream().mapToDouble(metric).sorted().toArray();
    if (values.length == 0) {
      return Double.NaN;
    }
    int mid = values.length / 2;
    return values.length % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
  }

  /** Nearest-rank percentile of sorted values; -1 if there are none. */
  static long percentile(long[] sorted, double q) {
    if (sorted.length == 0) {
      return -1;
    }
    int rank = (int) Math.ceil(q * sorted.length);
    return sorted[Math.max(0, rank - 1)];
  }

  private static Optional<String> cpuModel() {
    Path cpuinfo = Path.of("/proc/cpuinfo");
    if (!Files.isReadable(cpuinfo)) {
      return Optional.empty();
    }
    try (Stream<String> lines = Files.lines(cpuinfo, StandardCharsets.UTF_8)) {
      return lines
          .filter(l -> l.startsWith("model name"))
          .map(l -> l.substring(l.indexOf(':') + 1).trim())
          .findFirst();
    } catch (IOException | UncheckedIOException e) {
      return Optional.empty();
    }
  }

  /** The first three fields of {@code /proc/loadavg}, where there is one. */
  static Optional<String> loadAverage() {
    try {
      String[] fields =
          Files.readString(Path.of("/proc/loadavg"), StandardCharsets.UTF_8).trim().split(" ");
      return Optional.of(String.join(" ", Arrays.copyOf(fields, 3)));
    } catch (IOException | UncheckedIOException e) {
      return Optional.empty();
    }
  }

  private static void requireAtLeast(String option, int value, int min) {
    if (value < min) {
      throw new IllegalArgumentException(option + " must be at least " + min + ", was " + value);
    }
  }

  static void deleteRecursively(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete benchmark state in " + dir, e);
    }
  }
}
