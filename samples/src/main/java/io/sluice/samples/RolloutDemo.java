package io.sluice.samples;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.app.ModelControl;
import io.sluice.app.SluiceApplication;
import io.sluice.config.ConfigKeys;
import io.sluice.config.SluiceConfig;
import io.sluice.embedded.EmbeddedStack;
import io.sluice.models.fraud.FraudModelTrainer;
import io.sluice.schemas.Alert;
import io.sluice.schemas.CardTransaction;
import io.sluice.schemas.Prediction;
import io.sluice.serde.SchemaRegistryClient;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serializer;

/**
 * {@code sluice demo rollout}: the fraud pipeline on two instances of one application under steady
 * load, logistic regression as champion; deploys four bad versions (each refused by every instance,
 * the champion serving on), then the factorization machine as a 20% canary, promotes it and rolls
 * back, all through the model control topic. Prints, per phase, the predictions per version, the
 * share of keys on the challenger, and {@code lost 0 duplicated 0} from the read_committed output
 * against the input.
 */
public record RolloutDemo(Path dataDir, Path modelsDir, PrintStream out) {
  public static final String PIPELINE = "fraud";
  public static final String INPUT = "rollout-transactions";
  public static final String OUTPUT = "rollout-predictions";
  public static final String ALERTS = "rollout-alerts";
  public static final String DEAD_LETTERS = "rollout-dead-letters";
  public static final String[] INSTANCES = {"a", "b"};

  /** Partitions of the input: two per instance. */
  static final int PARTITIONS = 4;

  /** Canary share of keys. */
  public static final double CANARY_SHARE = 0.2;

  /** Events produced in each phase once every instance serves what the phase asked for. */
  static final int EVENTS_PER_PHASE = 800;

  private static final Duration STATUS_TIMEOUT = Duration.ofSeconds(90);

  /**
   * One phase: what was asked, and the produce sequence numbers of its events.
   *
   * @param challenger the canary's model name in this phase, or null
   */
  public record Phase(String name, long from, long to, String challenger) {}

  /**
   * What a rollout gave.
   *
   * @param produced event id to produce sequence number, for every event produced
   * @param predictions every prediction read with read_committed
   * @param alerts every alert read with read_committed
   * @param status each instance's last status record
   * @param refusedCount each instance's {@code sluice.model.events{event=refused}} count
   * @param config the configuration of the first instance
   */
  public record Outcome(
      List<Phase> phases,
      Map<String, Long> produced,
      List<Prediction> predictions,
      List<Alert> alerts,
      int deadLetters,
      Map<String, Properties> status,
      Map<String, Double> refusedCount,
      Map<String, Path> badModels,
      Path champion,
      Path challenger,
      SluiceConfig config) {}

  /** Runs the demo on a started embedded stack; returns the process exit code. */
  public int run(EmbeddedStack stack) throws Exception {
    out.println("== Sluice demo: model rollout on two instances ==");
    Outcome o = rollout(stack, Files.createTempDirectory("sluice-demo-rollout"), "sluice-rollout");
    long lost = lost(o);
    long duplicated = duplicated(o);
    out.println(
        "per phase: the events produced from the moment the change was written; those scored"
            + " before both instances applied it name the version before");
    printPhases(o);
    out.printf(Locale.ROOT, "lost %d duplicated %d%n", lost, duplicated);
    return lost == 0 && duplicated == 0 && o.deadLetters() == 0 ? 0 : 1;
  }

  /** The events produced and never predicted. */
  public static long lost(Outcome o) {
    Set<String> predicted = new HashSet<>();
    o.predictions().forEach(p -> predicted.add(p.getEventId()));
    return o.produced().keySet().stream().filter(id -> !predicted.contains(id)).count();
  }

  /** The predictions beyond one per event. */
  public static long duplicated(Outcome o) {
    Set<String> ids = new HashSet<>();
    return o.predictions().stream().filter(p -> !ids.add(p.getEventId())).count();
  }

