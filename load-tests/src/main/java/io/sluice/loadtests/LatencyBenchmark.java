package io.sluice.loadtests;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.app.SluiceApplication;
import io.sluice.config.ConfigKeys;
import io.sluice.config.ConfigLoader;
import io.sluice.embedded.EmbeddedStack;
import io.sluice.kinds.image.ImageKeys;
import io.sluice.samples.FraudDemo;
import io.sluice.samples.FraudEvents;
import io.sluice.samples.ImageDemo;
import io.sluice.samples.ImageEvents;
import io.sluice.samples.OutputCollector;
import io.sluice.samples.SampleProducer;
import io.sluice.schemas.CardTransaction;
import io.sluice.schemas.ImageEvent;
import io.sluice.serde.RegistrySettings;
import io.sluice.serde.RestSchemaRegistryClient;
import io.sluice.serde.SchemaRegistryClient;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.StreamsConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Latency of the fraud and vision pipelines under open-loop load, for fixed batch sizes and for the
 * latency target's adaptive batching, on the embedded broker and registry.
 *
 * <p>Per pipeline it first measures the maximum rate: a backlog of events drained by the pipeline
 * at {@code --max-rate-batch}. Then, per batching setting, it starts one application and offers it
 * each load (a share of the maximum rate) in turn, without a pause: an open-loop producer sends
 * each event at its scheduled time, whatever the pipeline does, with the scheduled time as the
 * record timestamp, so that a slow pipeline cannot slow the load down and hide its own latency
 * (coordinated omission). Each load runs {@code --warmup-seconds} unmeasured, then {@code
 * --point-seconds} measured. Per load it reports the rate sent and the rate that came out
 * (predictions read per second during the window), the processing latency (the engine's own timer:
 * stream thread taking a record to forwarding its output) and the end-to-end latency (the event's
 * scheduled time to a {@code read_committed} reader receiving its prediction, for the events
 * scheduled in the window, however late they come out), and the mean batch size.
 */
@Command(
    name = "run-latency-benchmark",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description =
        "Processing and end-to-end latency of the fraud and vision pipelines under open-loop load"
            + " at shares of their maximum rate, for fixed batch sizes and the adaptive batcher.")
public final class LatencyBenchmark implements Callable<Integer> {

  @Option(
      names = "--pipelines",
      split = ",",
      description = "Comma-separated: fraud, vision (default: ${DEFAULT-VALUE}).")
  List<String> pipelines = new ArrayList<>(List.of("fraud", "vision"));

  @Option(
      names = "--sizes",
      split = ",",
      description = "Fixed batch sizes to measure (default: ${DEFAULT-VALUE}).")
  List<Integer> sizes = new ArrayList<>(List.of(1, 16, 64, 256));

  @Option(
      names = "--adaptive",
      negatable = true,
      description = "Measure the adaptive batcher too (default: ${DEFAULT-VALUE}).")
  boolean adaptive = true;

  @Option(
      names = "--loads",
      split = ",",
      description = "Loads, in percent of the maximum rate (default: ${DEFAULT-VALUE}).")
  List<Integer> loads = new ArrayList<>(List.of(25, 50, 80, 100));

  @Option(
      names = "--point-seconds",
      description = "Measured seconds per load and setting (default: ${DEFAULT-VALUE}).")
  int pointSeconds = 10;

  @Option(
      names = "--warmup-seconds",
      description = "Unmeasured seconds before each load's window (default: ${DEFAULT-VALUE}).")
  int warmupSeconds = 3;

  @Option(
      names = "--fraud-target-ms",
      description = "The adaptive batcher's latency target on fraud (default: ${DEFAULT-VALUE}).")
  long fraudTargetMs = 20;

  @Option(
      names = "--vision-target-ms",
      description = "The adaptive batcher's latency target on vision (default: ${DEFAULT-VALUE}).")
  long visionTargetMs = 200;

  @Option(
      names = "--max-rate-batch",
      description =
          "Batch size of the maximum-rate measurement (default: ${DEFAULT-VALUE}, Sluice's"
              + " default).")
  int maxRateBatch = 64;

  @Option(
      names = "--max-rate",
      paramLabel = "PIPELINE=EVENTS_PER_S",
      description =
          "Skip the maximum-rate measurement of a pipeline and take this rate, e.g."
              + " --max-rate fraud=40000 (repeatable).")
  Map<String, Double> givenMaxRates = new LinkedHashMap<>();

