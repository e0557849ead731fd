package io.sluice.kinds.classification;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.anomaly.Cooldown;
import io.sluice.anomaly.HealthRule;
import io.sluice.anomaly.ThresholdRule;
import io.sluice.batching.BatchScorer;
import io.sluice.batching.BatchStages;
import io.sluice.batching.Scorer;
import io.sluice.config.ConfigKeys;
import io.sluice.config.ConfigLoader;
import io.sluice.config.SluiceConfig;
import io.sluice.metrics.PipelineMetrics;
import io.sluice.schemas.Alert;
import io.sluice.schemas.CardTransaction;
import io.sluice.schemas.Prediction;
import io.sluice.serde.AvroRecordDecoder;
import io.sluice.serde.LocalSchemaRegistry;
import io.sluice.serde.RecordPart;
import io.sluice.serde.SpecificAvroSerde;
import io.sluice.topology.EventDecoder;
import io.sluice.topology.EventFields;
import io.sluice.topology.KeyRulesProcessor;
import io.sluice.topology.ModelMonitorProcessor;
import io.sluice.topology.TopologyFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A shadow model beside the live one, driven by TopologyTestDriver with stand-in scorers: its
 * predictions reach the shadow topic and never the alerts; its failure never touches the live path.
 */
class ShadowModelTest {
  private static final String SHADOW_TOPIC = "fraud-shadow-predictions";
  private static final Scorer LIVE = rows -> scores(rows, false);
  private static final Scorer SHADOW = rows -> scores(rows, true);

  private final LocalSchemaRegistry registry = LocalSchemaRegistry.fromClasspath();
  private final SpecificAvroSerde<CardTransaction> transactions =
      new SpecificAvroSerde<>(registry, CardTransaction.class, RecordPart.VALUE, true);
  private TopologyTestDriver driver;

  /** Live: p(fraud) = amount / 1000; shadow: the opposite, so it would alert on small amounts. */
  private static float[][] scores(List<float[]> rows, boolean inverted) {
    float[][] out = new float[rows.size()][];
    for (int i = 0; i < rows.size(); i++) {
      float p1 = rows.get(i)[0] / 1000f;
      if (inverted) {
        p1 = 1 - p1;
      }
      out[i] = new float[] {1 - p1, p1};
    }
    return out;
  }

  private static Map<String, String> settings() {
    Map<String, String> c = new HashMap<>();
    c.put("bootstrap.servers", "unused:9092");
    c.put("application.id", "shadow-test");
    c.put("pipeline.batch.max.size", "3");
    c.put(ConfigKeys.SHADOW_MODEL_DESCRIPTOR, "challenger.json");
    c.put(ConfigKeys.SHADOW_OUTPUT_TOPIC, SHADOW_TOPIC);
    return c;
  }

