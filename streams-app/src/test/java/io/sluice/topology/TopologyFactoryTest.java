package io.sluice.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.anomaly.ThresholdRule;
import io.sluice.config.ConfigLoader;
import io.sluice.config.SluiceConfig;
import io.sluice.errors.DeadLetter;
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
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The pipeline topology driven by TopologyTestDriver, registry-less, with a stand-in scorer. */
class TopologyFactoryTest {
  private static final List<String> FEATURES = featureNames();

  private static List<String> featureNames() {
    List<String> names = new ArrayList<>(List.of("Amount"));
    for (int i = 1; i <= 28; i++) {
      names.add("V" + i);
    }
    return names;
  }

  private final LocalSchemaRegistry registry = LocalSchemaRegistry.fromClasspath();
  private final SpecificAvroSerde<CardTransaction> transactions =
      new SpecificAvroSerde<>(registry, CardTransaction.class, RecordPart.VALUE, true);
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private TopologyTestDriver driver;
  private TestInputTopic<String, byte[]> input;
  private TestOutputTopic<byte[], byte[]> predictions;
  private TestOutputTopic<byte[], byte[]> alerts;
  private TestOutputTopic<byte[], byte[]> deadLetters;

  @BeforeEach
  void setUp() {
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
                "3",
                "pipeline.batch.max.linger.ms",
                "100"));
    SluiceConfig.Pipeline p = config.pipeline();
    PipelineMetrics metrics = new PipelineMetrics(meters, p.name());
    ClassificationHandler handler =
        new ClassificationHandler(
            EventDecoder.avro(AvroRecordDecoder.generic(registry)),
            FeatureMapping.parse("k", p.features(), FEATURES),
            new ClassificationHandler.ModelInfo("stand-in", "1", List.of("0", "1"), "1"),
            new ClassificationHandler.Fields("id", "eventTime", "label"),
            new ThresholdRule(0.5, "WARNING"),
            metrics);
    // p(fraud) = amount / 1000: enough to see which row a score belongs to.
    var topology =
        TopologyFactory.build(
            p,
            new SpecificAvroSerde<>(registry, Prediction.class, RecordPart.VALUE, true)
                .serializer(),
            new SpecificAvroSerde<>(registry, Alert.class, RecordPart.VALUE, true).serializer(),
            handler,
            rows -> {
              float[][] out = new float[rows.size()][];
              for (int i = 0; i < rows.size(); i++) {
                float p1 = rows.get(i)[0] / 1000f;
                out[i] = new float[] {1 - p1, p1};
              }
              return out;
            },
            metrics);
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

  private TestOutputTopic<byte[], byte[]> output(String topic) {
    return driver.createOutputTopic(
        topic, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  @AfterEach
  void tearDown() {
    driver.close();
  }

  private void send(String id, double amount, long timestamp) {
    List<Double> features = new ArrayList<>();
    for (int i = 0; i < 28; i++) {
      features.add(0.0);
    }
    CardTransaction tx =
        CardTransaction.newBuilder()
            .setId(id)
            .setCardId("card-" + id)
            .setEventTime(Instant.ofEpochMilli(timestamp))
            .setAmount(amount)
            .setFeatures(features)
            .setLabel(null)
            .build();
    input.pipeInput(
        "card-" + id, transactions.serializer().serialize("transactions", tx), timestamp);
  }

  private List<Prediction> readPredictions() {
    AvroRecordDecoder<Prediction> decoder = AvroRecordDecoder.specific(registry, Prediction.class);
    return predictions.readValuesToList().stream().map(decoder::decode).toList();
  }

  @Test
  void aFullBatchComesOutAsPredictionsInInputOrderWithInputTimestamps() {
    send("a", 100, 30);
    send("b", 900, 10);
    assertThat(predictions.isEmpty()).isTrue();
    send("c", 300, 20);

    List<TestRecord<byte[], byte[]>> records = predictions.readRecordsToList();
    assertThat(records).extracting(TestRecord::timestamp).containsExactly(30L, 10L, 20L);
    AvroRecordDecoder<Prediction> decoder = AvroRecordDecoder.specific(registry, Prediction.class);
    assertThat(records)
        .extracting(r -> decoder.decode(r.value()).getEventId())
        .containsExactly("a", "b", "c");
    assertThat(decoder.decode(records.get(1).value()).getScore())
        .isCloseTo(0.9, org.assertj.core.api.Assertions.within(1e-6));
    assertThat(alerts.readValuesToList()).hasSize(1);
  }

  @Test
  void aHalfFullBatchIsFlushedWhenItLingers() {
    send("a", 100, 1);
    driver.advanceWallClockTime(Duration.ofMillis(99));
    assertThat(predictions.isEmpty()).isTrue();
    driver.advanceWallClockTime(Duration.ofMillis(1));
    assertThat(readPredictions()).extracting(Prediction::getBatchSize).containsExactly(1);
  }

  @Test
  void corruptBytesGoToTheDeadLetterTopicAndTheirNeighboursAreScored() {
    send("a", 100, 1);
    input.pipeInput("bad", new byte[] {0, 0, 0, 0, 1, 2}, 2);
    send("c", 300, 3);

    assertThat(readPredictions()).extracting(Prediction::getEventId).containsExactly("a", "c");
    TestRecord<byte[], byte[]> dead = deadLetters.readRecord();
    assertThat(dead.value()).containsExactly(0, 0, 0, 0, 1, 2);
    assertThat(DeadLetter.header(dead.headers(), DeadLetter.STAGE)).isEqualTo("decode");
    assertThat(DeadLetter.header(dead.headers(), DeadLetter.REASON)).isEqualTo("UNKNOWN_SCHEMA_ID");
    assertThat(DeadLetter.header(dead.headers(), DeadLetter.OFFSET)).isEqualTo("1");
  }

  @Test
  void theBatchBufferIsChangelogged() {
    send("a", 100, 1);
    assertThat(driver.producedTopicNames())
        .contains("topology-test-" + TopologyFactory.bufferStoreName("fraud") + "-changelog");
  }
}
