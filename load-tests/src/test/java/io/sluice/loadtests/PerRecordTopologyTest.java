package io.sluice.loadtests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.anomaly.Cooldown;
import io.sluice.anomaly.ThresholdRule;
import io.sluice.batching.Scorer;
import io.sluice.kinds.classification.ClassificationHandler;
import io.sluice.kinds.classification.ClassificationKeys;
import io.sluice.kinds.classification.FeatureMapping;
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
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.errors.StreamsException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PerRecordTopologyTest {
  /** The fraud model's feature order: V1..V28, then Amount. */
  private static final List<String> MODEL_FEATURES =
      Stream.concat(IntStream.rangeClosed(1, 28).mapToObj(i -> "V" + i), Stream.of("Amount"))
          .toList();

  private final LocalSchemaRegistry registry = LocalSchemaRegistry.fromClasspath();
  private final Serde<CardTransaction> transactions =
      new SpecificAvroSerde<>(registry, CardTransaction.class, RecordPart.VALUE, true);
  private final Serde<Prediction> predictionSerde =
      new SpecificAvroSerde<>(registry, Prediction.class, RecordPart.VALUE, true);
  private final Serde<Alert> alertSerde =
      new SpecificAvroSerde<>(registry, Alert.class, RecordPart.VALUE, true);
  private final List<Integer> rowsPerCall = Collections.synchronizedList(new ArrayList<>());

  /** Scores a row as fraud with probability 0.9 when its amount (last feature) is over 100. */
  private final Scorer amountModel =
      rows -> {
        rowsPerCall.add(rows.size());
        float[][] out = new float[rows.size()][];
        for (int i = 0; i < out.length; i++) {
          float p = rows.get(i)[28] > 100 ? 0.9f : 0.1f;
          out[i] = new float[] {1 - p, p};
        }
        return out;
      };

  private TopologyTestDriver driver;
  private TestInputTopic<String, CardTransaction> input;
  private TestOutputTopic<byte[], Prediction> predictions;
  private TestOutputTopic<byte[], Alert> alerts;

  @AfterEach
  void closeDriver() {
    if (driver != null) {
      driver.close();
    }
    registry.close();
  }

  private void start(Scorer scorer) {
    start(scorer, null);
  }

  /** With Sluice's anomaly stage: threshold alerts at 0.5, no per-key rule, no drift. */
  private static TopologyFactory.AnomalyStage thresholdAlerts() {
    return new TopologyFactory.AnomalyStage(
        new KeyRulesProcessor.Settings(
            TopologyFactory.keyStoreName("bench"),
            TopologyFactory.ALERTS_SINK,
            new ThresholdRule(0.5, "WARNING"),
            "1",
            null,
            new Cooldown(0),
            1_000,
            Duration.ofHours(1),
            null,
            0,
            "amount-model",
            "3"),
        new ModelMonitorProcessor.Settings(
            TopologyFactory.monitorStoreName("bench"),
            TopologyFactory.ALERTS_SINK,
            TopologyFactory.DLQ_SINK,
            List.of(),
            Duration.ofMinutes(5),
            null,
            Duration.ofMinutes(1),
            "amount-model",
            "3"));
  }

  private void start(Scorer scorer, TopologyFactory.AnomalyStage anomaly) {
    AvroRecordDecoder<GenericRecord> avro = AvroRecordDecoder.generic(registry);
    ClassificationHandler handler =
        new ClassificationHandler(
            EventDecoder.avro(avro),
            FeatureMapping.parse(
                ClassificationKeys.FEATURES,
                "Amount=amount,V1..V28=features[0..27]",
                MODEL_FEATURES),
            new ClassificationHandler.ModelInfo("amount-model", "3", List.of("0", "1"), "1"),
            new EventFields("id", "eventTime", "label"),
            new PipelineMetrics(new SimpleMeterRegistry(), "bench"));
    Topology topology =
        PerRecordTopology.build(
            "in",
            "predictions",
            "alerts",
            handler,
            scorer,
            predictionSerde.serializer(),
            alertSerde.serializer(),
            anomaly,
            new PipelineMetrics(new SimpleMeterRegistry(), "bench"));
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "per-record-test");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    driver = new TopologyTestDriver(topology, props);
    input = driver.createInputTopic("in", new StringSerializer(), transactions.serializer());
    predictions =
        driver.createOutputTopic(
            "predictions", new ByteArrayDeserializer(), predictionSerde.deserializer());
    alerts =
        driver.createOutputTopic("alerts", new ByteArrayDeserializer(), alertSerde.deserializer());
  }

  private static CardTransaction tx(String id, double amount) {
    List<Double> features = new ArrayList<>();
    for (int i = 0; i < 28; i++) {
      features.add(i / 10.0);
    }
    return CardTransaction.newBuilder()
        .setId(id)
        .setCardId("card-7")
        .setEventTime(Instant.ofEpochMilli(1_000))
        .setAmount(amount)
        .setFeatures(features)
        .setLabel(0)
        .build();
  }

  @Test
  void scoresEveryRecordWithAModelCallOfItsOwn() {
    start(amountModel);
    input.pipeInput("card-7", tx("tx-1", 10));
    input.pipeInput("card-7", tx("tx-2", 20));
    input.pipeInput("card-7", tx("tx-3", 30));

    List<Prediction> out = predictions.readValuesToList();
    assertThat(rowsPerCall).containsExactly(1, 1, 1);
    assertThat(out).extracting(Prediction::getEventId).containsExactly("tx-1", "tx-2", "tx-3");
    assertThat(out).extracting(Prediction::getBatchSize).containsOnly(1);
    assertThat(out).extracting(Prediction::getSourceOffset).containsExactly(0L, 1L, 2L);
    assertThat(out.get(0).getKey()).isEqualTo("card-7");
    assertThat(out.get(0).getModelName()).isEqualTo("amount-model");
    assertThat(out.get(0).getScore()).isCloseTo(0.1, offset(1e-6));
    assertThat(alerts.isEmpty()).isTrue();
  }

  @Test
  void writesPredictionsOnlyNotTheObservationsForSluicesAnomalyStage() {
    start(amountModel);
    input.pipeInput("card-7", tx("tx-big", 500));

    Prediction p = predictions.readValue();
    assertThat(p.getPredictedLabel()).isEqualTo("1");
    assertThat(p.getScore()).isCloseTo(0.9, offset(1e-6));
    assertThat(alerts.isEmpty()).isTrue();
  }

  @Test
  void thePassThroughGivesEveryRecordTheFixedScoresWithoutAModel() {
    start(PerRecordTopology.noModel(1f, 0f));
    input.pipeInput("card-7", tx("tx-1", 500));

    Prediction p = predictions.readValue();
    assertThat(rowsPerCall).isEmpty();
    assertThat(p.getEventId()).isEqualTo("tx-1");
    assertThat(p.getPredictedLabel()).isEqualTo("0");
    assertThat(p.getScore()).isZero();
    assertThat(alerts.isEmpty()).isTrue();
  }

  @Test
  void failsOnARecordItCannotDecodeRatherThanSkippingIt() {
    start(amountModel);
    TestInputTopic<String, byte[]> raw =
        driver.createInputTopic("in", new StringSerializer(), new ByteArraySerializer());

    assertThatThrownBy(() -> raw.pipeInput("card-7", new byte[] {0x7b, 1, 2, 3, 4, 5}))
        .isInstanceOf(StreamsException.class)
        .hasStackTraceContaining("rejected at stage decode (WRONG_MAGIC_BYTE)")
        .hasStackTraceContaining("has no dead-letter topic");
    assertThat(predictions.isEmpty()).isTrue();
  }

  @Test
  void withTheAnomalyStageWritesTheAlertsSluiceWouldWrite() {
    start(amountModel, thresholdAlerts());
    input.pipeInput("card-7", tx("tx-small", 10));
    input.pipeInput("card-7", tx("tx-big", 500));

    assertThat(predictions.readValuesToList())
        .extracting(Prediction::getEventId)
        .containsExactly("tx-small", "tx-big");
    List<Alert> raised = alerts.readValuesToList();
    assertThat(raised).extracting(Alert::getEventId).containsExactly("tx-big");
    assertThat(raised.get(0).getKind()).isEqualTo(ThresholdRule.KIND);
  }

  @Test
  void theReplayingPassThroughCallsTheModelOncePerDistinctRowAndWritesItsScores() {
    Map<Object, float[]> memory = new ConcurrentHashMap<>();
    start(PerRecordTopology.replaying(amountModel, memory), thresholdAlerts());
    input.pipeInput("card-7", tx("tx-1", 500));
    input.pipeInput("card-7", tx("tx-2", 500));
    input.pipeInput("card-7", tx("tx-3", 10));

    assertThat(rowsPerCall).containsExactly(1, 1);
    assertThat(memory).hasSize(2);
    assertThat(predictions.readValuesToList())
        .extracting(Prediction::getScore)
        .containsExactly(0.9f * 1.0, 0.9f * 1.0, 0.1f * 1.0);
    assertThat(alerts.readValuesToList())
        .extracting(Alert::getEventId)
        .containsExactly("tx-1", "tx-2");
  }
}