  /** The model name:version of a prediction. */
  public static String version(Prediction p) {
    return p.getModelName() + ":" + p.getModelVersion();
  }

  private void printPhases(Outcome o) {
    for (Phase phase : o.phases()) {
      Map<String, Integer> perVersion = new TreeMap<>();
      Set<String> keys = new HashSet<>();
      Set<String> challengerKeys = new HashSet<>();
      for (Prediction p : o.predictions()) {
        Long seq = o.produced().get(p.getEventId());
        if (seq == null || seq < phase.from() || seq >= phase.to()) {
          continue;
        }
        perVersion.merge(version(p), 1, Integer::sum);
        keys.add(p.getKey());
        if (p.getModelName().equals(phase.challenger())) {
          challengerKeys.add(p.getKey());
        }
      }
      out.printf(
          Locale.ROOT,
          "%-44s events %5d  predictions %s%s%n",
          phase.name(),
          phase.to() - phase.from(),
          perVersion,
          phase.challenger() == null
              ? ""
              : String.format(
                  Locale.ROOT,
                  "  keys on the challenger %.1f%% (%d of %d)",
                  100.0 * challengerKeys.size() / Math.max(1, keys.size()),
                  challengerKeys.size(),
                  keys.size()));
    }
  }

  /**
   * Runs the rollout: two instances, steady load, bad deploys, canary, promote, rollback. Topics
   * and the application are named after {@code applicationId}'s run; the state goes under {@code
   * workDir}.
   */
  public Outcome rollout(EmbeddedStack stack, Path workDir, String applicationId) throws Exception {
    Path champion = FraudDemo.ensureModel(dataDir, modelsDir);
    Path fmDescriptor =
        modelsDir.resolve("fraud").resolve(FraudModelTrainer.Algorithm.FM.descriptorFile());
    Demo.ensureModel(
        fmDescriptor,
        dir -> FraudModelTrainer.train(dataDir, dir, 42, FraudModelTrainer.Algorithm.FM));
    Map<String, Path> bad = BadModels.write(champion);
    stack.kafka().createTopics(PARTITIONS, INPUT, OUTPUT, ALERTS, DEAD_LETTERS);
    List<CardTransaction> events = FraudEvents.read(dataDir);

    Map<String, SluiceConfig> configs = new LinkedHashMap<>();
    for (String instance : INSTANCES) {
      Map<String, String> c =
          FraudDemo.pipelineConfig(
              stack, champion, applicationId, workDir.resolve("state-" + instance));
      c = new HashMap<>(c);
      c.put(ConfigKeys.INPUT_TOPIC, INPUT);
      c.put(ConfigKeys.OUTPUT_TOPIC, OUTPUT);
      c.put(ConfigKeys.ALERTS_TOPIC, ALERTS);
      c.put(ConfigKeys.DLQ_TOPIC, DEAD_LETTERS);
      c.put(ConfigKeys.METRICS_PORT, "-1");
      c.put(ConfigKeys.BATCH_MAX_SIZE, "64");
      c.put(ConfigKeys.BATCH_MAX_LINGER_MS, "100");
      c.put(ConfigKeys.MODEL_INSTANCE_ID, instance);
      configs.put(instance, Demo.load(c));
    }
    SluiceConfig first = configs.get(INSTANCES[0]);
    Map<String, Object> client = ModelControl.clientProperties(first);

    List<Phase> phases = new ArrayList<>();
    Map<String, SimpleMeterRegistry> meters = new LinkedHashMap<>();
    List<SluiceApplication> apps = new ArrayList<>();
    Load load = new Load(stack.kafka().bootstrapServers(), events);
    try (SchemaRegistryClient registry = Demo.registry(stack);
        OutputCollector collector =
            new OutputCollector(
                stack.kafka().bootstrapServers(), registry, OUTPUT, ALERTS, DEAD_LETTERS)) {
      for (Map.Entry<String, SluiceConfig> e : configs.entrySet()) {
        SimpleMeterRegistry m = new SimpleMeterRegistry();
        meters.put(e.getKey(), m);
        SluiceApplication app = SluiceApplication.create(e.getValue(), m);
        apps.add(app);
        app.start();
      }
      load.start(registry);
      String logreg = FraudModelTrainer.MODEL_NAME + ":" + FraudModelTrainer.MODEL_VERSION;
      String fm =
          FraudModelTrainer.Algorithm.FM.modelName() + ":" + FraudModelTrainer.MODEL_VERSION;

      phases.add(steady("champion " + logreg, load, collector, null));
      for (Map.Entry<String, Path> b : bad.entrySet()) {
        String descriptor = b.getValue().toString();
        long from = load.produced();
        change(first, s -> s.deploy(descriptor, first.models().historySize()));
        awaitStatus(client, first, collector, p -> refused(p, descriptor, b.getKey()));
        // The operator takes the refused version back; every instance serves on unchanged.
        change(first, ModelControl.State::rollback);
        awaitEvents(load, collector, EVENTS_PER_PHASE / 4);
        phases.add(
            new Phase(
                "deploy " + b.getValue().getFileName() + ": refused (" + b.getKey() + ")",
                from,
                load.produced(),
                null));
      }
      String fmName = FraudModelTrainer.Algorithm.FM.modelName();
      long from = load.produced();
      change(first, s -> s.canary(fmDescriptor.toString(), CANARY_SHARE));
      awaitStatus(client, first, collector, p -> fm.equals(p.getProperty("challenger.id")));
      phases.add(
          steady(
              String.format(Locale.ROOT, "canary %s on %.0f%% of keys", fm, 100 * CANARY_SHARE),
              load,
              collector,
              fmName,
              from));
      from = load.produced();
      change(first, s -> s.promote(first.models().historySize()));
      awaitStatus(client, first, collector, p -> fm.equals(p.getProperty("champion.id")));
      phases.add(steady("promote " + fm, load, collector, null, from));
      from = load.produced();
      change(first, ModelControl.State::rollback);
      awaitStatus(client, first, collector, p -> logreg.equals(p.getProperty("champion.id")));
      phases.add(steady("rollback to " + logreg, load, collector, null, from));

      long total = load.stop();
      if (!collector.awaitOutputs((int) total, Duration.ofMinutes(2))) {
        out.println("not every event came out within 2 minutes: " + collector.describe());
      }
      collector.poll(Duration.ofSeconds(1));
      Map<String, Properties> status = statusOf(client, first);
      Map<String, Double> refused = new LinkedHashMap<>();
      meters.forEach(
          (instance, m) ->
              refused.put(
                  instance,
                  m.find("sluice.model.events").tag("event", "refused").counters().stream()
                      .mapToDouble(Counter::count)
                      .sum()));
      return new Outcome(
          phases,
          load.sequence(),
          List.copyOf(collector.predictions()),
          List.copyOf(collector.alerts()),
          collector.deadLetters().size(),
          status,
          refused,
          bad,
          champion,
          fmDescriptor,
          first);
    } finally {
      load.stop();
      for (SluiceApplication app : apps) {
        app.close();
      }
    }
  }

