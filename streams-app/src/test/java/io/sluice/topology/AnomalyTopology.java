package io.sluice.topology;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.anomaly.Cooldown;
import io.sluice.anomaly.DriftRule;
import io.sluice.anomaly.HealthRule;
import io.sluice.anomaly.KeyBehaviourRule;
import io.sluice.anomaly.LinearExplainer;
import io.sluice.anomaly.ThresholdRule;
import io.sluice.batching.BatchStages;
import io.sluice.batching.Scorer;
import io.sluice.config.ConfigLoader;
import io.sluice.config.SluiceConfig;
import io.sluice.kinds.classification.ClassificationHandler;
import io.sluice.kinds.classification.FeatureMapping;
import io.sluice.metrics.PipelineMetrics;
import io.sluice.schemas.Alert;
import io.sluice.schemas.CardTransaction;
import io.sluice.schemas.Prediction;
import io.sluice.serde.AvroRecordDecoder;
import io.sluice.serde.LocalSchemaRegistry;
import io.sluice.serde.RecordPart;
import io.sluice.serde.SpecificAvroSerde;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The classification topology with its anomaly stage in a TopologyTestDriver, registry-less, with a
 * stand-in model whose fraud probability is {@code amount / 1000} (capped at 1) and which fails on
 * an amount of {@value #FAILING_AMOUNT}. Events are keyed by card and their record timestamp is
 * their event time.
 */
final class AnomalyTopology implements AutoCloseable {
  static final List<String> FEATURES = featureNames();
  static final String PIPELINE = "fraud";
  static final double FAILING_AMOUNT = 666;

  final LocalSchemaRegistry registry = LocalSchemaRegistry.fromClasspath();
  final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  final TopologyTestDriver driver;
  final TestInputTopic<String, byte[]> input;
  final TestOutputTopic<byte[], byte[]> predictions;
  final TestOutputTopic<byte[], byte[]> alerts;
  final TestOutputTopic<byte[], byte[]> deadLetters;
  private final SpecificAvroSerde<CardTransaction> transactions =
      new SpecificAvroSerde<>(registry, CardTransaction.class, RecordPart.VALUE, true);
  private final AvroRecordDecoder<Alert> alertDecoder =
      AvroRecordDecoder.specific(registry, Alert.class);

  private static List<String> featureNames() {
    List<String> names = new ArrayList<>(List.of("Amount"));
    for (int i = 1; i <= 28; i++) {
      names.add("V" + i);
    }
    return List.copyOf(names);
  }

  /** What the anomaly stage is built from; null rules are off. */
  static final class Rules {
    ThresholdRule threshold = new ThresholdRule(0.5, "WARNING");
    KeyBehaviourRule keyRule;
    long cooldownMs;
    int maxKeys = 1000;
    Duration idle = Duration.ofDays(7);
    LinearExplainer explainer;

    /** The model version the rules' explainer and threshold were made for. */
    String rulesModelVersion = "1";

    List<DriftRule> drift = List.of();
    Duration driftWindow = Duration.ofMinutes(5);
    HealthRule health = new HealthRule(new HealthRule.Settings(100, 0.05, 0.01, "CRITICAL"));
    Duration healthWindow = Duration.ofMinutes(1);
    int batchSize = 3;
  }

  AnomalyTopology(Rules rules) {
    SluiceConfig config =
        ConfigLoader.load(
            Optional.empty(),
            Map.of(),
            Map.of(
                "bootstrap.servers",
                "unused:9092",
                "application.id",
                "topology-test",
                "pipeline.batch.max.size",
                Integer.toString(rules.batchSize),
                "pipeline.batch.max.linger.ms",
                "100"));
    SluiceConfig.Pipeline p = config.pipeline();
    PipelineMetrics metrics = new PipelineMetrics(meters, p.name());
    ClassificationHandler handler =
        new ClassificationHandler(
            EventDecoder.avro(AvroRecordDecoder.generic(registry)),
            FeatureMapping.parse("k", "Amount=amount,V1..V28=features[0..27]", FEATURES),
            new ClassificationHandler.ModelInfo("stand-in", "1", List.of("0", "1"), "1"),
            new EventFields("id", "eventTime", "label"),
            metrics);
    TopologyFactory.AnomalyStage stage =
        new TopologyFactory.AnomalyStage(
            new KeyRulesProcessor.Settings(
                TopologyFactory.keyStoreName(PIPELINE),
                TopologyFactory.ALERTS_SINK,
                rules.threshold,
                "1",
                rules.keyRule,
                new Cooldown(rules.cooldownMs),
                rules.maxKeys,
                rules.idle,
                rules.explainer,
                3,
                "stand-in",
                rules.rulesModelVersion),
            new ModelMonitorProcessor.Settings(
                TopologyFactory.monitorStoreName(PIPELINE),
                TopologyFactory.ALERTS_SINK,
                TopologyFactory.DLQ_SINK,
                rules.drift,
                rules.driftWindow,
                rules.health,
                rules.healthWindow,
                "stand-in",
                "1"));
    var topology =
        TopologyFactory.build(
            p,
            new TopologyFactory.Output<>(
                new SpecificAvroSerde<>(registry, Prediction.class, RecordPart.VALUE, true)
                    .serializer(),
                Prediction.class),
            new TopologyFactory.Output<>(
                new SpecificAvroSerde<>(registry, Alert.class, RecordPart.VALUE, true).serializer(),
                Alert.class),
            BatchStages.of(handler, standIn()),
            metrics,
            stage);
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "topology-test");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    driver = new TopologyTestDriver(topology, props, Instant.ofEpochMilli(0));
    input =
        driver.createInputTopic(p.inputTopic(), new StringSerializer(), new ByteArraySerializer());
    predictions = output(p.outputTopic());
    alerts = output(p.alertsTopic());
    deadLetters = output(p.dlqTopic());
  }

  private static Scorer standIn() {
    return rows -> {
      float[][] out = new float[rows.size()][];
      for (int i = 0; i < rows.size(); i++) {
        float amount = rows.get(i)[0];
        if (amount == FAILING_AMOUNT) {
          throw new IllegalStateException("the stand-in model fails on amount " + amount);
        }
        float p1 = Math.min(1f, amount / 1000f);
        out[i] = new float[] {1 - p1, p1};
      }
      return out;
    };
  }

  TestOutputTopic<byte[], byte[]> output(String topic) {
    return driver.createOutputTopic(
        topic, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  /**
   * A card transaction of {@code amount} keyed by {@code card} (null: no key) whose record
   * timestamp is its event time.
   */
  void send(String card, String id, double amount, long eventTime) {
    send(card, id, amount, eventTime, 0.0);
  }

  /** As {@link #send(String, String, double, long)}, with every PCA feature set to {@code v}. */
  void send(String card, String id, double amount, long eventTime, double v) {
    List<Double> features = new ArrayList<>();
    for (int i = 0; i < 28; i++) {
      features.add(v);
    }
    CardTransaction tx =
        CardTransaction.newBuilder()
            .setId(id)
            .setCardId(card == null ? "unknown" : card)
            .setEventTime(Instant.ofEpochMilli(eventTime))
            .setAmount(amount)
            .setFeatures(features)
            .setLabel(null)
            .build();
    input.pipeInput(card, transactions.serializer().serialize("transactions", tx), eventTime);
  }

  /** Every alert written since the last call, decoded. */
  List<Alert> alerts() {
    return alerts.readValuesToList().stream().map(alertDecoder::decode).toList();
  }

  KeyValueStore<String, byte[]> keyStore() {
    return driver.getKeyValueStore(TopologyFactory.keyStoreName(PIPELINE));
  }

  /** The changelog topic of a store, as the driver captured it. */
  TestOutputTopic<byte[], byte[]> changelog(String store) {
    return output("topology-test-" + store + "-changelog");
  }

  @Override
  public void close() {
    driver.close();
  }
}
