package io.sluice.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.errors.DeadLetter;
import io.sluice.schemas.Prediction;
import io.sluice.serde.AvroRecordDecoder;
import io.sluice.serde.LocalSchemaRegistry;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The pipeline topology driven by TopologyTestDriver, registry-less, with a stand-in scorer. */
class TopologyFactoryTest {
  private AnomalyTopology pipeline;
  private LocalSchemaRegistry registry;
  private TopologyTestDriver driver;
  private TestInputTopic<String, byte[]> input;
  private TestOutputTopic<byte[], byte[]> predictions;
  private TestOutputTopic<byte[], byte[]> alerts;
  private TestOutputTopic<byte[], byte[]> deadLetters;

  @BeforeEach
  void setUp() {
    pipeline = new AnomalyTopology(new AnomalyTopology.Rules());
    registry = pipeline.registry;
    driver = pipeline.driver;
    input = pipeline.input;
    predictions = pipeline.predictions;
    alerts = pipeline.alerts;
    deadLetters = pipeline.deadLetters;
  }

  @AfterEach
  void tearDown() {
    pipeline.close();
  }

  private void send(String id, double amount, long timestamp) {
    pipeline.send("card-" + id, id, amount, timestamp);
  }

  private List<Prediction> readPredictions() {
    AvroRecordDecoder<Prediction> decoder = AvroRecordDecoder.specific(registry, Prediction.class);
    return predictions.readValuesToList().stream().map(decoder::decode).toList();
  }

  @Test
  void outputsComeInInputOrderWithInputTimestamps() {
    send("a", 100, 30);
    send("b", 900, 10);
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
  void aHalfFullBatchIsScoredBeforeTheTaskCommits() {
    // TopologyTestDriver commits the task after every record, as Kafka Streams does at each
    // commit interval: the record waiting in a half-full batch, long before its linger, is scored
    // first, through the commit hook, and its prediction goes into that commit.
    send("a", 100, 1);
    assertThat(readPredictions()).extracting(Prediction::getBatchSize).containsExactly(1);
    assertThat(pipeline.meters.get("sluice.batches").tag("trigger", "commit").counter().count())
        .isEqualTo(1.0);
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
  void nothingIsWrittenForTheRecordsThatWait() {
    send("a", 100, 1);
    assertThat(driver.producedTopicNames())
        .doesNotContain(
            "topology-test-" + TopologyFactory.bufferStoreName("fraud") + "-changelog",
            "topology-test-" + TopologyFactory.commitHookName("fraud") + "-changelog");
  }

  @Test
  void deadLettersPassThroughTheModelMonitorUnchanged() {
    input.pipeInput("bad", new byte[] {0, 0, 0, 0, 1, 2}, 2);
    driver.advanceWallClockTime(Duration.ofMillis(100));

    TestRecord<byte[], byte[]> dead = deadLetters.readRecord();
    assertThat(dead.key()).isEqualTo("bad".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    assertThat(dead.timestamp()).isEqualTo(2L);
    assertThat(DeadLetter.header(dead.headers(), DeadLetter.REASON)).isEqualTo("UNKNOWN_SCHEMA_ID");
  }
}
