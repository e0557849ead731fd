package io.sluice.loadtests;

import io.sluice.config.ConfigKeys;
import io.sluice.embedded.EmbeddedRegistry;
import io.sluice.embedded.FreezableProxy;
import io.sluice.errors.DeadLetter;
import io.sluice.kinds.recommendation.Catalogue;
import io.sluice.kinds.recommendation.Rating;
import io.sluice.kinds.recommendation.RecommendationKeys;
import io.sluice.kinds.recommendation.RecommendationKind;
import io.sluice.samples.FraudDemo;
import io.sluice.samples.FraudEvents;
import io.sluice.samples.OutputCollector;
import io.sluice.samples.RecsDemo;
import io.sluice.samples.RecsEvents;
import io.sluice.samples.SampleProducer;
import io.sluice.schemas.CardTransaction;
import io.sluice.schemas.Prediction;
import io.sluice.schemas.RatingEvent;
import io.sluice.schemas.Recommendation;
import io.sluice.serde.AvroRecordDecoder;
import io.sluice.serde.RegistrySettings;
import io.sluice.serde.RestSchemaRegistryClient;
import io.sluice.serde.SchemaRegistryClient;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Random;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.avro.Schema;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.utils.Utils;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The chaos run ({@code load-tests/run-chaos}): N instances of the fraud and the recommendation
 * pipelines ({@link ChaosInstance}, one JVM each) on a broker of their own ({@link ChaosBroker},
 * killable) and the embedded registry behind a {@link FreezableProxy}; unique-id events at a fixed
 * rate throughout; K {@code kill -9}s of an instance with restarts, one of the broker with a
 * restart, and a registry outage (new schema ids arriving on some partitions meanwhile), in a
 * seeded random order and at seeded random moments; then a drain and the count of a {@code
 * read_committed} reader ({@link ChaosLedger}) per pipeline and per fault window. Exits with 1 if
 * anything was lost or duplicated, or an instance failed.
 */
@Command(
    name = "run-chaos",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = "Sluice's chaos run: instance, broker and registry faults under load, counted.")
public final class ChaosRun implements Callable<Integer> {
  @Option(names = "--instances", description = "Application instances (default: ${DEFAULT-VALUE}).")
  int instances = 3;

  @Option(names = "--kills", description = "kill -9s of an instance (default: ${DEFAULT-VALUE}).")
  int kills = 5;

  @Option(
      names = "--rate",
      description = "Events per second into each pipeline (default: ${DEFAULT-VALUE}).")
  int rate = 40;

  @Option(
      names = "--seed",
      description = "Seed of the fault order and moments (default: ${DEFAULT-VALUE}).")
  long seed = 42;

  @Option(
      names = "--outage",
      description = "Seconds the registry is unreachable (default: ${DEFAULT-VALUE}).")
  int outageSeconds = 30;

  @Option(
      names = "--partitions",
      description = "Partitions of every topic (default: ${DEFAULT-VALUE}).")
  int partitions = 6;

  @Option(
      names = "--window",
      description =
          "Seconds from one fault to the next, at least (each window adds 0-5 s at random;"
              + " default: ${DEFAULT-VALUE}).")
  int windowSeconds = 20;

  @Option(
      names = "--restart-after",
      description = "Seconds before a killed instance starts again (default: ${DEFAULT-VALUE}).")
  int restartAfterSeconds = 8;

  @Option(
      names = "--abort-interval-ms",
      description =
          "The broker's transaction.abort.timed.out.transaction.cleanup.interval.ms"
              + " (Kafka's default 10000; default here: ${DEFAULT-VALUE}).")
  int abortIntervalMs = 1000;

  @Option(
      names = "--drain",
      description = "Seconds to wait at most for the last outputs (default: ${DEFAULT-VALUE}).")
  int drainSeconds = 60;

  @Option(names = "--data-dir", description = "Data directory (default: SLUICE_DATA_DIR).")
  Path dataDir =
      Path.of(Optional.ofNullable(System.getenv("SLUICE_DATA_DIR")).orElse("../shared/data"));

  @Option(
      names = "--models-dir",
      description = "Where the models are (trained if missing; default: ${DEFAULT-VALUE}).")
  Path modelsDir = Path.of(".sluice", "models");