  private SluiceConfig.Pipeline start(Scorer shadowScorer) {
    SluiceConfig.Pipeline p = ConfigLoader.load(Optional.empty(), Map.of(), settings()).pipeline();
    PipelineMetrics metrics = new PipelineMetrics(new SimpleMeterRegistry(), p.name());
    TopologyFactory.Sink<Alert> alerts =
        new TopologyFactory.Sink<>(
            TopologyFactory.ALERTS,
            null,
            new SpecificAvroSerde<>(registry, Alert.class, RecordPart.VALUE, true).serializer());
    var topology =
        TopologyFactory.build(
            p,
            new TopologyFactory.Plan(
                new BatchScorer<>(BatchStages.of(handler(p, "live", metrics), LIVE), null),
                Optional.of(
                    new BatchScorer<>(
                        BatchStages.of(handler(p, "challenger", metrics), shadowScorer), null)),
                new TopologyFactory.Sink<>(
                    TopologyFactory.PREDICTIONS,
                    null,
                    new SpecificAvroSerde<>(registry, Prediction.class, RecordPart.VALUE, true)
                        .serializer()),
                List.of(),
                Optional.empty(),
                Optional.of(anomalyStage(alerts))),
            metrics);
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "shadow-test");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    driver = new TopologyTestDriver(topology, props, Instant.ofEpochMilli(0));
    return p;
  }

  /** The live anomaly stage: a threshold alert at 0.5 on the live model's predictions. */
  private static TopologyFactory.AnomalyStage anomalyStage(TopologyFactory.Sink<Alert> alerts) {
    return new TopologyFactory.AnomalyStage(
        new KeyRulesProcessor.Settings(
            TopologyFactory.keyStoreName("fraud"),
            TopologyFactory.ALERTS_SINK,
            new ThresholdRule(0.5, "WARNING"),
            "1",
            null,
            new Cooldown(0),
            1000,
            Duration.ofDays(7),
            null,
            3,
            "live",
            "1"),
        new ModelMonitorProcessor.Settings(
            TopologyFactory.monitorStoreName("fraud"),
            TopologyFactory.ALERTS_SINK,
            TopologyFactory.DLQ_SINK,
            List.of(),
            Duration.ofMinutes(5),
            new HealthRule(new HealthRule.Settings(100, 0.05, 0.01, "CRITICAL")),
            Duration.ofMinutes(1),
            "live",
            "1"),
        alerts);
  }

  private ClassificationHandler handler(
      SluiceConfig.Pipeline p, String name, PipelineMetrics metrics) {
    List<String> features = new ArrayList<>(List.of("Amount"));
    for (int i = 1; i <= 28; i++) {
      features.add("V" + i);
    }
    return new ClassificationHandler(
        EventDecoder.avro(AvroRecordDecoder.generic(registry)),
        FeatureMapping.parse("k", "Amount=amount,V1..V28=features[0..27]", features),
        new ClassificationHandler.ModelInfo(name, "1", List.of("0", "1"), "1"),
        new EventFields("id", "eventTime", "label"),
        metrics);
  }

  @AfterEach
  void tearDown() {
    if (driver != null) {
      driver.close();
    }
  }

  private void sendThree(SluiceConfig.Pipeline p) {
    TestInputTopic<String, byte[]> input =
        driver.createInputTopic(p.inputTopic(), new StringSerializer(), new ByteArraySerializer());
    double[] amounts = {100, 900, 300};
    for (int n = 0; n < amounts.length; n++) {
      List<Double> features = new ArrayList<>(java.util.Collections.nCopies(28, 0.0));
      CardTransaction tx =
          CardTransaction.newBuilder()
              .setId("tx-" + n)
              .setCardId("card")
              .setEventTime(Instant.ofEpochMilli(n))
              .setAmount(amounts[n])
              .setFeatures(features)
              .setLabel(null)
              .build();
      input.pipeInput("card", transactions.serializer().serialize(p.inputTopic(), tx), n);
    }
  }

  private List<Prediction> predictions(String topic) {
    AvroRecordDecoder<Prediction> decoder = AvroRecordDecoder.specific(registry, Prediction.class);
    return driver
        .createOutputTopic(topic, new ByteArrayDeserializer(), new ByteArrayDeserializer())
        .readValuesToList()
        .stream()
        .map(decoder::decode)
        .toList();
  }

  private List<byte[]> values(String topic) {
    return driver
        .createOutputTopic(topic, new ByteArrayDeserializer(), new ByteArrayDeserializer())
        .readValuesToList();
  }

  @Test
  void shadowPredictionsGoToTheirOwnTopicAndNeverToAlerts() {
    SluiceConfig.Pipeline p = start(SHADOW);
    sendThree(p);
    List<Prediction> live = predictions(p.outputTopic());
    List<Prediction> shadow = predictions(SHADOW_TOPIC);
    assertThat(live).extracting(x -> x.getModelName().toString()).containsOnly("live");
    assertThat(live)
        .extracting(Prediction::getScore)
        .containsExactly((double) 0.1f, (double) 0.9f, (double) 0.3f);
    assertThat(shadow).extracting(x -> x.getModelName().toString()).containsOnly("challenger");
    assertThat(shadow)
        .extracting(Prediction::getScore)
        .containsExactly((double) (1 - 0.1f), (double) (1 - 0.9f), (double) (1 - 0.3f));
    // the live model alerts on 900 only; the shadow's high scores alert nobody
    assertThat(values(p.alertsTopic())).hasSize(1);
    assertThat(values(p.dlqTopic())).isEmpty();
  }

  @Test
  void aFailingShadowLeavesTheLivePathAlone() {
    SluiceConfig.Pipeline p =
        start(
            rows -> {
              throw new IllegalStateException("shadow model broke");
            });
    sendThree(p);
    assertThat(predictions(p.outputTopic())).hasSize(3);
    assertThat(values(p.alertsTopic())).hasSize(1);
    assertThat(values(SHADOW_TOPIC)).isEmpty();
    assertThat(values(p.dlqTopic())).isEmpty();
  }

  @Test
  void aShadowNeedsATopicOfItsOwn() {
    Map<String, String> c = settings();
    c.remove(ConfigKeys.SHADOW_OUTPUT_TOPIC);
    assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), Map.of(), c))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(ConfigKeys.SHADOW_OUTPUT_TOPIC);
    c.put(ConfigKeys.SHADOW_OUTPUT_TOPIC, "alerts");
    c.put(ConfigKeys.ALERTS_TOPIC, "alerts");
    assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), Map.of(), c))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(ConfigKeys.ALERTS_TOPIC);
  }
}
