package io.sluice.toy;

import io.sluice.batching.BatchHandler;
import io.sluice.batching.BatchStages;
import io.sluice.batching.BufferedRecord;
import io.sluice.batching.Child;
import io.sluice.batching.Emit;
import io.sluice.errors.DeadLetter;
import io.sluice.errors.RejectedRecordException;
import io.sluice.pipeline.PipelineContext;
import io.sluice.pipeline.PipelineKind;
import io.sluice.pipeline.PipelineParts;
import io.sluice.pipeline.ReplayEvaluator;
import io.sluice.topology.Probabilities;
import io.sluice.topology.TopologyFactory;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * A toy fourth pipeline kind, defined by test code alone and registered through the tests' {@code
 * META-INF/services}: 28 x 28 grey pixels in (one byte each), the digit a model such as mnist-8
 * reads in them out, as text. Nothing in the engine names it.
 */
public final class DigitsKind implements PipelineKind {
  public static final String PREFIX = "pipeline.digits.prefix";
  private static final String PREFIX_DOC = "Digits pipelines: text put before each digit.";

  static final int PIXELS = 28 * 28;
  static final Child<String> DIGITS = Child.of("digits", String.class);

  @Override
  public String name() {
    return "digits";
  }

  @Override
  public ConfigDef configKeys() {
    return new ConfigDef().define(PREFIX, Type.STRING, "", Importance.LOW, PREFIX_DOC);
  }

  @Override
  public PipelineParts live(PipelineContext c) {
    String prefix = c.settings().getString(PREFIX);
    BatchHandler<float[]> handler =
        new BatchHandler<>() {
          @Override
          public float[] prepare(BufferedRecord record) throws RejectedRecordException {
            byte[] value = record.value();
            if (value == null || value.length != PIXELS) {
              throw new RejectedRecordException(
                  DeadLetter.Stage.DECODE,
                  "NOT_28_BY_28",
                  "expected " + PIXELS + " pixels, found " + (value == null ? 0 : value.length));
            }
            return rowOf(value);
          }

          @Override
          public float[] features(float[] prepared) {
            return prepared;
          }

          @Override
          public List<Emit<?>> complete(List<Scored<float[]>> scored, BatchInfo batch) {
            List<Emit<?>> out = new ArrayList<>();
            for (Scored<float[]> s : scored) {
              out.add(
                  Emit.to(
                      DIGITS,
                      s.source().key(),
                      prefix + argmax(s.output()),
                      s.source().timestamp(),
                      new RecordHeaders()));
            }
            return out;
          }
        };
    return PipelineParts.of(
        BatchStages.of(handler), new TopologyFactory.Sink<>(DIGITS, null, new StringSerializer()));
  }

  @Override
  public ReplayEvaluator evaluator(PipelineContext c) {
    throw new UnsupportedOperationException("the toy kind has no replay");
  }

  static float[] rowOf(byte[] pixels) {
    float[] row = new float[PIXELS];
    for (int i = 0; i < PIXELS; i++) {
      row[i] = pixels[i] & 0xff;
    }
    return row;
  }

  static int argmax(float[] values) {
    return Probabilities.topK(Probabilities.of(values), 1)[0];
  }
}