  @Option(
      names = "--work",
      description =
          "Directory for the broker's data, the instances' state and logs (default: a new temporary one).")
  Path work;

  @Option(
      names = "--instance-java-opts",
      description = "JVM options of each instance (default: ${DEFAULT-VALUE}).")
  String instanceJavaOpts = "-Xmx512m -XX:+UseSerialGC";

  private static final int STEADY_SECONDS = 10;
  private static final int JITTER_SECONDS = 5;
  private static final int WIDENED_DURING_OUTAGE = 2;

  private final PrintStream out = System.out;

  /** How long the killed broker took to serve again, once it has. */
  private volatile long brokerDownNanos;

  /** What a fault window does at its start. */
  private record Fault(String kind, int instance, long atMillis, long lengthMillis) {
    String describe(long startMillis) {
      String at = String.format(Locale.ROOT, "at +%.0f s", (atMillis - startMillis) / 1000.0);
      return switch (kind) {
        case "kill" -> "kill -9 instance " + instance + " " + at;
        case "broker" -> "kill -9 broker " + at;
        case "outage" -> "registry outage " + at;
        default -> "steady " + at;
      };
    }
  }

  /** One pipeline's topics, ledger and how to read its output's event id. */
  private record Pipeline(
      String name,
      String input,
      String output,
      String deadLetters,
      ChaosLedger ledger,
      Function<byte[], String> eventIdOf) {}

