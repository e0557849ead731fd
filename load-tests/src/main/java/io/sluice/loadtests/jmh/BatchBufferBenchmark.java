package io.sluice.loadtests.jmh;

import io.sluice.batching.BufferedRecord;
import io.sluice.serde.LocalSchemaRegistry;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The CPU the batch buffer adds per record besides the changelog writes: a fraud event's raw record
 * written to the buffer's binary form and read back, as {@code MicroBatchProcessor} does between
 * {@code process} and the flush. Time per record.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Benchmark)
@OperationsPerInvocation(FraudSample.SIZE)
public class BatchBufferBenchmark {
  private BufferedRecord[] records;

  @Setup
  public void setUp() {
    FraudSample sample;
    try (LocalSchemaRegistry registry = LocalSchemaRegistry.fromClasspath()) {
      sample = new FraudSample(registry);
    }
    records = new BufferedRecord[FraudSample.SIZE];
    for (int i = 0; i < records.length; i++) {
      records[i] =
          new BufferedRecord(
              sample.events.get(i).getCardId().getBytes(StandardCharsets.UTF_8),
              sample.encoded[i],
              1_767_225_600_000L + i,
              new RecordHeaders(),
              FraudSample.TOPIC,
              i % 2,
              i,
              1_767_225_600_000L + i);
    }
  }

  @Benchmark
  public void roundTrip(Blackhole bh) {
    for (BufferedRecord r : records) {
      bh.consume(BufferedRecord.fromBytes(r.toBytes()));
    }
  }
}
