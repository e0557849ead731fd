package io.sluice.replay;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.batching.BatchScorer;
import io.sluice.batching.BufferedRecord;
import io.sluice.batching.Emit;
import io.sluice.config.ConfigKeys;
import io.sluice.config.SluiceConfig;
import io.sluice.descriptor.TrainingRows;
import io.sluice.eval.PairedBootstrap;
import io.sluice.inference.ExecutionProvider;
import io.sluice.inference.InferenceSettings;
import io.sluice.inference.ModelHandle;
import io.sluice.inference.ModelLoadException;
import io.sluice.inference.ModelLoader;
import io.sluice.inference.ModelRunner;
import io.sluice.metrics.PipelineMetrics;
import io.sluice.pipeline.PipelineContext;
import io.sluice.pipeline.PipelineKinds;
import io.sluice.pipeline.ReplayEvaluator;
import io.sluice.pipeline.ReplayEvaluator.Outcome;
import io.sluice.serde.SchemaRegistryClient;
import io.sluice.topology.TopologyFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.LongFunction;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replays a range of a pipeline's input topic through one or more model versions and measures each
 * with its pipeline kind's {@link ReplayEvaluator}: classifiers against the labels the events
 * carry, recommenders prequentially (each event's item against the list made before the event) next
 * to a popularity baseline. Replay names no kind: {@code pipeline.kind} is resolved as the live
 * application resolves it.
 *
 * <p>One read of the range serves every version: each batch is decoded, scored and postprocessed by
 * each version in turn with the kind's live stages in the engine's one {@link BatchScorer} (the
 * live pipeline's prepare, reject, bisect, row-count check and complete), so the versions see
 * exactly the same records in the same batches, and a record replay dead-letters is one the live
 * pipeline dead-letters. The replay reads with a plain consumer under its own id ({@code
 * <application.id>-replay-<random>}) that is assigned the partitions and belongs to no consumer
 * group, so it cannot commit offsets for the live application's group (or any group), and the live
 * application is untouched. It writes nothing but, if asked, the predictions of every version to an
 * output topic that must not be one of the pipeline's own topics; alerts and dead letters are
 * counted, never written. Batches are formed per partition in offset order, {@code
 * pipeline.batch.max.size} at a time, whatever the consumer's polls return: replaying a range twice
 * scores the same batches and gives the same metrics.
 *
 * <p>Single use: {@link #run} once, from one thread.
 */
public final class Replay {
  private static final Logger LOG = LoggerFactory.getLogger(Replay.class);
  private static final int LARGEST_DIFFERENCES = 10;

  /**
   * Records each version scores untimed before its records/s is measured (at most a tenth of the
   * range): the JVM compiles the shared decoding and featurizing path during them.
   */
  private static final long WARMUP_RECORDS = 2000;

  /**
   * What to replay.
   *
   * @param descriptors model descriptors, the champion first
   * @param outputTopic where to write every version's predictions, if anywhere
   */
  public record Settings(
      SluiceConfig config,
      List<Path> descriptors,
      ReplayRange range,
      Optional<String> outputTopic) {
    public Settings {
      descriptors = List.copyOf(descriptors);
      if (descriptors.isEmpty()) {
        throw new IllegalArgumentException("Expected at least one model descriptor, found none");
      }
    }
  }

  private Replay() {}

  /**
   * Runs the replay to the end of the range and returns its report.
   *
   * @param progress makes the progress display, given the number of records in the range
   * @throws ConfigException naming the key, if the configuration cannot work: a kind replay does
   *     not support, a model that does not fit, an output topic that is one of the pipeline's own
   */
  public static ReplayReport run(
      Settings settings, SchemaRegistryClient registry, LongFunction<Progress> progress) {
    SluiceConfig config = settings.config();
    SluiceConfig.Pipeline p = config.pipeline();
    PipelineKinds.Resolved kind = PipelineKinds.resolve(config);
    settings.outputTopic().ifPresent(t -> checkNotLive(t, p));
    String replayId =
        config.applicationId() + "-replay-" + UUID.randomUUID().toString().substring(0, 8);
    List<Version> versions = new ArrayList<>();
    try {
      for (Path descriptor : settings.descriptors()) {
        Version v = Version.load(descriptor, config, kind, registry);
        if (versions.stream().anyMatch(o -> o.label.equals(v.label))) {
          v.model.close();
          throw new ConfigException(
              "--model", descriptor.toString(), "model " + v.label + " is given twice");
        }
        versions.add(v);
      }
      LOG.info(
          "replay {} of pipeline {}: topic {}, models {}",
          replayId,
          p.name(),
          p.inputTopic(),
          versions.stream().map(v -> v.label).toList());
      return new Run(settings, replayId, versions).execute(progress);
    } finally {
      for (Version v : versions) {
        v.model.close();
      }
    }
  }

  private static void checkNotLive(String topic, SluiceConfig.Pipeline p) {
    Map<String, String> live =
        Map.of(
            ConfigKeys.INPUT_TOPIC, p.inputTopic(),
            ConfigKeys.OUTPUT_TOPIC, p.outputTopic(),
            ConfigKeys.ALERTS_TOPIC, p.alertsTopic(),
            ConfigKeys.DLQ_TOPIC, p.dlqTopic());
    live.forEach(
        (key, value) -> {
          if (value.equals(topic)) {
            throw new ConfigException(
                "--output-topic", topic, "it is the live pipeline's " + key + "; choose another");
          }
        });
  }

  /**
   * One model version: its runner, the kind's evaluator (with the live pipeline's stages) and the
   * engine's batch-scoring loop over them, and what the version gave.
   */
  private static final class Version {
    final String label;
    final ModelHandle model;
    final ReplayEvaluator evaluator;
    final BatchScorer<?, ?> scorer;
    final List<Outcome> outcomes = new ArrayList<>();
    final List<Double> latencies = new ArrayList<>();
    final Map<String, Long> deadLetters = new TreeMap<>();
    long alerts;
    long nanos;
    long timedRecords;
    long warmupRecords;

    private Version(ModelHandle model, ReplayEvaluator evaluator) {
      ModelRunner runner = model.current();
      this.label = runner.name() + ":" + runner.version();
      this.model = model;
      this.evaluator = evaluator;
      this.scorer = new BatchScorer<>(evaluator.parts().stages(), model);
    }

    void deadLetter(String reason) {
      deadLetters.merge(reason, 1L, Long::sum);
    }

    static Version load(
        Path descriptorFile,
        SluiceConfig config,
        PipelineKinds.Resolved kind,
        SchemaRegistryClient registry) {
      SluiceConfig.Pipeline p = config.pipeline();
      ModelHandle model;
      try {
        model =
            new ModelHandle(
                ModelLoader.load(
                    descriptorFile,
                    new InferenceSettings(
                        ExecutionProvider.parse(p.executionProvider()),
                        p.cudaDevice(),
                        p.intraOpThreads(),
                        1,
                        true),
                    config.dataDir()));
      } catch (ModelLoadException | IllegalArgumentException e) {
        throw new ConfigException("--model", descriptorFile.toString(), e.getMessage());
      }
      try {
        PipelineMetrics metrics = new PipelineMetrics(new SimpleMeterRegistry(), p.name());
        return new Version(
            model,
            kind.kind()
                .evaluator(new PipelineContext(config, kind.settings(), registry, model, metrics)));
      } catch (RuntimeException e) {
        model.close();
        throw e;
      }
    }
  }

  /** A record read, with the time it was read. */
  private record Pending(BufferedRecord record, long readNanos) {}

  /** The state of one replay over its range. */
  private static final class Run {
    private final Settings settings;
    private final String replayId;
    private final List<Version> versions;
    private long warmup;

    Run(Settings settings, String replayId, List<Version> versions) {
      this.settings = settings;
      this.replayId = replayId;
      this.versions = versions;
    }

    ReplayReport execute(LongFunction<Progress> progressFactory) {
      SluiceConfig config = settings.config();
      String topic = config.pipeline().inputTopic();
      long started = System.nanoTime();
      try (KafkaConsumer<byte[], byte[]> consumer =
              new KafkaConsumer<>(
                  consumerConfig(config),
                  new ByteArrayDeserializer(),
                  new ByteArrayDeserializer());
          KafkaProducer<byte[], byte[]> producer =
              settings.outputTopic().isPresent()
                  ? new KafkaProducer<>(
                      producerConfig(config), new ByteArraySerializer(), new ByteArraySerializer())
                  : null) {
        List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
        if (infos == null || infos.isEmpty()) {
          throw new ConfigException(ConfigKeys.INPUT_TOPIC, topic, "the topic does not exist");
        }
        List<TopicPartition> partitions = new ArrayList<>();
        for (PartitionInfo info : infos) {
          partitions.add(new TopicPartition(topic, info.partition()));
        }
        partitions.sort(Comparator.comparingInt(TopicPartition::partition));
        Map<TopicPartition, ReplayRange.Bounds> bounds =
            settings.range().resolve(consumer, partitions);
        Map<String, ReplayRange.Bounds> rangeReport = new TreeMap<>();
        long total = 0;
        Set<TopicPartition> active = new HashSet<>();
        for (TopicPartition tp : partitions) {
          ReplayRange.Bounds b = bounds.get(tp);
          rangeReport.put(tp.toString(), b);
          total += b.size();
          if (b.size() > 0) {
            active.add(tp);
          }
        }
        LOG.info("replay {}: {} records in range {}", replayId, total, rangeReport);
        consumer.assign(active);
        for (TopicPartition tp : active) {
          consumer.seek(tp, bounds.get(tp).start());
        }
        warmup = Math.min(WARMUP_RECORDS, total / 10);
        Progress progress = progressFactory.apply(total);
        progress.update(0);
        Map<TopicPartition, List<Pending>> buffers = new HashMap<>();
        long done = 0;
        int batchSize = config.pipeline().batchMaxSize();
        while (!active.isEmpty()) {
          ConsumerRecords<byte[], byte[]> polled = consumer.poll(Duration.ofMillis(200));
          long now = System.nanoTime();
          for (TopicPartition tp : polled.partitions()) {
            long end = bounds.get(tp).end();
            List<Pending> buffer = buffers.computeIfAbsent(tp, k -> new ArrayList<>());
            for (ConsumerRecord<byte[], byte[]> r : polled.records(tp)) {
              if (r.offset() >= end) {
                continue; // beyond the range: not part of this replay
              }
              buffer.add(new Pending(buffered(r), now));
              if (buffer.size() >= batchSize) {
                done += score(buffer, producer);
                buffer.clear();
              }
            }
          }
          for (TopicPartition tp : new ArrayList<>(active)) {
            if (consumer.position(tp) >= bounds.get(tp).end()) {
              List<Pending> buffer = buffers.getOrDefault(tp, List.of());
              if (!buffer.isEmpty()) {
                done += score(buffer, producer);
              }
              buffers.remove(tp);
              active.remove(tp);
              consumer.pause(List.of(tp));
            }
          }
          progress.update(done);
        }
        if (producer != null) {
          producer.flush();
        }
        double wall = (System.nanoTime() - started) / 1e9;
        ReplayReport report =
            new ReplayReport(
                replayId,
                config.pipeline().name(),
                topic,
                rangeReport,
                total,
                wall,
                total / wall,
                versions.stream().map(Run::versionReport).toList(),
                comparisons());
        LOG.info(
            "replay {} done: {} records in {} s", replayId, total, String.format("%.1f", wall));
        return report;
      }
    }

    private static BufferedRecord buffered(ConsumerRecord<byte[], byte[]> r) {
      return new BufferedRecord(
          r.key(),
          r.value(),
          r.timestamp(),
          r.headers(),
          r.topic(),
          r.partition(),
          r.offset(),
          System.currentTimeMillis());
    }

    /** Scores one batch with every version; returns the number of records in it. */
    private int score(List<Pending> batch, KafkaProducer<byte[], byte[]> producer) {
      List<BufferedRecord> records = batch.stream().map(Pending::record).toList();
      Map<Long, Long> readNanos = new HashMap<>();
      for (Pending pending : batch) {
        readNanos.put(pending.record().offset(), pending.readNanos());
      }
      for (Version v : versions) {
        long start = System.nanoTime();
        List<BufferedRecord> requests =
            v.evaluator.beforeScoring(records, rejection -> v.deadLetter(rejection.reason()));
        BatchScorer.Result result = v.scorer.score(requests, System::currentTimeMillis);
        long spent = System.nanoTime() - start;
        if (v.warmupRecords < warmup) {
          v.warmupRecords += records.size(); // untimed: JIT compilation and first allocations
        } else {
          v.nanos += spent;
          v.timedRecords += records.size();
        }
        for (BatchScorer.Rejection r : result.rejected()) {
          v.deadLetter(r.reason());
        }
        TopologyFactory.Sink<?> predictions = v.evaluator.parts().predictions();
        for (Emit<?> emit : result.emits()) {
          if (emit.child().equals(TopologyFactory.ALERTS_SINK)) {
            v.alerts++;
          } else if (emit.child().equals(predictions.name())) {
            Outcome o = v.evaluator.outcome(emit.value());
            v.outcomes.add(o);
            if (o.flagged()) {
              v.alerts++; // the live pipeline's alert, counted here, never written
            }
            long waited = start - readNanos.get(o.offset());
            v.latencies.add((waited + spent) / 1e6);
            if (producer != null) {
              String out = settings.outputTopic().get();
              byte[] value = predictions.serialize(out, emit.value());
              producer.send(
                  new ProducerRecord<>(out, null, emit.timestamp(), (byte[]) emit.key(), value));
            }
          }
        }
      }
      for (Version v : versions) {
        v.evaluator.afterBatch();
      }
      return batch.size();
    }

    private static ReplayReport.VersionReport versionReport(Version v) {
      ReplayEvaluator.Evaluation e = v.evaluator.evaluate(sorted(v.outcomes));
      ModelRunner runner = v.model.current();
      return new ReplayReport.VersionReport(
          v.label,
          runner.name(),
          runner.version(),
          v.outcomes.size(),
          v.deadLetters,
          v.alerts,
          e.unlabelled(),
          v.nanos == 0 ? 0 : v.timedRecords / (v.nanos / 1e9),
          v.warmupRecords,
          Latencies.of(v.latencies.stream().mapToDouble(Double::doubleValue).toArray()),
          e.classification(),
          e.accuracy(),
          e.ranking(),
          overlap(v));
    }

    /** How many of the version's predictions are for events it was trained on. */
    private static ReplayReport.TrainingOverlap overlap(Version v) {
      Optional<TrainingRows> rows;
      try {
        rows = TrainingRows.of(v.model.current().descriptor().training());
      } catch (IllegalArgumentException e) {
        LOG.warn(
            "model {}: its training rows cannot be read, not checked: {}", v.label, e.getMessage());
        rows = Optional.empty();
      }
      long predictions = v.outcomes.size();
      if (rows.isEmpty()) {
        return new ReplayReport.TrainingOverlap(false, predictions, 0, 0, "", "");
      }
      TrainingRows trained = rows.get();
      long inTraining = v.outcomes.stream().filter(o -> trained.contains(o.eventId())).count();
      double share = predictions == 0 ? 0 : (double) inTraining / predictions;
      String warning =
          inTraining == 0
              ? ""
              : String.format(
                  Locale.ROOT,
                  "%s was trained on %d of the %d records it scored here (%.1f%%, its %s rows):"
                      + " its metrics on them are optimistic; replay held-out events instead",
                  v.label,
                  inTraining,
                  predictions,
                  share * 100,
                  rows.get().splits());
      return new ReplayReport.TrainingOverlap(
          true, predictions, inTraining, share, rows.get().splits(), warning);
    }

    private static List<Outcome> sorted(List<Outcome> outcomes) {
      List<Outcome> sorted = new ArrayList<>(outcomes);
      sorted.sort(Comparator.comparingInt(Outcome::partition).thenComparingLong(Outcome::offset));
      return sorted;
    }

    private List<ReplayReport.Comparison> comparisons() {
      List<ReplayReport.Comparison> out = new ArrayList<>();
      Version champion = versions.get(0);
      Map<String, Outcome> byCoordinates = new LinkedHashMap<>();
      for (Outcome o : sorted(champion.outcomes)) {
        byCoordinates.put(o.partition() + "@" + o.offset(), o);
      }
      for (Version challenger : versions.subList(1, versions.size())) {
        List<ReplayReport.Difference> differences = new ArrayList<>();
        List<Outcome> mine = new ArrayList<>();
        List<Outcome> theirs = new ArrayList<>();
        long disagreements = 0;
        for (Outcome c : sorted(challenger.outcomes)) {
          Outcome o = byCoordinates.get(c.partition() + "@" + c.offset());
          if (o == null) {
            continue;
          }
          mine.add(o);
          theirs.add(c);
          boolean disagree = champion.evaluator.disagree(o, c);
          if (disagree) {
            disagreements++;
          }
          differences.add(
              new ReplayReport.Difference(
                  o.eventId(),
                  settings.config().pipeline().inputTopic()
                      + "-"
                      + o.partition()
                      + "@"
                      + o.offset(),
                  o.label(),
                  o.score(),
                  c.score(),
                  o.predicted(),
                  c.predicted(),
                  disagree));
        }
        long common = differences.size();
        differences.sort(
            Comparator.comparingDouble(
                    (ReplayReport.Difference d) ->
                        Math.abs(d.championScore() - d.challengerScore()))
                .reversed());
        List<ReplayReport.MetricVerdict> verdicts = new ArrayList<>();
        for (ReplayEvaluator.Headline h : champion.evaluator.headlines(mine, theirs)) {
          verdicts.add(
              ReplayReport.MetricVerdict.of(
                  h.note(),
                  PairedBootstrap.compare(h.metric(), h.records(), h.champion(), h.challenger())));
        }
        out.add(
            new ReplayReport.Comparison(
                champion.label,
                challenger.label,
                common,
                verdicts.isEmpty()
                    ? "no verdict: no metric the two versions can be compared on"
                    : challenger.label
                        + " against "
                        + champion.label
                        + ": "
                        + verdicts.get(0).sentence(),
                verdicts,
                disagreements,
                common == 0 ? 0 : (double) disagreements / common,
                differences.subList(0, Math.min(LARGEST_DIFFERENCES, differences.size()))));
      }
      return out;
    }

    /** Only consumer settings; no group: the replay cannot commit offsets for any group. */
    private Map<String, Object> consumerConfig(SluiceConfig config) {
      Map<String, Object> c = clientSettings(config, ConsumerConfig.configNames());
      c.remove(ConsumerConfig.GROUP_ID_CONFIG);
      c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
      c.put(ConsumerConfig.CLIENT_ID_CONFIG, replayId);
      c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
      c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
      return c;
    }

    private Map<String, Object> producerConfig(SluiceConfig config) {
      Map<String, Object> c = clientSettings(config, ProducerConfig.configNames());
      c.remove(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
      c.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
      c.put(ProducerConfig.CLIENT_ID_CONFIG, replayId);
      c.put(ProducerConfig.ACKS_CONFIG, "all");
      return c;
    }

    /** The {@code kafka.*} settings a plain client knows (security, timeouts, ...). */
    private static Map<String, Object> clientSettings(SluiceConfig config, Set<String> known) {
      Map<String, Object> c = new HashMap<>();
      config
          .kafka()
          .forEach(
              (k, value) -> {
                if (known.contains(k)) {
                  c.put(k, value);
                }
              });
      return c;
    }
  }
}
