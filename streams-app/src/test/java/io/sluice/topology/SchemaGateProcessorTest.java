package io.sluice.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.metrics.PipelineMetrics;
import io.sluice.serde.SchemaRegistryClient;
import io.sluice.serde.SchemaRegistryException;
import io.sluice.serde.UnknownSchemaException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SchemaGateProcessorTest {
  private static final Schema EVENT =
      SchemaBuilder.record("Event").namespace("t").fields().requiredLong("id").endRecord();
  private static final String STORE = "p-held-back";

  /** What reached the processor after the gate: schema id, source offset, source topic. */
  private record Seen(int schemaId, long offset, String topic) {}

  /** A registry that knows ids 1 to 9 while up, and is unreachable while down. */
  private static final class Registry implements SchemaRegistryClient {
    volatile boolean up = true;

    @Override
    public int register(String subject, Schema schema) {
      return 1;
    }

    @Override
    public int lookup(String subject, Schema schema) {
      return 1;
    }

    @Override
    public Schema schemaById(int id) {
      if (!up) {
        throw new SchemaRegistryException("connection refused");
      }
      if (id >= 10) {
        throw new UnknownSchemaException(id, "not found");
      }
      return EVENT;
    }

    @Override
    public void close() {}
  }

  private final Registry registry = new Registry();
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final List<Seen> seen = new ArrayList<>();
  private TopologyTestDriver driver;
  private TestInputTopic<byte[], byte[]> input;

  @BeforeEach
  void start() {
    // Fetches run on the calling thread: what the gate decides does not depend on timing.
    SchemaGate gate = new SchemaGate(registry, Runnable::run, new PipelineMetrics(meters, "p"));
    Topology t = new Topology();
    t.addSource("in", new ByteArrayDeserializer(), new ByteArrayDeserializer(), "events");
    t.addProcessor("gate", () -> new SchemaGateProcessor(gate, STORE), "in");
    t.addStateStore(SchemaGateProcessor.store(STORE), "gate");
    t.addProcessor("seen", Capture::new, "gate");
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "gate-test");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    driver = new TopologyTestDriver(t, props, Instant.ofEpochMilli(0));
    input = driver.createInputTopic("events", new ByteArraySerializer(), new ByteArraySerializer());
  }

  @AfterEach
  void stop() {
    driver.close();
  }

  private final class Capture implements Processor<byte[], byte[], Void, Void> {
    private ProcessorContext<Void, Void> context;

    @Override
    public void init(ProcessorContext<Void, Void> context) {
      this.context = context;
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
      var source = context.recordMetadata().orElseThrow();
      int id = record.value().length >= 5 ? ByteBuffer.wrap(record.value(), 1, 4).getInt() : -1;
      seen.add(new Seen(id, source.offset(), source.topic()));
    }
  }

  private static byte[] withSchema(int id) {
    return ByteBuffer.allocate(6).put((byte) 0).putInt(id).put((byte) 2).array();
  }

  private double heldBack() {
    return meters.get("sluice.records.held.back").gauge().value();
  }

  private double outages() {
    return meters.get("sluice.registry.outages").counter().count();
  }

  @Test
  void recordsWithFetchableSchemasPassAtOnce() {
    input.pipeInput(withSchema(1));
    input.pipeInput(withSchema(2));
    assertThat(seen).containsExactly(new Seen(1, 0, "events"), new Seen(2, 1, "events"));
  }

  @Test
  void anOutageHoldsBackThePartitionInOrderAndReleasesItWithItsSourceOffsets() {
    input.pipeInput(withSchema(1));
    registry.up = false;
    input.pipeInput(withSchema(2)); // schema never fetched: held
    input.pipeInput(withSchema(1)); // known, but behind a held record: held too
    input.pipeInput(withSchema(3));
    assertThat(seen).containsExactly(new Seen(1, 0, "events"));
    assertThat(heldBack()).isEqualTo(3);

    for (int i = 0; i < 5; i++) {
      driver.advanceWallClockTime(SchemaGateProcessor.RETRY_INTERVAL);
    }
    assertThat(seen).hasSize(1);
    assertThat(outages()).as("one outage, however many retries").isEqualTo(1);

    registry.up = true;
    driver.advanceWallClockTime(SchemaGateProcessor.RETRY_INTERVAL);
    assertThat(seen)
        .containsExactly(
            new Seen(1, 0, "events"),
            new Seen(2, 1, "events"),
            new Seen(1, 2, "events"),
            new Seen(3, 3, "events"));
    assertThat(heldBack()).isZero();
    assertThat(driver.<Long, byte[]>getKeyValueStore(STORE).approximateNumEntries()).isZero();

    input.pipeInput(withSchema(4));
    assertThat(seen).hasSize(5);
  }

  @Test
  void aSecondOutageIsCountedAgain() {
    registry.up = false;
    input.pipeInput(withSchema(1));
    registry.up = true;
    driver.advanceWallClockTime(SchemaGateProcessor.RETRY_INTERVAL);
    registry.up = false;
    input.pipeInput(withSchema(2));
    assertThat(outages()).isEqualTo(2);
    assertThat(seen).extracting(Seen::schemaId).containsExactly(1);
  }

  @Test
  void unknownIdsAndBytesThatAreNotTheWireFormatPassForTheDecoderToDeadLetter() {
    input.pipeInput(withSchema(42));
    input.pipeInput(new byte[] {7, 7});
    assertThat(seen).extracting(Seen::offset).containsExactly(0L, 1L);
    assertThat(Set.copyOf(meters.getMeters()))
        .noneMatch(m -> m.getId().getName().contains("outages"));
  }

  @Test
  void theHeldBackRecordsAreInTheStoreSoThatTheyOutliveACrash() {
    registry.up = false;
    input.pipeInput(withSchema(5));
    input.pipeInput(withSchema(6));
    assertThat(driver.<Long, byte[]>getKeyValueStore(STORE).approximateNumEntries()).isEqualTo(2);
    assertThat(driver.producedTopicNames()).contains("gate-test-" + STORE + "-changelog");
  }
}