  @Option(
      names = "--fraud-backlog",
      description = "Events of the fraud maximum-rate measurement (default: ${DEFAULT-VALUE}).")
  int fraudBacklog = 200_000;

  @Option(
      names = "--vision-backlog",
      description = "Images of the vision maximum-rate measurement (default: ${DEFAULT-VALUE}).")
  int visionBacklog = 1_500;

  @Option(
      names = "--partitions",
      description = "Partitions of every topic (default: ${DEFAULT-VALUE}).")
  int partitions = 2;

  @Option(
      names = "--guarantee",
      description =
          "processing.guarantee: exactly_once_v2 or at_least_once (default: ${DEFAULT-VALUE}).")
  String guarantee = "exactly_once_v2";

  @Option(
      names = "--commit-interval-ms",
      description =
          "Kafka Streams commit.interval.ms (default: ${DEFAULT-VALUE}, Kafka's default under"
              + " exactly-once).")
  int commitIntervalMs = 100;

  @Option(
      names = "--set",
      paramLabel = "KEY=VALUE",
      description = "Any other Sluice configuration key for every application (repeatable).")
  Map<String, String> settings = new LinkedHashMap<>();

  @Option(
      names = "--drain-seconds",
      description =
          "After the last load, how long to wait at most for the late predictions (default:"
              + " ${DEFAULT-VALUE}).")
  int drainSeconds = 60;