  private static boolean refused(Properties status, String descriptor, String check) {
    for (int i = 0; status.getProperty("refused." + i + ".check") != null; i++) {
      if (descriptor.equals(status.getProperty("refused." + i + ".descriptor"))
          && check.equals(status.getProperty("refused." + i + ".check"))) {
        return true;
      }
    }
    return false;
  }

  private static void change(SluiceConfig config, UnaryOperator<ModelControl.State> change) {
    ModelControl.update(config, change);
  }

  private Phase steady(String name, Load load, OutputCollector collector, String challenger)
      throws InterruptedException {
    return steady(name, load, collector, challenger, load.produced());
  }

  private Phase steady(
      String name, Load load, OutputCollector collector, String challenger, long from)
      throws InterruptedException {
    awaitEvents(load, collector, EVENTS_PER_PHASE);
    return new Phase(name, from, load.produced(), challenger);
  }

  /**
   * Waits until {@code n} more events are produced and every event produced so far came out, so
   * that what a phase's events were scored by is the phase's doing, not the lag's.
   */
  private static void awaitEvents(Load load, OutputCollector collector, int n) {
    long target = load.produced() + n;
    while (load.produced() < target) {
      collector.poll(Duration.ofMillis(100));
    }
    if (!collector.awaitOutputs((int) target, Duration.ofMinutes(2))) {
      throw new IllegalStateException(
          "the outputs did not reach " + target + " events: " + collector.describe());
    }
  }

