package io.sluice.app;

import io.sluice.batching.BatchHandler;
import io.sluice.batching.BatchStages;
import io.sluice.batching.BufferedRecord;
import io.sluice.batching.Emit;
import io.sluice.errors.RejectedRecordException;
import io.sluice.inference.ModelRunner;
import io.sluice.kinds.classification.ClassificationKeys;
import io.sluice.kinds.classification.ClassificationKind;
import io.sluice.pipeline.PipelineContext;
import io.sluice.pipeline.PipelineKind;
import io.sluice.pipeline.PipelineParts;
import io.sluice.pipeline.ReplayEvaluator;
import java.util.List;
import org.apache.kafka.common.config.ConfigDef;

/**
 * Test only: the classification kind with a model call that takes at least {@value #SCORE_DELAY_MS}
 * milliseconds, so that a test can catch batches in flight. Registered from the test classpath,
 * which a child JVM started by a test shares.
 */
public final class SlowClassificationKind implements PipelineKind {
  public static final String NAME = "slow-classification";
  public static final String SCORE_DELAY_MS = "pipeline.test.score.delay.ms";

  private static final ConfigDef KEYS =
      new ConfigDef(ClassificationKeys.DEFINITION)
          .define(
              SCORE_DELAY_MS,
              ConfigDef.Type.LONG,
              0L,
              ConfigDef.Range.atLeast(0),
              ConfigDef.Importance.LOW,
              "Test only: how long each model call of a slow-classification pipeline sleeps.");

  private final ClassificationKind delegate = new ClassificationKind();

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public ConfigDef configKeys() {
    return KEYS;
  }

  @Override
  public PipelineParts live(PipelineContext context) {
    PipelineParts parts = delegate.live(context);
    return new PipelineParts(
        slow(parts.stages(), context.settings().getLong(SCORE_DELAY_MS)),
        parts.predictions(),
        parts.sinks(),
        parts.preBatch(),
        parts.anomaly());
  }

  @Override
  public ReplayEvaluator evaluator(PipelineContext context) {
    return delegate.evaluator(context);
  }

  private static <P, R> BatchStages<P, R> slow(BatchStages<P, R> stages, long delayMs) {
    return new BatchStages<>() {
      @Override
      public P prepare(BufferedRecord record) throws RejectedRecordException {
        return stages.prepare(record);
      }

      @Override
      public List<BatchHandler.Prepared<P>> prepareAll(List<BufferedRecord> records) {
        return stages.prepareAll(records);
      }

      @Override
      public List<R> score(ModelRunner model, List<P> prepared) {
        try {
          Thread.sleep(delayMs);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted in a slow model call", e);
        }
        return stages.score(model, prepared);
      }

      @Override
      public List<Emit<?>> complete(List<Scored<P, R>> scored, BatchHandler.BatchInfo batch) {
        return stages.complete(scored, batch);
      }
    };
  }
}