  public static void main(String[] args) {
    System.exit(new CommandLine(new ChaosRun()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    if (work == null) {
      work = Files.createTempDirectory("sluice-chaos-");
    }
    Files.createDirectories(work);
    Random random = new Random(seed);
    List<Fault> plan = plan(random, 0);
    long faultsMillis = plan.stream().mapToLong(Fault::lengthMillis).sum();
    out.printf(
        Locale.ROOT,
        "== Sluice chaos run: %d instances, %d partitions, %d events/s into each pipeline, %d"
            + " instance kills, 1 broker kill, registry outage %d s, seed %d ==%n",
        instances,
        partitions,
        rate,
        kills,
        outageSeconds,
        seed);
    out.printf(
        Locale.ROOT,
        "planned: about %.1f min (start 1-2 min, faults %.0f s, drain up to %d s); work dir %s%n",
        (90_000 + faultsMillis + 20_000) / 60_000.0,
        faultsMillis / 1000.0,
        drainSeconds,
        work);
    for (Fault f : plan) {
      out.printf(Locale.ROOT, "  %-32s window %.0f s%n", f.describe(0), f.lengthMillis() / 1000.0);
    }
    out.printf(
        "load average at start: %s (%d cores)%n",
        FraudThroughputBenchmark.loadAverage().orElse("n/a"),
        Runtime.getRuntime().availableProcessors());
    out.flush();

    Path fraudModel = FraudDemo.ensureModel(dataDir, modelsDir);
    Path recsModel = RecsDemo.ensureModel(dataDir, modelsDir);
    int brokerPort = freePort();
    int controllerPort = freePort();
    String bootstrap = "127.0.0.1:" + brokerPort;
    List<Process> instanceProcesses = new ArrayList<>();
    Process[] broker = new Process[1];
    ScheduledExecutorService faults = Executors.newSingleThreadScheduledExecutor();
    List<String> faultErrors = java.util.Collections.synchronizedList(new ArrayList<>());
    try (EmbeddedRegistry registryServer = EmbeddedRegistry.start();
        FreezableProxy proxy = new FreezableProxy(registryServer.port());
        SchemaRegistryClient registry =
            new RestSchemaRegistryClient(RegistrySettings.of(registryServer.url()))) {
      broker[0] = startBroker(brokerPort, controllerPort);
      String proxied =
          registryServer.url().replace(":" + registryServer.port(), ":" + proxy.port());
      Map<String, String> fraudConfig =
          FraudDemo.pipelineConfig(bootstrap, proxied, fraudModel, "chaos-fraud", work);
      Map<String, String> recsConfig =
          RecsDemo.pipelineConfig(bootstrap, proxied, recsModel, "chaos-recs", work);
      int capacity = rate * (int) ((faultsMillis + 600_000) / 1000);
      Pipeline fraud =
          pipeline(
              "fraud",
              fraudConfig,
              capacity,
              AvroRecordDecoder.specific(registry, Prediction.class),
              p -> p.getEventId());
      RecsListCheck recsLists =
          new RecsListCheck(
              Catalogue.read(recsModel),
              RecommendationKind.settings(
                  new AbstractConfig(RecommendationKeys.DEFINITION, recsConfig, false)));
      Pipeline recs =
          pipeline(
              "recs",
              recsConfig,
              capacity,
              AvroRecordDecoder.specific(registry, Recommendation.class),
              r -> {
                // The reader decodes every output once: the list's recent items are kept here.
                recsLists.output(r.getTrigger().getEventId().toString(), r.getRecentItems());
                return r.getTrigger().getEventId();
              });
      createTopics(bootstrap, fraudConfig, recsConfig);
      Schema widened = FraudEvents.widenedSchema();
      int widenedId = registry.register(fraud.input() + "-value", widened);

      List<Path> instanceConfigs = new ArrayList<>();
      for (int i = 0; i < instances; i++) {
        instanceConfigs.add(instanceConfig(i, "fraud", fraudConfig));
        instanceConfigs.add(instanceConfig(i, "recs", recsConfig));
        instanceProcesses.add(null);
      }
      try (Traffic traffic =
              new Traffic(
                  bootstrap,
                  registry,
                  partitions,
                  rate,
                  fraud,
                  recs,
                  FraudEvents.read(dataDir),
                  lastRatings(dataDir),
                  recsLists);
          Reader reader = new Reader(bootstrap, partitions, List.of(fraud, recs))) {
        for (int i = 0; i < instances; i++) {
          instanceProcesses.set(i, startInstance(i, instanceConfigs));
        }
        for (int i = 0; i < instances; i++) {
          awaitLine(log("instance-" + i), "running", 180);
        }
        long trafficStart = System.currentTimeMillis();
        traffic.start();
        reader.awaitOutputOnEveryPartition(180, trafficStart, out);
        long start = System.currentTimeMillis();
        out.println("faults follow");
        out.flush();
        List<ChaosLedger.Window> windows = new ArrayList<>();
        windows.add(new ChaosLedger.Window("start (until outputs flow)", trafficStart));
        List<Fault> schedule = plan(new Random(seed), start);
        for (Fault f : schedule) {
          windows.add(new ChaosLedger.Window(f.describe(start), f.atMillis()));
          long delay = f.atMillis() - System.currentTimeMillis();
          Scheduler at =
              (millis, action) -> schedule(faults, millis, action, f, start, faultErrors);
          switch (f.kind()) {
            case "kill" -> {
              at.run(delay, () -> kill(instanceProcesses.get(f.instance())));
              at.run(
                  delay + restartAfterSeconds * 1000L,
                  () ->
                      instanceProcesses.set(
                          f.instance(), startInstance(f.instance(), instanceConfigs)));
            }
            case "broker" ->
                at.run(
                    delay,
                    () -> {
                      long killed = System.nanoTime();
                      kill(broker[0]);
                      broker[0] = startBroker(brokerPort, controllerPort);
                      brokerDownNanos = System.nanoTime() - killed;
                    });
            case "outage" -> {
              at.run(
                  delay,
                  () -> {
                    proxy.freeze();
                    traffic.widenNext(widened, widenedId, WIDENED_DURING_OUTAGE);
                  });
              at.run(delay + outageSeconds * 1000L, proxy::thaw);
            }
            default -> {}
          }
        }
        Fault last = schedule.get(schedule.size() - 1);
        long end = last.atMillis() + last.lengthMillis();
        Thread.sleep(Math.max(0, end - System.currentTimeMillis()));
        traffic.close();
        windows.add(new ChaosLedger.Window("after the last window (drain)", end));
        out.printf(
            Locale.ROOT,
            "faults done; produced fraud %d, recs %d; draining (up to %d s) ...%n",
            traffic.sent(fraud),
            traffic.sent(recs),
            drainSeconds);
        out.flush();
        reader.awaitDrained(drainSeconds);
        reader.close();
        List<String> failed = new ArrayList<>();
        for (int i = 0; i < instances; i++) {
          // An instance that failed by itself printed "failed: <cause>" and exited (ChaosInstance),
          // perhaps before a kill or a restart hid it.
          try (var lines = Files.lines(log("instance-" + i), StandardCharsets.ISO_8859_1)) {
            int instance = i;
            lines
                .filter(l -> l.startsWith("failed: "))
                .forEach(
                    l ->
                        failed.add(
                            "instance "
                                + instance
                                + " exited by itself, see "
                                + log("instance-" + instance)
                                + ": "
                                + l));
          }
        }
        boolean bad = report(List.of(fraud, recs), windows, traffic.widenedPartitions());
        bad |= reportLists(recsLists.check());
        if (bad) {
          printOpenTransactions(bootstrap, List.of(fraud, recs));
        }
        printSkippedMarkers();
        failed.addAll(faultErrors);
        failed.forEach(f -> out.println("FAILED: " + f));
        out.printf(
            "load average at end: %s (other builds share this machine: the times are indicative)%n",
            FraudThroughputBenchmark.loadAverage().orElse("n/a"));
        return bad || !failed.isEmpty() ? 1 : 0;
      }
    } finally {
      faults.shutdownNow();
      for (Process p : instanceProcesses) {
        stop(p);
      }
      stop(broker[0]);
    }
  }

  /**
   * Prints the transactions whose markers the broker skipped. Kafka 4.3.1's transaction coordinator
   * takes a partition without a leader for a deleted one and completes the transaction without
   * writing its marker there; the records it left are then decided by the producer's next
   * transaction, which can make an aborted output visible (a duplicate) or hide a committed one. A
   * single broker restarted after a kill has no leader for a moment: its controller fences the dead
   * incarnation's registration once that one's session expires ({@code broker.session.timeout.ms},
   * 9 s). A shorter session moves that moment earlier but, tried here, left both groups in
   * PreparingRebalance after the restart until the rebalance timeout (5 min): the clients joined
   * again before the old members' sessions had expired.
   */
  private void printSkippedMarkers() throws IOException {
    Path brokerLog = work.resolve("broker").resolve("broker.log");
    if (!Files.exists(brokerLog)) {
      return;
    }
    try (var lines = Files.lines(brokerLog, StandardCharsets.ISO_8859_1)) {
      List<String> skipped =
          lines.filter(l -> l.contains("Couldn't find leader endpoint for partitions")).toList();
      if (skipped.isEmpty()) {
        out.println("transaction markers skipped by the broker: none");
      } else {
        out.printf(
            "transaction markers skipped by the broker (partitions without a leader; their"
                + " records' fate is not the transaction's): %d%n",
            skipped.size());
        skipped.forEach(l -> out.println("  " + l));
      }
    }
  }

  /** A fault's action, which may fail. */
  private interface Action {
    void run() throws Exception;
  }

  /** Schedules a fault's action {@code millis} from now. */
  private interface Scheduler {
    void run(long millis, Action action);
  }

  private void schedule(
      ScheduledExecutorService faults,
      long millis,
      Action action,
      Fault fault,
      long start,
      List<String> errors) {
    faults.schedule(
        () -> {
          try {
            action.run();
          } catch (Exception | Error e) {
            errors.add(fault.describe(start) + ": " + e);
            out.println("FAULT FAILED: " + fault.describe(start) + ": " + e);
          }
        },
        millis,
        TimeUnit.MILLISECONDS);
  }

  /** The fault windows: steady first, then the faults in a seeded random order and lengths. */
  private List<Fault> plan(Random random, long startMillis) {
    List<String> kinds = new ArrayList<>();
    for (int i = 0; i < kills; i++) {
      kinds.add("kill");
    }
    kinds.add("broker");
    kinds.add("outage");
    java.util.Collections.shuffle(kinds, random);
    List<Fault> plan = new ArrayList<>();
    plan.add(new Fault("steady", -1, startMillis, STEADY_SECONDS * 1000L));
    long at = startMillis + STEADY_SECONDS * 1000L;
    for (String kind : kinds) {
      long length =
          (windowSeconds + (kind.equals("outage") ? outageSeconds : 0)) * 1000L
              + random.nextInt(JITTER_SECONDS * 1000);
      plan.add(new Fault(kind, kind.equals("kill") ? random.nextInt(instances) : -1, at, length));
      at += length;
    }
    return plan;
  }

  private boolean report(
      List<Pipeline> pipelines, List<ChaosLedger.Window> windows, TreeSet<Integer> widened) {
    boolean bad = false;
    out.println();
    if (brokerDownNanos > 0) {
      // Until its controller has fenced the killed incarnation's registration, whose session
      // outlives the kill (broker.session.timeout.ms, 9 s), the restarted broker is not unfenced.
      out.printf(
          Locale.ROOT,
          "the broker served again %.1f s after its kill -9 (restarted at once; ready once"
              + " unfenced)%n",
          brokerDownNanos / 1e9);
    }
    out.println(
        "new schema during the outage on input partition(s) "
            + widened
            + " of fraud (held back until the registry is back)");
    for (Pipeline p : pipelines) {
      List<ChaosLedger.Count> counts;
      int unexpected;
      int unacknowledged;
      synchronized (p.ledger()) {
        counts = p.ledger().count(windows);
        unexpected = p.ledger().unexpected();
        unacknowledged = p.ledger().unacknowledged();
      }
      int lost = 0;
      int duplicated = 0;
      int produced = 0;
      out.printf("%n%s%n", p.name());
      for (ChaosLedger.Count c : counts) {
        lost += c.lost();
        duplicated += c.duplicated();
        produced += c.produced();
        StringBuilder gaps = new StringBuilder();
        for (long g : c.gapMillis()) {
          gaps.append(String.format(Locale.ROOT, " %.1f", g / 1000.0));
        }
        out.printf(
            Locale.ROOT,
            "  %-32s produced %6d  lost %d duplicated %d  dead letters %s  longest gap %5.1f s"
                + " (per input partition:%s)%n",
            c.window(),
            c.produced(),
            c.lost(),
            c.duplicated(),
            c.deadLetters().isEmpty() ? "none" : c.deadLetters(),
            c.longestGapMillis() / 1000.0,
            gaps);
      }
      out.printf(
          "  %-32s produced %6d  lost %d duplicated %d  (outputs of no produced event: %d;"
              + " sends not acknowledged: %d)%n",
          "total", produced, lost, duplicated, unexpected, unacknowledged);
      bad |= lost > 0 || duplicated > 0;
    }
    out.println();
    out.println(bad ? "RESULT: events lost or duplicated" : "RESULT: lost 0 duplicated 0");
    return bad;
  }

  /** Prints the recommendation lists' check; true if a list disagrees with its replay. */
  private boolean reportLists(RecsListCheck.Result r) {
    out.printf(
        "recs lists: %d compared with a replay of their users' events, %d differ%s%n",
        r.compared(),
        r.mismatched(),
        r.missing() == 0 ? "" : " (" + r.missing() + " events sent had no list)");
    r.examples().forEach(e -> out.println("  differs: " + e));
    return r.mismatched() > 0;
  }

  /**
   * Transactions still open on the output topics after the drain: a {@code read_committed} reader
   * stops at the first one of a partition, so what a pipeline wrote behind it counts as lost.
   */
  private void printOpenTransactions(String bootstrap, List<Pipeline> pipelines) {
    List<TopicPartition> outputs = new ArrayList<>();
    for (Pipeline p : pipelines) {
      for (int i = 0; i < partitions; i++) {
        outputs.add(new TopicPartition(p.output(), i));
      }
    }
    try (Admin admin =
        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      admin
          .describeProducers(outputs)
          .all()
          .get(30, TimeUnit.SECONDS)
          .forEach(
              (tp, state) ->
                  state.activeProducers().stream()
                      .filter(ps -> ps.currentTransactionStartOffset().isPresent())
                      .forEach(
                          ps ->
                              out.printf(
                                  "open transaction on %s from offset %d (producer id %d, epoch"
                                      + " %d): read_committed readers wait there%n",
                                  tp,
                                  ps.currentTransactionStartOffset().getAsLong(),
                                  ps.producerId(),
                                  ps.producerEpoch())));
    } catch (Exception e) {
      out.println("could not list open transactions: " + e);
    }
  }

  private <T> Pipeline pipeline(
      String name,
      Map<String, String> config,
      int capacity,
      AvroRecordDecoder<T> decoder,
      Function<T, CharSequence> idOf) {
    return new Pipeline(
        name,
        config.get(ConfigKeys.INPUT_TOPIC),
        config.get(ConfigKeys.OUTPUT_TOPIC),
        config.get(ConfigKeys.DLQ_TOPIC),
        new ChaosLedger(partitions, capacity),
        bytes -> idOf.apply(decoder.decode(bytes)).toString());
  }

  private void createTopics(String bootstrap, Map<String, String> fraud, Map<String, String> recs)
      throws Exception {
    List<NewTopic> topics = new ArrayList<>();
    for (Map<String, String> c : List.of(fraud, recs)) {
      for (String key :
          List.of(
              ConfigKeys.INPUT_TOPIC,
              ConfigKeys.OUTPUT_TOPIC,
              ConfigKeys.ALERTS_TOPIC,
              ConfigKeys.DLQ_TOPIC)) {
        if (c.get(key) != null) {
          topics.add(new NewTopic(c.get(key), partitions, (short) 1));
        }
      }
    }
    try (Admin admin =
        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      admin.createTopics(topics).all().get(60, TimeUnit.SECONDS);
    }
  }

  /** The last ratings in time order, the recommendation pipeline's events (cycled). */
  private static List<RatingEvent> lastRatings(Path dataDir) throws IOException {
    List<RatingEvent> all = RecsEvents.read(dataDir);
    return all.subList(Math.max(0, all.size() - 20_000), all.size());
  }

  private Path instanceConfig(int instance, String pipeline, Map<String, String> base)
      throws IOException {
    Properties p = new Properties();
    p.putAll(base);
    p.put(ConfigKeys.STATE_DIR, work.resolve("state-" + instance).resolve(pipeline).toString());
    p.put(ConfigKeys.METRICS_PORT, "-1");
    Path file = work.resolve("instance-" + instance + "-" + pipeline + ".properties");
    try (OutputStream o = Files.newOutputStream(file)) {
      p.store(o, "chaos run, instance " + instance + ", " + pipeline);
    }
    return file;
  }

  private Path log(String name) {
    return work.resolve(name + ".log");
  }

  private Process startInstance(int instance, List<Path> configs) throws IOException {
    List<String> command = new ArrayList<>(javaCommand());
    command.addAll(List.of(instanceJavaOpts.trim().split("\\s+")));
    command.addAll(List.of("-cp", System.getProperty("java.class.path")));
    command.add(ChaosInstance.class.getName());
    command.add(configs.get(2 * instance).toString());
    command.add(configs.get(2 * instance + 1).toString());
    Path log = log("instance-" + instance);
    Files.writeString(
        log,
        "---- started " + Instant.now() + "\n",
        StandardCharsets.UTF_8,
        java.nio.file.StandardOpenOption.CREATE,
        java.nio.file.StandardOpenOption.APPEND);
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    return pb.start();
  }

  private Process startBroker(int brokerPort, int controllerPort) throws Exception {
    List<String> command = new ArrayList<>(javaCommand());
    command.addAll(
        List.of(
            "-Xmx1g",
            "-cp",
            System.getProperty("java.class.path"),
            ChaosBroker.class.getName(),
            Integer.toString(brokerPort),
            Integer.toString(controllerPort),
            work.resolve("broker").toString(),
            "transaction.abort.timed.out.transaction.cleanup.interval.ms=" + abortIntervalMs));
    Path log = log("broker");
    long before = Files.exists(log) ? countLines(log, "ready") : 0;
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    Process p = pb.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (countLines(log, "ready") <= before) {
      if (!p.isAlive() || System.nanoTime() > deadline) {
        throw new IllegalStateException("the broker did not start; see " + log);
      }
      Thread.sleep(100);
    }
    return p;
  }

  private static void awaitLine(Path log, String line, int seconds) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!Files.exists(log) || countLines(log, line) == 0) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("no '" + line + "' in " + log + " after " + seconds + " s");
      }
      Thread.sleep(200);
    }
  }

  private static long countLines(Path log, String line) {
    try (var lines = Files.lines(log, StandardCharsets.ISO_8859_1)) {
      return lines.filter(line::equals).count();
    } catch (IOException | UncheckedIOException e) {
      return 0;
    }
  }

  private static List<String> javaCommand() {
    return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }

  /** {@code kill -9}: {@link Process#destroyForcibly()} sends SIGKILL on Unix. */
  private static void kill(Process p) throws InterruptedException {
    p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
  }

  private static void stop(Process p) {
    if (p == null) {
      return;
    }
    p.destroy();
    try {
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /**
   * Produces unique-id events into both pipelines at a fixed rate on a thread of its own, noting
   * each in its pipeline's ledger before the send; {@link #widenNext} makes the next fraud events
   * use a schema id the instances have not seen.
   */
  private static final class Traffic implements AutoCloseable {
    private final KafkaProducer<String, byte[]> producer;
    private final int partitions;
    private final int rate;
    private final Pipeline fraud;
    private final Pipeline recs;
    private final List<CardTransaction> cards;
    private final List<RatingEvent> ratings;
    private final RecsListCheck recsLists;
    private final org.apache.kafka.common.serialization.Serializer<CardTransaction> cardSerializer;
    private final org.apache.kafka.common.serialization.Serializer<RatingEvent> ratingSerializer;
    private final Thread thread;
    private final TreeSet<Integer> widenedPartitions = new TreeSet<>();
    private volatile boolean running = true;
    private volatile Schema widened;
    private volatile int widenedId;
    private volatile int widenLeft;
    private int fraudSent;
    private int recsSent;

    Traffic(
        String bootstrap,
        SchemaRegistryClient registry,
        int partitions,
        int rate,
        Pipeline fraud,
        Pipeline recs,
        List<CardTransaction> cards,
        List<RatingEvent> ratings,
        RecsListCheck recsLists) {
      this.producer = SampleProducer.create(bootstrap);
      this.partitions = partitions;
      this.rate = rate;
      this.fraud = fraud;
      this.recs = recs;
      this.cards = cards;
      this.ratings = ratings;
      this.recsLists = recsLists;
      this.cardSerializer = SampleProducer.serializer(registry, CardTransaction.class);
      this.ratingSerializer = SampleProducer.serializer(registry, RatingEvent.class);
      this.thread = new Thread(this::run, "chaos-traffic");
    }

    void start() {
      thread.start();
    }

    void widenNext(Schema schema, int id, int count) {
      widened = schema;
      widenedId = id;
      widenLeft = count;
    }

    synchronized TreeSet<Integer> widenedPartitions() {
      return new TreeSet<>(widenedPartitions);
    }

    synchronized int sent(Pipeline p) {
      return p == fraud ? fraudSent : recsSent;
    }

    private void run() {
      long start = System.nanoTime();
      while (running) {
        long due = (System.nanoTime() - start) * rate / 1_000_000_000L;
        while (sent(fraud) < due) {
          sendFraud();
          sendRecs();
        }
        try {
          Thread.sleep(20);
        } catch (InterruptedException e) {
          return;
        }
      }
    }

    private void sendFraud() {
      int n = sent(fraud);
      CardTransaction e = CardTransaction.newBuilder(cards.get(n % cards.size())).build();
      e.setId("f-" + n);
      e.setEventTime(Instant.now());
      String key = e.getCardId().toString();
      int partition = partitionOf(key);
      byte[] value;
      if (widenLeft > 0) {
        widenLeft--;
        value = FraudEvents.encodeWidened(widened, widenedId, e);
        synchronized (this) {
          widenedPartitions.add(partition);
        }
      } else {
        value = cardSerializer.serialize(fraud.input(), e);
      }
      send(fraud, e.getId().toString(), key, partition, value);
      synchronized (this) {
        fraudSent++;
      }
    }

    private void sendRecs() {
      int n = sent(recs);
      RatingEvent e = RatingEvent.newBuilder(ratings.get(n % ratings.size())).build();
      e.setEventId("r-" + n);
      e.setEventTime(Instant.now());
      recsLists.sent(
          new Rating(
              e.getUserId(),
              e.getItemId(),
              e.getRating(),
              e.getEventTime().toEpochMilli(),
              e.getEventId().toString()));
      String key = Long.toString(e.getUserId());
      send(
          recs,
          e.getEventId().toString(),
          key,
          partitionOf(key),
          ratingSerializer.serialize(recs.input(), e));
      synchronized (this) {
        recsSent++;
      }
    }

    private void send(Pipeline p, String id, String key, int partition, byte[] value) {
      synchronized (p.ledger()) {
        p.ledger().produced(id, partition, System.currentTimeMillis());
      }
      producer.send(
          new ProducerRecord<>(p.input(), partition, key, value),
          (metadata, error) -> {
            synchronized (p.ledger()) {
              if (error == null) {
                p.ledger().acknowledged(id, metadata.offset());
              } else {
                p.ledger().notAcknowledged(id);
              }
            }
          });
    }

    /** The default partitioner's choice for a key: the pipelines are keyed by it. */
    private int partitionOf(String key) {
      return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    @Override
    public void close() throws InterruptedException {
      running = false;
      thread.join();
      producer.flush();
      producer.close();
    }
  }

  /**
   * Reads every pipeline's outputs and dead letters from the beginning with {@code read_committed}
   * (assigned partitions, no group: nothing to rebalance when the broker restarts) on a thread of
   * its own, into the ledgers with the time each arrived.
   */
  private static final class Reader implements AutoCloseable {
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final List<Pipeline> pipelines;
    private final int partitions;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile RuntimeException failure;

    Reader(String bootstrap, int partitions, List<Pipeline> pipelines) {
      this.consumer = OutputCollector.outputConsumer(bootstrap, Map.of());
      this.pipelines = pipelines;
      this.partitions = partitions;
      List<TopicPartition> assigned = new ArrayList<>();
      for (Pipeline p : pipelines) {
        for (int i = 0; i < partitions; i++) {
          assigned.add(new TopicPartition(p.output(), i));
          assigned.add(new TopicPartition(p.deadLetters(), i));
        }
      }
      consumer.assign(assigned);
      consumer.seekToBeginning(assigned);
      this.thread = new Thread(this::run, "chaos-reader");
      thread.start();
    }

    private void run() {
      try {
        while (running) {
          for (ConsumerRecord<byte[], byte[]> r : consumer.poll(java.time.Duration.ofMillis(100))) {
            long now = System.currentTimeMillis();
            for (Pipeline p : pipelines) {
              if (r.topic().equals(p.output())) {
                String id = p.eventIdOf().apply(r.value());
                synchronized (p.ledger()) {
                  p.ledger().output(id, now);
                }
              } else if (r.topic().equals(p.deadLetters())) {
                String partition = DeadLetter.header(r.headers(), DeadLetter.PARTITION);
                String offset = DeadLetter.header(r.headers(), DeadLetter.OFFSET);
                synchronized (p.ledger()) {
                  p.ledger()
                      .deadLetter(
                          partition == null ? -1 : Integer.parseInt(partition),
                          offset == null ? -1 : Long.parseLong(offset),
                          DeadLetter.header(r.headers(), DeadLetter.REASON),
                          now);
                }
              }
            }
          }
        }
      } catch (RuntimeException e) {
        failure = e;
      } finally {
        consumer.close();
      }
    }

    /**
     * Waits until every input partition of every pipeline has had an output, and prints when each
     * pipeline got there and when its last partition was first sent an event (the recommendation
     * events come in bursts per user: a partition may be sent nothing for a while).
     */
    void awaitOutputOnEveryPartition(int seconds, long sinceMillis, PrintStream out)
        throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      for (Pipeline p : pipelines) {
        while (true) {
          synchronized (p.ledger()) {
            if (p.ledger().partitionsWithOutput() == partitions) {
              long now = System.currentTimeMillis();
              out.printf(
                  Locale.ROOT,
                  "%s: every input partition has had an output %.1f s after the first event"
                      + " (the last partition was first sent an event %.1f s after it)%n",
                  p.name(),
                  (now - sinceMillis) / 1000.0,
                  (p.ledger().lastPartitionFirstSentMillis() - sinceMillis) / 1000.0);
              break;
            }
          }
          if (failure != null) {
            throw failure;
          }
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException(
                "no output on some input partition of " + p.name() + " after " + seconds + " s");
          }
          Thread.sleep(200);
        }
      }
    }

    /** Waits until every event produced is accounted for, or {@code seconds} pass. */
    void awaitDrained(int seconds) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      while (System.nanoTime() < deadline && failure == null) {
        boolean drained = true;
        for (Pipeline p : pipelines) {
          synchronized (p.ledger()) {
            drained &=
                p.ledger().accountedFor() + p.ledger().unacknowledged()
                    >= p.ledger().producedCount();
          }
        }
        if (drained) {
          Thread.sleep(3_000); // duplicates come late, if at all
          return;
        }
        Thread.sleep(500);
      }
      if (failure != null) {
        throw failure;
      }
    }

    @Override
    public void close() throws InterruptedException {
      running = false;
      thread.join();
    }
  }
}