  @Option(
      names = "--html",
      description = "Where to write the HTML report (default: ${DEFAULT-VALUE}).")
  Path html = Path.of("load-tests", "target", "latency-benchmark.html");

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
      names = "--descriptors",
      description = "Vision descriptors folder (default: ${DEFAULT-VALUE}).")
  Path descriptors = Path.of("models", "descriptors", "vision");

  private static final List<String> PHOTOS =
      List.of(
          "cat.jpg",
          "dog.jpg",
          "fish.png",
          "grace_hopper.jpg",
          "imagenet_finch.jpeg",
          "kitten_224.png",
          "space_shuttle.jpg",
          "tigerCat.jpg");

  /** The end-to-end histogram's bound; beyond it a latency counts as this plus one. */
  private static final int MAX_E2E_MS = 300_000;

  private final PrintStream out = System.out;
  private EmbeddedStack stack;
  private int appCount;

  /** An encoded event: its key and its value in the Confluent wire format. */
  private record Encoded(String key, byte[] value) {}

  /** What differs between the pipelines. */
  /**
   * A pipeline to load: its name, latency target, the events to cycle through (encoded), the
   * backlog that measures its maximum rate, and its demo configuration for an input topic ({@link
   * #config} sets the other topics and the batching).
   */
  private record Workload(
      String name, long targetMs, List<Encoded> events, int backlog, BaseConfig base) {}

  /** A pipeline's configuration reading {@code inputTopic}, before the benchmark's settings. */
  @FunctionalInterface
  private interface BaseConfig {
    Map<String, String> of(String applicationId, String inputTopic, Path stateDir) throws Exception;
  }

  /** The topics of one application. */
  private record Topics(String input, String predictions, String alerts, String deadLetters) {
    static Topics named(String prefix) {
      return new Topics(
          prefix + "-in", prefix + "-predictions", prefix + "-alerts", prefix + "-dlq");
    }
  }

  /** One load of one application: its rate, and when its measured window is (wall clock ms). */
  private static final class Step {
    final int loadPercent;
    final double rate;
    final long startMs;
    final long windowStartMs;
    final long windowEndMs;
    final LatencyStats.MillisHistogram endToEnd = new LatencyStats.MillisHistogram(MAX_E2E_MS);
    final AtomicLong outInWindow = new AtomicLong();
    volatile long sentInWindow;
    LatencyStats.MeterSnapshot meterFrom;
    LatencyStats.MeterSnapshot meterTo;

    Step(int loadPercent, double rate, long startMs, long windowStartMs, long windowEndMs) {
      this.loadPercent = loadPercent;
      this.rate = rate;
      this.startMs = startMs;
      this.windowStartMs = windowStartMs;
      this.windowEndMs = windowEndMs;
    }
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new LatencyBenchmark()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    require(pointSeconds >= 1, "--point-seconds must be at least 1");
    require(warmupSeconds >= 0, "--warmup-seconds must be at least 0");
    require(!loads.isEmpty() && loads.stream().allMatch(l -> l > 0), "--loads must be positive");
    require(partitions >= 1, "--partitions must be at least 1");
    for (String p : pipelines) {
      require(p.equals("fraud") || p.equals("vision"), "unknown pipeline '" + p + "'");
    }
    if (!Files.isDirectory(dataDir)) {
      throw new IllegalArgumentException(
          "data directory "
              + dataDir.toAbsolutePath()
              + " does not exist; set --data-dir or SLUICE_DATA_DIR");
    }
    dataDir = dataDir.toAbsolutePath().normalize();
    List<String> settingNames = new ArrayList<>();
    sizes.forEach(s -> settingNames.add("size " + s));
    if (adaptive) {
      settingNames.add("adaptive");
    }
    int perApp = loads.size() * (warmupSeconds + pointSeconds);
    long measuring = pipelines.stream().filter(p -> !givenMaxRates.containsKey(p)).count();
    out.printf(
        Locale.ROOT,
        "latency benchmark: pipelines %s, settings %s, loads %s%% of the maximum rate, %d s"
            + " warm-up + %d s measured per load; %s, commit.interval.ms %d, %d partitions, %d"
            + " cores%n",
        pipelines,
        settingNames,
        loads,
        warmupSeconds,
        pointSeconds,
        guarantee,
        commitIntervalMs,
        partitions,
        Runtime.getRuntime().availableProcessors());
    out.printf(
        Locale.ROOT,
        "planned: %d applications x %d s of load, plus %d maximum-rate measurement(s) and"
            + " start-up: about %d minutes%n",
        pipelines.size() * settingNames.size(),
        perApp,
        measuring,
        Math.round(
            (pipelines.size() * settingNames.size() * (perApp + 15.0) + measuring * 60.0) / 60));
    List<LatencyReport.Point> points = new ArrayList<>();
    Map<String, Double> maxRates = new LinkedHashMap<>();
    Path stateRoot = Files.createTempDirectory("sluice-latency-bench");
    try (EmbeddedStack started = EmbeddedStack.start();
        SchemaRegistryClient registry =
            new RestSchemaRegistryClient(RegistrySettings.of(started.registry().url()))) {
      stack = started;
      for (String name : pipelines) {
        Workload w = name.equals("fraud") ? fraud(registry) : vision(registry);
        double maxRate =
            givenMaxRates.containsKey(name)
                ? givenMaxRates.get(name)
                : measureMaxRate(w, stateRoot);
        maxRates.put(name, maxRate);
        out.printf(Locale.ROOT, "%n%s: maximum rate %,.0f events/s%n", name, maxRate);
        out.println(LatencyReport.HEADER);
        for (String setting : settingNames) {
          for (LatencyReport.Point p : runSetting(w, setting, maxRate, stateRoot)) {
            points.add(p);
            out.println(LatencyReport.line(p));
          }
        }
      }
    } finally {
      FraudThroughputBenchmark.deleteRecursively(stateRoot);
    }
    String setup =
        String.format(
            Locale.ROOT,
            "%s, commit.interval.ms %d, %d partitions, %d cores; %d s warm-up + %d s measured per"
                + " load; adaptive targets: fraud %d ms, vision %d ms. Processing latency: the"
                + " engine's timer (stream thread taking a record to forwarding its output),"
                + " interpolated within its buckets; end-to-end: the event's scheduled time to a"
                + " read_committed reader.",
            guarantee,
            commitIntervalMs,
            partitions,
            Runtime.getRuntime().availableProcessors(),
            warmupSeconds,
            pointSeconds,
            fraudTargetMs,
            visionTargetMs);
    Files.createDirectories(html.toAbsolutePath().getParent());
    Files.writeString(html, LatencyReport.html(points, maxRates, setup), StandardCharsets.UTF_8);
    out.printf("%nHTML report: %s%n", html.toAbsolutePath());
    return 0;
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new CommandLine.ParameterException(new CommandLine(new LatencyBenchmark()), message);
    }
  }

  private Workload fraud(SchemaRegistryClient registry) throws Exception {
    Path descriptor = FraudDemo.ensureModel(dataDir, modelsDir);
    var serializer = SampleProducer.serializer(registry, CardTransaction.class);
    List<Encoded> events = new ArrayList<>();
    for (CardTransaction t : FraudEvents.read(dataDir)) {
      events.add(new Encoded(t.getCardId(), serializer.serialize("latency-bench", t)));
    }
    return new Workload(
        "fraud",
        fraudTargetMs,
        events,
        fraudBacklog,
        (applicationId, input, stateDir) ->
            FraudDemo.pipelineConfig(stack, descriptor, applicationId, stateDir));
  }

  private Workload vision(SchemaRegistryClient registry) throws Exception {
    Path descriptor = descriptors.resolve(ImageDemo.IMAGENET.descriptor() + ".json");
    var serializer = SampleProducer.serializer(registry, ImageEvent.class);
    List<Encoded> events = new ArrayList<>();
    for (int i = 0; i < PHOTOS.size(); i++) {
      byte[] photo = Files.readAllBytes(ImageEvents.imagesDir(dataDir).resolve(PHOTOS.get(i)));
      ImageEvent e = ImageEvents.withData("img-" + i, i, photo, null);
      events.add(new Encoded(e.getId(), serializer.serialize("latency-bench", e)));
    }
    return new Workload(
        "vision",
        visionTargetMs,
        events,
        visionBacklog,
        (applicationId, input, stateDir) -> {
          ImageDemo.Pipeline p =
              new ImageDemo.Pipeline(applicationId, ImageDemo.IMAGENET.descriptor(), input, 0.0);
          Map<String, String> c =
              new HashMap<>(
                  p.config(stack, descriptor.getParent(), dataDir, applicationId, stateDir));
          c.put(ConfigKeys.EXECUTION_PROVIDER, "cpu");
          c.remove(ImageKeys.ALERT_MIN_CONFIDENCE);
          return c;
        });
  }

  /** The configuration of one application of {@code w} with one batching setting. */
  private Map<String, String> config(
      Workload w, String setting, String applicationId, Topics topics, Path stateRoot)
      throws Exception {
    Map<String, String> c =
        new HashMap<>(w.base().of(applicationId, topics.input(), stateRoot.resolve(applicationId)));
    c.put(ConfigKeys.INPUT_TOPIC, topics.input());
    c.put(ConfigKeys.OUTPUT_TOPIC, topics.predictions());
    c.put(ConfigKeys.ALERTS_TOPIC, topics.alerts());
    c.put(ConfigKeys.DLQ_TOPIC, topics.deadLetters());
    c.put(ConfigKeys.PROCESSING_GUARANTEE, guarantee);
    c.put(
        ConfigKeys.KAFKA_PREFIX + StreamsConfig.COMMIT_INTERVAL_MS_CONFIG,
        Integer.toString(commitIntervalMs));
    if (setting.equals("adaptive")) {
      int largest = sizes.stream().mapToInt(Integer::intValue).max().orElse(256);
      c.put(ConfigKeys.BATCH_MAX_SIZE, Integer.toString(Math.max(largest, 1)));
      c.put(ConfigKeys.BATCH_LATENCY_TARGET_MS, Long.toString(w.targetMs()));
    } else {
      c.put(ConfigKeys.BATCH_MAX_SIZE, setting.substring("size ".length()));
    }
    c.putAll(settings);
    return c;
  }

  /**
   * The rate at which the pipeline drains a backlog at {@code --max-rate-batch}: predictions read
   * per second between the 10th and the last percent of them (start-up not counted).
   */
  private double measureMaxRate(Workload w, Path stateRoot) throws Exception {
    String name = "latency-" + (++appCount) + "-" + w.name() + "-max";
    Topics topics = create(name);
    out.printf(
        Locale.ROOT,
        "%n%s: measuring the maximum rate: %,d events produced first, then drained at batch size"
            + " %d ...%n",
        w.name(),
        w.backlog(),
        maxRateBatch);
    try (KafkaProducer<String, byte[]> producer = producer()) {
      List<Encoded> events = w.events();
      long now = System.currentTimeMillis();
      for (int i = 0; i < w.backlog(); i++) {
        Encoded e = events.get(i % events.size());
        producer.send(new ProducerRecord<>(topics.input(), null, now, e.key(), e.value()));
      }
      producer.flush();
    }
    Map<String, String> c = config(w, "size " + maxRateBatch, name, topics, stateRoot);
    try (Reader reader = new Reader(topics.predictions(), List.of());
        SluiceApplication app =
            SluiceApplication.create(
                ConfigLoader.load(Optional.empty(), Map.of(), c), new SimpleMeterRegistry())) {
      reader.start();
      app.start();
      long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
      int first = Math.max(1, w.backlog() / 10);
      long firstMs = 0;
      while (reader.received() < w.backlog()) {
        if (app.state() == SluiceApplication.State.FAILED) {
          throw new IllegalStateException("the application failed", app.failure());
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              "maximum rate: " + reader.received() + " of " + w.backlog() + " in 10 minutes");
        }
        if (firstMs == 0 && reader.received() >= first) {
          firstMs = reader.lastArrivalMs();
          first = (int) reader.received();
        }
        Thread.sleep(20);
      }
      long lastMs = reader.lastArrivalMs();
      return (w.backlog() - first) / Math.max(0.001, (lastMs - firstMs) / 1e3);
    }
  }

  /** One application with one batching setting, offered every load in turn. */
  private List<LatencyReport.Point> runSetting(
      Workload w, String setting, double maxRate, Path stateRoot) throws Exception {
    String name = "latency-" + (++appCount) + "-" + w.name() + "-" + setting.replace(' ', '-');
    Topics topics = create(name);
    Map<String, String> c = config(w, setting, name, topics, stateRoot);
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    LatencyStats.cumulativeHistograms(meters);
    List<Step> steps = new ArrayList<>();
    long sent;
    long late;
    try (SluiceApplication app =
        SluiceApplication.create(ConfigLoader.load(Optional.empty(), Map.of(), c), meters)) {
      app.start();
      long t0 = System.currentTimeMillis() + 200;
      long stepMs = (warmupSeconds + pointSeconds) * 1000L;
      for (int i = 0; i < loads.size(); i++) {
        long start = t0 + i * stepMs;
        steps.add(
            new Step(
                loads.get(i),
                maxRate * loads.get(i) / 100.0,
                start,
                start + warmupSeconds * 1000L,
                start + stepMs));
      }
      try (Reader reader = new Reader(topics.predictions(), steps);
          OpenLoopProducer producer = new OpenLoopProducer(topics.input(), w.events(), steps)) {
        reader.start();
        producer.start();
        for (Step s : steps) {
          sleepUntil(s.windowStartMs);
          s.meterFrom = LatencyStats.MeterSnapshot.of(meters);
          sleepUntil(s.windowEndMs);
          s.meterTo = LatencyStats.MeterSnapshot.of(meters);
          if (app.state() == SluiceApplication.State.FAILED) {
            throw new IllegalStateException("the application failed", app.failure());
          }
        }
        sent = producer.finish();
        long deadline = System.nanoTime() + Duration.ofSeconds(drainSeconds).toNanos();
        while (reader.received() < sent && System.nanoTime() < deadline) {
          Thread.sleep(50);
        }
        late = sent - reader.received();
      }
    }
    List<LatencyReport.Point> points = new ArrayList<>();
    for (Step s : steps) {
      LatencyStats.MeterWindow m = new LatencyStats.MeterWindow(s.meterFrom, s.meterTo);
      double seconds = (s.windowEndMs - s.windowStartMs) / 1e3;
      points.add(
          new LatencyReport.Point(
              w.name(),
              setting.equals("adaptive") ? "adaptive" : setting.substring("size ".length()),
              s.loadPercent,
              s.rate,
              s.sentInWindow / seconds,
              s.outInWindow.get() / seconds,
              m.processingQuantile(0.50),
              m.processingQuantile(0.99),
              m.processingQuantile(0.999),
              s.endToEnd.quantile(0.50),
              s.endToEnd.quantile(0.99),
              m.meanBatchSize(),
              s == steps.get(steps.size() - 1) ? Math.max(0, late) : 0));
    }
    return points;
  }

  private Topics create(String name) {
    Topics topics = Topics.named(name);
    stack
        .kafka()
        .createTopics(
            partitions,
            topics.input(),
            topics.predictions(),
            topics.alerts(),
            topics.deadLetters());
    return topics;
  }

  private KafkaProducer<String, byte[]> producer() {
    // No linger: the producer must not add its own batching delay to what is measured.
    return SampleProducer.create(
        stack.kafka().bootstrapServers(), Map.of(ProducerConfig.LINGER_MS_CONFIG, 0));
  }

  private static void sleepUntil(long wallMs) throws InterruptedException {
    for (long left = wallMs - System.currentTimeMillis();
        left > 0;
        left = wallMs - System.currentTimeMillis()) {
      Thread.sleep(Math.min(left, 100));
    }
  }

  /**
   * Sends event {@code i} of each step at {@code start + i / rate}, with that time as its
   * timestamp, on its own thread; when it falls behind it sends what is due at once, and the
   * timestamps stay the scheduled ones.
   */
  private final class OpenLoopProducer implements AutoCloseable {
    private final String topic;
    private final List<Encoded> events;
    private final List<Step> steps;
    private final Thread thread;
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    private volatile boolean stop;
    private long sent;

    OpenLoopProducer(String topic, List<Encoded> events, List<Step> steps) {
      this.topic = topic;
      this.events = events;
      this.steps = steps;
      this.thread = new Thread(this::run, "open-loop-producer");
    }

    void start() {
      thread.start();
    }

    private void run() {
      try (KafkaProducer<String, byte[]> producer = producer()) {
        int next = 0;
        for (Step s : steps) {
          double intervalMs = 1000.0 / s.rate;
          long sentAtWindowStart = -1;
          for (long i = 0; !stop; i++) {
            double scheduled = s.startMs + i * intervalMs;
            if (scheduled >= s.windowEndMs) {
              break;
            }
            if (sentAtWindowStart < 0 && scheduled >= s.windowStartMs) {
              sentAtWindowStart = sent;
            }
            long wait = (long) ((scheduled - System.currentTimeMillis()) * 1e6);
            if (wait > 200_000) {
              LockSupport.parkNanos(wait);
            }
            Encoded e = events.get(next++ % events.size());
            producer.send(
                new ProducerRecord<>(topic, null, (long) scheduled, e.key(), e.value()),
                (metadata, error) -> {
                  if (error != null) {
                    failure.compareAndSet(null, error);
                  }
                });
            sent++;
          }
          s.sentInWindow = sentAtWindowStart < 0 ? 0 : sent - sentAtWindowStart;
        }
        producer.flush();
      }
    }

    /** Stops sending (if it has not finished) and returns how many events were sent. */
    long finish() throws InterruptedException {
      stop = true;
      thread.join();
      if (failure.get() != null) {
        throw new IllegalStateException("the open-loop producer failed", failure.get());
      }
      return sent;
    }

    @Override
    public void close() throws InterruptedException {
      stop = true;
      thread.join();
    }
  }

  /**
   * Reads the predictions with {@code read_committed} on its own thread, from the beginning, and
   * puts each into the step its timestamp (the scheduled time) falls in: its end-to-end latency,
   * and whether it came out during that step's window.
   */
  private final class Reader implements AutoCloseable {
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final List<Step> steps;
    private final Thread thread;
    private final AtomicLong received = new AtomicLong();
    private volatile long lastArrivalMs;
    private volatile boolean stop;

    Reader(String topic, List<Step> steps) {
      this.steps = steps;
      this.consumer = OutputCollector.outputConsumer(stack.kafka().bootstrapServers(), Map.of());
      List<TopicPartition> assigned = new ArrayList<>();
      consumer
          .partitionsFor(topic)
          .forEach(p -> assigned.add(new TopicPartition(topic, p.partition())));
      consumer.assign(assigned);
      consumer.seekToBeginning(assigned);
      this.thread = new Thread(this::run, "latency-reader");
    }

    void start() {
      thread.start();
    }

    private void run() {
      while (!stop) {
        var records = consumer.poll(Duration.ofMillis(50));
        long now = System.currentTimeMillis();
        for (ConsumerRecord<byte[], byte[]> r : records) {
          for (Step s : steps) {
            if (r.timestamp() >= s.windowStartMs && r.timestamp() < s.windowEndMs) {
              s.endToEnd.add(now - r.timestamp());
            }
            if (now >= s.windowStartMs && now < s.windowEndMs) {
              s.outInWindow.incrementAndGet();
            }
          }
        }
        if (!records.isEmpty()) {
          lastArrivalMs = now;
          received.addAndGet(records.count());
        }
      }
    }

    long received() {
      return received.get();
    }

    long lastArrivalMs() {
      return lastArrivalMs;
    }

    @Override
    public void close() throws InterruptedException {
      stop = true;
      thread.join();
      consumer.close();
    }
  }
}
