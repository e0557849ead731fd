package io.sluice.loadtests.jmh;

import io.sluice.errors.RejectedRecordException;
import io.sluice.kinds.classification.ClassificationKeys;
import io.sluice.kinds.classification.FeatureMapping;
import io.sluice.serde.AvroRecordDecoder;
import io.sluice.serde.LocalSchemaRegistry;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericRecord;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * What preparing one event costs in every design: decoding it from the wire format through the
 * registry-backed decoder, and mapping its fields to the model's input row. Time per event.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Benchmark)
@OperationsPerInvocation(FraudSample.SIZE)
public class EventPreparationBenchmark {
  private LocalSchemaRegistry registry;
  private AvroRecordDecoder<GenericRecord> decoder;
  private FeatureMapping features;
  private FraudSample sample;
  private GenericRecord[] decoded;

  @Setup
  public void setUp() {
    registry = LocalSchemaRegistry.fromClasspath();
    sample = new FraudSample(registry);
    decoder = AvroRecordDecoder.generic(registry);
    List<String> modelFeatures =
        Stream.concat(IntStream.rangeClosed(1, 28).mapToObj(i -> "V" + i), Stream.of("Amount"))
            .toList();
    features =
        FeatureMapping.parse(
            ClassificationKeys.FEATURES, "Amount=amount,V1..V28=features[0..27]", modelFeatures);
    decoded = new GenericRecord[FraudSample.SIZE];
    for (int i = 0; i < decoded.length; i++) {
      decoded[i] = decoder.decode(sample.encoded[i]);
    }
  }

  @TearDown
  public void tearDown() {
    registry.close();
  }

  @Benchmark
  public void decode(Blackhole bh) {
    for (byte[] bytes : sample.encoded) {
      bh.consume(decoder.decode(bytes));
    }
  }

  @Benchmark
  public void extractFeatures(Blackhole bh) throws RejectedRecordException {
    for (GenericRecord event : decoded) {
      bh.consume(features.extract(event));
    }
  }
}
