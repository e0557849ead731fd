package io.sluice.replay;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.app.ImageClassificationPipeline;
import io.sluice.app.PipelineKind;
import io.sluice.app.RecommendationPipeline;
import io.sluice.batching.BatchHandler;
import io.sluice.batching.BatchStages;
import io.sluice.batching.BufferedRecord;
import io.sluice.batching.Emit;
import io.sluice.config.ConfigKeys;
import io.sluice.config.SluiceConfig;
import io.sluice.descriptor.ModelDescriptor;
import io.sluice.errors.DeadLetter;
import io.sluice.errors.RejectedRecordException;
import io.sluice.eval.ClassificationMetrics;
import io.sluice.eval.Ranking;
import io.sluice.eval.RankingMetrics;
import io.sluice.eval.TopAccuracy;
import io.sluice.inference.ExecutionProvider;
import io.sluice.inference.InferenceSettings;
import io.sluice.inference.ModelLoadException;
import io.sluice.inference.ModelLoader;
import io.sluice.inference.ModelRunner;
import io.sluice.metrics.PipelineMetrics;
import io.sluice.schemas.ImageClassification;
import io.sluice.schemas.Prediction;
import io.sluice.schemas.Recommendation;
import io.sluice.schemas.TriggerStatus;
import io.sluice.serde.AvroRecordDecoder;
import io.sluice.serde.RecordPart;
import io.sluice.serde.SchemaRegistryClient;
import io.sluice.serde.SpecificAvroSerde;
import io.sluice.topology.ClassificationHandler;
import io.sluice.topology.EventDecoder;
import io.sluice.topology.FeatureMapping;
import io.sluice.topology.ImageClassificationHandler;
import io.sluice.topology.TopologyFactory;
import io.sluice.topology.recs.Catalogue;
import io.sluice.topology.recs.Rating;
import io.sluice.topology.recs.RecommendationStages;
import io.sluice.topology.recs.RecsMetrics;
import io.sluice.topology.recs.RecsRequest;
import io.sluice.topology.recs.RecsSettings;
import io.sluice.topology.recs.UserState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
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
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replays a range of a pipeline's input topic (binary classification, image classification or
 * recommendation) through one or more model versions and measures each: classifiers against the
 * labels the events carry, recommenders prequentially (each event's item against the list made
 * before the event) next to a popularity baseline.
 *
 * <p>One read of the range serves every version: each batch is decoded, scored and postprocessed by
 * each version in turn with the same handler the live pipeline uses, so the versions see exactly
 * the same records in the same batches. The replay reads with a plain consumer under its own id
 * ({@code <application.id>-replay-<random>}) that is assigned the partitions and belongs to no
 * consumer group, so it cannot commit offsets for the live application's group (or any group), and
 * the live application is untouched. It writes nothing but, if asked, the predictions of every
 * version to an output topic that must not be one of the pipeline's own topics; alerts and dead
 * letters are counted, never written. Batches are formed per partition in offset order, {@code
 * pipeline.batch.max.size} at a time, whatever the consumer's polls return: replaying a range twice
 * scores the same batches and gives the same metrics.
 *
 * <p>Single use: {@link #run} once, from one thread.
 */
public final class Replay {
  private static final Logger LOG = LoggerFactory.getLogger(Replay.class);
  private static final int LARGEST_DIFFERENCES = 10;
  private static final String BINARY = "classification";
  private static final String IMAGE = "image-classification";
  private static final String RECS = "recommendation";

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
    if (!List.of(BINARY, IMAGE, RECS).contains(p.kind())) {
      throw new ConfigException(
          ConfigKeys.PIPELINE_KIND,
          p.kind(),
          "replay supports the kinds " + List.of(BINARY, IMAGE, RECS));
    }
    settings.outputTopic().ifPresent(t -> checkNotLive(t, p));
    String replayId =
        config.applicationId() + "-replay-" + UUID.randomUUID().toString().substring(0, 8);
    List<Version> versions = new ArrayList<>();
    try {
      for (Path descriptor : settings.descriptors()) {
        Version v = Version.load(descriptor, config, registry);
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
      return new Run(settings, registry, replayId, versions).execute(progress);
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

  /** One model version: its runner, the live pipeline's handler around it, and its threshold. */
  private static final class Version {
    final String label;
    final ModelRunner model;
    final Scoring scoring;
    final boolean image;
    final double threshold;
    final String positiveLabel;
    final List<String> labels;
    final int topK;
    final Recs recs;
    final List<Outcome> outcomes = new ArrayList<>();
    final List<Double> latencies = new ArrayList<>();
    final Map<String, Long> deadLetters = new TreeMap<>();
    long alerts;
    long nanos;

    private Version(
        ModelRunner model, Scoring scoring, boolean image, double threshold, int topK, Recs recs) {
      this.label = model.name() + ":" + model.version();
      this.model = model;
      this.scoring = scoring;
      this.image = image;
      this.threshold = threshold;
      this.positiveLabel = model.descriptor().positiveLabel().orElse(null);
      this.labels = model.descriptor().labels();
      this.topK = topK;
      this.recs = recs;
    }

    /** Whether this version's and another's outputs for one record count as a disagreement. */
    boolean disagree(Outcome mine, Version other, Outcome theirs) {
      if (image || recs != null) {
        return !mine.predicted().equals(theirs.predicted());
      }
      return (mine.score() >= threshold) != (theirs.score() >= other.threshold);
    }

    static Version load(Path descriptorFile, SluiceConfig config, SchemaRegistryClient registry) {
      SluiceConfig.Pipeline p = config.pipeline();
      ModelRunner model;
      try {
        model =
            ModelLoader.load(
                descriptorFile,
                new InferenceSettings(
                    ExecutionProvider.parse(p.executionProvider()),
                    p.cudaDevice(),
                    p.intraOpThreads(),
                    1,
                    true),
                config.dataDir());
      } catch (ModelLoadException | IllegalArgumentException e) {
        throw new ConfigException("--model", descriptorFile.toString(), e.getMessage());
      }
      try {
        PipelineMetrics metrics = new PipelineMetrics(new SimpleMeterRegistry(), p.name());
        if (p.kind().equals(RECS)) {
          RecommendationPipeline.Parts parts =
              RecommendationPipeline.parts(
                  new PipelineKind.Context(config, registry, model, Optional.empty(), metrics));
          RecommendationStages stages =
              new RecommendationStages(
                  parts.catalogue(),
                  parts.model(),
                  parts.info(),
                  parts.settings(),
                  TopologyFactory.PREDICTIONS_SINK,
                  metrics,
                  new RecsMetrics(metrics, p.name()));
          return new Version(
              model,
              new StagesScoring<>(stages),
              false,
              Double.NaN,
              parts.settings().k(),
              new Recs(parts.catalogue(), parts.settings()));
        }
        if (p.kind().equals(IMAGE)) {
          ImageClassificationHandler handler =
              ImageClassificationPipeline.handler(
                  new PipelineKind.Context(config, registry, model, Optional.empty(), metrics));
          return new Version(
              model,
              new StagesScoring<>(BatchStages.of(handler, model::run)),
              true,
              Double.NaN,
              p.image().topK(),
              null);
        }
        ModelDescriptor d = model.descriptor();
        if (d.positiveLabel().isEmpty()) {
          throw new ConfigException(
              "--model",
              descriptorFile.toString(),
              "its descriptor names no positiveLabel; replay measures binary classifiers");
        }
        double threshold =
            p.alertThreshold().isPresent()
                ? p.alertThreshold().getAsDouble()
                : d.alertThreshold().orElse(0.5);
        ClassificationHandler handler =
            new ClassificationHandler(
                EventDecoder.avro(AvroRecordDecoder.generic(registry)),
                FeatureMapping.parse(ConfigKeys.FEATURES, p.features(), d.features()),
                new ClassificationHandler.ModelInfo(
                    model.name(), model.version(), d.labels(), d.positiveLabel().get()),
                new ClassificationHandler.Fields(
                    p.eventIdField(), p.eventTimeField(), p.labelField()),
                metrics);
        return new Version(
            model,
            new StagesScoring<>(BatchStages.of(handler, model::run)),
            false,
            threshold,
            1,
            null);
      } catch (RuntimeException e) {
        model.close();
        throw e;
      }
    }
  }

  /**
   * A recommender version's replay state: every user's state rebuilt from the range's events (so a
   * range that starts mid-history sees users without their earlier events), the item counts of the
   * popularity baseline, and both prequential accumulators.
   *
   * <p>The baseline counts the items of the range's events seen so far in the same partition, as
   * {@code eval/Prequential}'s popularity counts the events revealed so far: per partition because
   * a live task sees only its partition, and because the replay interleaves partitions as the
   * consumer's polls happen to return them, which must not change the metrics.
   */
  private static final class Recs {
    final Catalogue catalogue;
    final RecsSettings settings;
    final Map<Long, UserState> users = new HashMap<>();
    final Map<Integer, int[]> counts = new HashMap<>();
    final Ranking.Accumulator model;
    final Ranking.Accumulator popularity;
    final Map<Long, Integer> popularityRanks = new HashMap<>();

    Recs(Catalogue catalogue, RecsSettings settings) {
      this.catalogue = catalogue;
      this.settings = settings;
      this.model = new Ranking.Accumulator(settings.k());
      this.popularity = new Ranking.Accumulator(settings.k());
    }

    /**
     * The batch as the model stage sees it: each event carries its user's state from BEFORE the
     * event (the live pipeline's is from after), so the list is made without knowing the event.
     * Then the event is revealed: to the user's state, and to the popularity baseline after it has
     * ranked the event's item.
     */
    List<BufferedRecord> requests(
        List<BufferedRecord> records, List<Object> events, Map<String, Long> deadLetters) {
      List<BufferedRecord> out = new ArrayList<>(records.size());
      for (int i = 0; i < records.size(); i++) {
        if (events.get(i) instanceof RejectedRecordException e) {
          deadLetters.merge(e.reason(), 1L, Long::sum);
          continue;
        }
        Rating e = (Rating) events.get(i);
        BufferedRecord r = records.get(i);
        UserState before = users.getOrDefault(e.userId(), UserState.empty());
        Rating.Transition t = e.applyTo(before, catalogue, settings);
        RecsRequest request =
            new RecsRequest(
                e.userId(),
                e.eventId(),
                e.itemId(),
                e.rating(),
                e.eventTime(),
                t.status(),
                before.recentItems(),
                before.rated());
        if (t.applied()) {
          int item = catalogue.indexOf(e.itemId());
          int[] seen = counts.computeIfAbsent(r.partition(), p -> new int[catalogue.size()]);
          popularityRanks.put(r.offset(), popularityRank(seen, item, before.rated()));
          seen[item]++;
          users.put(e.userId(), t.state());
        }
        Headers headers = new RecordHeaders(r.headers().toArray());
        headers.remove(RecsRequest.HEADER);
        headers.add(RecsRequest.HEADER, request.toBytes());
        out.add(
            new BufferedRecord(
                r.key(),
                r.value(),
                r.timestamp(),
                headers,
                r.topic(),
                r.partition(),
                r.offset(),
                r.ingestTimeMs()));
      }
      return out;
    }

    /**
     * The 0-based rank of {@code item} among the items by count so far (ties: lower catalogue index
     * first), skipping the user's rated items; -1 if not in the top K.
     */
    int popularityRank(int[] counts, int item, int[] rated) {
      Set<Integer> skip = new HashSet<>();
      for (int r : rated) {
        skip.add(r);
      }
      if (skip.contains(item)) {
        return -1;
      }
      int rank = 0;
      for (int i = 0; i < counts.length && rank < settings.k(); i++) {
        if (i != item
            && !skip.contains(i)
            && (counts[i] > counts[item] || (counts[i] == counts[item] && i < item))) {
          rank++;
        }
      }
      return rank < settings.k() ? rank : -1;
    }

    /** Scores one recommendation; returns its outcome, the score being the NDCG gain. */
    Outcome score(Recommendation rec) {
      List<String> top = rec.getItems().stream().map(i -> Long.toString(i.getItemId())).toList();
      String target = Long.toString(rec.getTrigger().getItemId());
      int rank = top.indexOf(target);
      TriggerStatus status = rec.getTrigger().getStatus();
      if (status == TriggerStatus.APPLIED || status == TriggerStatus.LATE) {
        model.add(rank);
        popularity.add(popularityRanks.remove(rec.getSourceOffset()));
      }
      return new Outcome(
          rec.getSourcePartition(),
          rec.getSourceOffset(),
          rec.getTrigger().getEventId(),
          rank < 0 ? 0 : Ranking.ndcg(rank, settings.k()),
          target,
          top.isEmpty() ? "" : top.get(0),
          top);
    }
  }

  /** One version's pipeline stages over a batch; rejected and failing records are counted. */
  private interface Scoring {
    List<Emit> score(List<BufferedRecord> records, Map<String, Long> deadLetters);
  }

  /** The live pipeline's stages, with its bisection of a failing model call. */
  private static final class StagesScoring<P, R> implements Scoring {
    private final BatchStages<P, R> stages;

    StagesScoring(BatchStages<P, R> stages) {
      this.stages = stages;
    }

    @Override
    public List<Emit> score(List<BufferedRecord> records, Map<String, Long> deadLetters) {
      List<BatchHandler.Prepared<P>> prepared = stages.prepareAll(records);
      List<BufferedRecord> accepted = new ArrayList<>();
      List<P> items = new ArrayList<>();
      for (int i = 0; i < records.size(); i++) {
        RejectedRecordException rejection = prepared.get(i).rejection();
        if (rejection != null) {
          deadLetters.merge(rejection.reason(), 1L, Long::sum);
        } else {
          accepted.add(records.get(i));
          items.add(prepared.get(i).value());
        }
      }
      List<R> outputs = new ArrayList<>(Collections.nCopies(items.size(), null));
      boolean[] failed = new boolean[items.size()];
      scoreRange(items, 0, items.size(), outputs, failed);
      List<BatchStages.Scored<P, R>> scored = new ArrayList<>();
      for (int i = 0; i < items.size(); i++) {
        // a null output without a failure is the stages' own (a recommender's popularity fallback)
        if (failed[i]) {
          deadLetters.merge("MODEL_FAILED", 1L, Long::sum);
        } else {
          scored.add(new BatchStages.Scored<>(accepted.get(i), items.get(i), outputs.get(i)));
        }
      }
      if (scored.isEmpty()) {
        return List.of();
      }
      return stages.complete(
          scored, new BatchHandler.BatchInfo(items.size(), System.currentTimeMillis()));
    }

    /** As the live pipeline does: a failing call is bisected down to the failing records. */
    private void scoreRange(List<P> items, int from, int to, List<R> out, boolean[] failed) {
      if (from >= to) {
        return;
      }
      try {
        List<R> result = stages.score(items.subList(from, to));
        for (int i = from; i < to; i++) {
          out.set(i, result.get(i - from));
        }
      } catch (RuntimeException e) {
        if (to - from == 1) {
          LOG.debug("model failed on one record: {}", e.toString());
          failed[from] = true;
          return;
        }
        int mid = (from + to) >>> 1;
        scoreRange(items, from, mid, out, failed);
        scoreRange(items, mid, to, out, failed);
      }
    }
  }

  /** A scored record as the metrics need it. */
  private record Outcome(
      int partition,
      long offset,
      String eventId,
      double score,
      String label,
      String predicted,
      List<String> top) {}

  /** The serializers of what the versions emit, for the output topic. */
  private record Serializers(
      Serializer<Prediction> predictions,
      Serializer<ImageClassification> images,
      Serializer<Recommendation> recommendations) {
    byte[] serialize(String topic, Object value) {
      if (value instanceof Prediction p) {
        return predictions.serialize(topic, p);
      }
      if (value instanceof Recommendation r) {
        return recommendations.serialize(topic, r);
      }
      return images.serialize(topic, (ImageClassification) value);
    }
  }

  /** A record read, with the time it was read. */
  private record Pending(BufferedRecord record, long readNanos) {}

  /** The state of one replay over its range. */
  private static final class Run {
    private final Settings settings;
    private final SchemaRegistryClient registry;
    private final String replayId;
    private final List<Version> versions;
    private final EventDecoder decoder;

    Run(Settings settings, SchemaRegistryClient registry, String replayId, List<Version> versions) {
      this.settings = settings;
      this.registry = registry;
      this.replayId = replayId;
      this.versions = versions;
      this.decoder = EventDecoder.avro(AvroRecordDecoder.generic(registry));
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
        Serializer<Prediction> predictions =
            new SpecificAvroSerde<>(
                    registry, Prediction.class, RecordPart.VALUE, config.registry().autoRegister())
                .serializer();
        Serializer<ImageClassification> images =
            new SpecificAvroSerde<>(
                    registry,
                    ImageClassification.class,
                    RecordPart.VALUE,
                    config.registry().autoRegister())
                .serializer();
        Serializer<Recommendation> recommendations =
            new SpecificAvroSerde<>(
                    registry,
                    Recommendation.class,
                    RecordPart.VALUE,
                    config.registry().autoRegister())
                .serializer();
        Serializers serializers = new Serializers(predictions, images, recommendations);
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
                done += score(buffer, producer, serializers);
                buffer.clear();
              }
            }
          }
          for (TopicPartition tp : new ArrayList<>(active)) {
            if (consumer.position(tp) >= bounds.get(tp).end()) {
              List<Pending> buffer = buffers.getOrDefault(tp, List.of());
              if (!buffer.isEmpty()) {
                done += score(buffer, producer, serializers);
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
    private int score(
        List<Pending> batch, KafkaProducer<byte[], byte[]> producer, Serializers serializers) {
      List<BufferedRecord> records = batch.stream().map(Pending::record).toList();
      List<Object> events =
          versions.get(0).recs == null ? List.of() : records.stream().map(this::event).toList();
      Map<Long, Long> readNanos = new HashMap<>();
      for (Pending pending : batch) {
        readNanos.put(pending.record().offset(), pending.readNanos());
      }
      for (Version v : versions) {
        long start = System.nanoTime();
        List<Emit> emits =
            v.scoring.score(
                v.recs == null ? records : v.recs.requests(records, events, v.deadLetters),
                v.deadLetters);
        long spent = System.nanoTime() - start;
        v.nanos += spent;
        for (Emit emit : emits) {
          if (emit.child().equals(TopologyFactory.ALERTS_SINK)) {
            v.alerts++;
          } else if (emit.child().equals(TopologyFactory.PREDICTIONS_SINK)) {
            Outcome o =
                v.recs == null
                    ? outcome(emit.value())
                    : v.recs.score((Recommendation) emit.value());
            v.outcomes.add(o);
            if (!v.image && o.score() >= v.threshold) {
              v.alerts++; // the live pipeline's threshold rule, counted here, never written
            }
            long waited = start - readNanos.get(o.offset());
            v.latencies.add((waited + spent) / 1e6);
            if (producer != null) {
              String out = settings.outputTopic().get();
              byte[] value = serializers.serialize(out, emit.value());
              producer.send(
                  new ProducerRecord<>(out, null, emit.timestamp(), (byte[]) emit.key(), value));
            }
          }
        }
      }
      for (Version v : versions) {
        if (v.recs != null) {
          v.recs.popularityRanks.clear(); // events the model failed on are not scored
        }
      }
      return batch.size();
    }

    /** A rating event, or why it is not one; decoded once for all versions. */
    private Object event(BufferedRecord r) {
      try {
        if (r.value() == null) {
          throw new RejectedRecordException(
              DeadLetter.Stage.DECODE, "EMPTY", "record has no value");
        }
        return Rating.of(
            decoder.decode(r.value()), r.topic() + "-" + r.partition() + "@" + r.offset());
      } catch (RejectedRecordException e) {
        return e;
      }
    }

    /** A prediction or image classification, as the metrics need it. */
    private static Outcome outcome(Object value) {
      if (value instanceof Prediction p) {
        return new Outcome(
            p.getSourcePartition(),
            p.getSourceOffset(),
            p.getEventId(),
            p.getScore(),
            p.getLabel(),
            p.getPredictedLabel(),
            List.of());
      }
      ImageClassification c = (ImageClassification) value;
      return new Outcome(
          c.getSourcePartition(),
          c.getSourceOffset(),
          c.getEventId(),
          c.getProbability(),
          c.getLabel(),
          c.getPredictedLabel(),
          c.getTop().stream().map(t -> t.getLabel()).toList());
    }

    private static ReplayReport.VersionReport versionReport(Version v) {
      List<Outcome> sorted = sorted(v.outcomes);
      if (v.recs != null) {
        return report(v, null, null, RankingMetrics.of(v.recs.model, v.recs.popularity));
      }
      if (v.image) {
        return report(v, null, accuracy(v, sorted), null);
      }
      List<Double> scores = new ArrayList<>();
      List<Integer> labels = new ArrayList<>();
      for (Outcome o : sorted) {
        if (o.label() != null && v.labels.contains(o.label())) {
          scores.add(o.score());
          labels.add(o.label().equals(v.positiveLabel) ? 1 : 0);
        }
      }
      ClassificationMetrics metrics =
          scores.isEmpty()
              ? null
              : ClassificationMetrics.of(
                  scores.stream().mapToDouble(Double::doubleValue).toArray(),
                  labels.stream().mapToInt(Integer::intValue).toArray(),
                  v.threshold);
      return report(v, metrics, null, null);
    }

    private static TopAccuracy accuracy(Version v, List<Outcome> sorted) {
      long labelled = 0;
      long top1 = 0;
      long topK = 0;
      for (Outcome o : sorted) {
        if (o.label() == null) {
          continue;
        }
        labelled++;
        if (o.predicted().equals(o.label())) {
          top1++;
        }
        if (o.top().contains(o.label())) {
          topK++;
        }
      }
      return TopAccuracy.of(labelled, v.topK, top1, topK);
    }

    private static ReplayReport.VersionReport report(
        Version v, ClassificationMetrics metrics, TopAccuracy accuracy, RankingMetrics ranking) {
      long unlabelled =
          ranking != null
              ? v.outcomes.size() - ranking.events()
              : v.outcomes.stream()
                  .filter(o -> o.label() == null || (!v.image && !v.labels.contains(o.label())))
                  .count();
      long processed = v.outcomes.size() + v.deadLetters.values().stream().mapToLong(x -> x).sum();
      return new ReplayReport.VersionReport(
          v.label,
          v.model.name(),
          v.model.version(),
          v.outcomes.size(),
          v.deadLetters,
          v.alerts,
          unlabelled,
          v.nanos == 0 ? 0 : processed / (v.nanos / 1e9),
          Latencies.of(v.latencies.stream().mapToDouble(Double::doubleValue).toArray()),
          metrics,
          accuracy,
          ranking);
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
        long disagreements = 0;
        for (Outcome c : sorted(challenger.outcomes)) {
          Outcome o = byCoordinates.get(c.partition() + "@" + c.offset());
          if (o == null) {
            continue;
          }
          boolean disagree = champion.disagree(o, challenger, c);
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
        out.add(
            new ReplayReport.Comparison(
                champion.label,
                challenger.label,
                common,
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