  /** Each instance's last status record. */
  public static Map<String, Properties> statusOf(Map<String, Object> client, SluiceConfig c) {
    Map<String, Properties> status = new TreeMap<>();
    ModelControl.latest(client, c.models().statusTopic())
        .forEach(
            (k, v) -> {
              if (k.startsWith(c.pipeline().name() + "/")) {
                status.put(k.substring(k.indexOf('/') + 1), ModelControl.decode(v));
              }
            });
    return status;
  }

  /** Waits until every instance's status satisfies {@code done}, reading the outputs meanwhile. */
  private static void awaitStatus(
      Map<String, Object> client,
      SluiceConfig c,
      OutputCollector collector,
      Predicate<Properties> done) {
    long deadline = System.nanoTime() + STATUS_TIMEOUT.toNanos();
    while (true) {
      Map<String, Properties> status = statusOf(client, c);
      boolean all = status.keySet().containsAll(List.of(INSTANCES));
      for (String instance : INSTANCES) {
        all &= status.containsKey(instance) && done.test(status.get(instance));
      }
      if (all) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "the instances did not report the change within " + STATUS_TIMEOUT + ": " + status);
      }
      collector.poll(Duration.ofMillis(200));
    }
  }

  /**
   * Steady load on its own thread: the fraud events over and over, each round with new event ids
   * ({@code <id>#<round>}), keyed by card, about a thousand a second.
   */
  private static final class Load {
    private final String bootstrapServers;
    private final List<CardTransaction> events;
    private final AtomicLong produced = new AtomicLong();
    private final AtomicBoolean running = new AtomicBoolean();
    private final Map<String, Long> sequence = new ConcurrentHashMap<>();
    private Thread thread;
    private volatile RuntimeException failure;

    Load(String bootstrapServers, List<CardTransaction> events) {
      this.bootstrapServers = bootstrapServers;
      this.events = events;
    }

    void start(SchemaRegistryClient registry) {
      Serializer<CardTransaction> serializer =
          SampleProducer.serializer(registry, CardTransaction.class);
      running.set(true);
      thread =
          new Thread(
              () -> {
                try (KafkaProducer<String, byte[]> producer =
                    SampleProducer.create(bootstrapServers)) {
                  for (int round = 0; running.get(); round++) {
                    for (int i = 0; i < events.size() && running.get(); i++) {
                      CardTransaction e =
                          CardTransaction.newBuilder(events.get(i))
                              .setId(events.get(i).getId() + "#" + round)
                              .build();
                      producer.send(
                          new ProducerRecord<>(
                              INPUT, e.getCardId(), serializer.serialize(INPUT, e)));
                      sequence.put(e.getId(), produced.get());
                      if (produced.incrementAndGet() % 20 == 0) {
                        producer.flush();
                        Thread.sleep(20);
                      }
                    }
                  }
                  producer.flush();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                } catch (RuntimeException e) {
                  failure = e;
                }
              },
              "rollout-load");
      thread.setDaemon(true);
      thread.start();
    }

    long produced() {
      if (failure != null) {
        throw new IllegalStateException("the load producer failed", failure);
      }
      return produced.get();
    }

    /** Stops producing; returns how many events were produced. */
    long stop() throws InterruptedException {
      running.set(false);
      if (thread != null) {
        thread.join();
      }
      return produced.get();
    }

    Map<String, Long> sequence() {
      return Collections.unmodifiableMap(sequence);
    }
  }
}
