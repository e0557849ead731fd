package io.sluice.loadtests.jmh;

import io.sluice.inference.ExecutionProvider;
import io.sluice.inference.InferenceSettings;
import io.sluice.inference.ModelLoader;
import io.sluice.inference.ModelRunner;
import io.sluice.kinds.classification.ClassificationKeys;
import io.sluice.kinds.classification.FeatureMapping;
import io.sluice.loadtests.BenchmarkDefaults;
import io.sluice.samples.FraudDemo;
import io.sluice.serde.AvroRecordDecoder;
import io.sluice.serde.LocalSchemaRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
 * Scoring {@value FraudSample#SIZE} fraud events with the project's fraud model on the CPU: one
 * ONNX Runtime call per event, as a model inside {@code mapValues} does, against one call for all
 * of them, as a Sluice batch does. Time per event. The model is trained first if it is not in
 * {@code .sluice/models} yet.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Benchmark)
@OperationsPerInvocation(FraudSample.SIZE)
public class ModelCallBenchmark {
  private ModelRunner model;
  private List<float[]> rows;

  @Setup
  public void setUp() throws Exception {
    model =
        ModelLoader.load(
            FraudDemo.ensureModel(BenchmarkDefaults.dataDir(), BenchmarkDefaults.MODELS_DIR),
            new InferenceSettings(ExecutionProvider.CPU, 0, 1, 1, false));
    try (LocalSchemaRegistry registry = LocalSchemaRegistry.fromClasspath()) {
      FraudSample sample = new FraudSample(registry);
      AvroRecordDecoder<GenericRecord> decoder = AvroRecordDecoder.generic(registry);
      FeatureMapping features =
          FeatureMapping.parse(
              ClassificationKeys.FEATURES,
              "Amount=amount,V1..V28=features[0..27]",
              model.descriptor().features());
      rows = new ArrayList<>();
      for (byte[] bytes : sample.encoded) {
        rows.add(features.extract(decoder.decode(bytes)));
      }
    }
  }

  @TearDown
  public void tearDown() {
    model.close();
  }

  @Benchmark
  public void oneCallPerEvent(Blackhole bh) {
    for (float[] row : rows) {
      bh.consume(model.run(List.of(row)));
    }
  }

  @Benchmark
  public float[][] oneCallPerBatch() {
    return model.run(rows);
  }
}
