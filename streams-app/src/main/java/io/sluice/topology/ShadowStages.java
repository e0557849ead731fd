package io.sluice.topology;

import io.sluice.batching.BatchHandler;
import io.sluice.batching.BatchStages;
import io.sluice.batching.BufferedRecord;
import io.sluice.batching.Emit;
import io.sluice.batching.Scorer;
import io.sluice.errors.RejectedRecordException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A pipeline's stages with a shadow model beside its model: every batch is scored by both, the
 * model's outputs go where they always go, and the shadow's predictions go to {@link
 * TopologyFactory#SHADOW_SINK} only, never to alerts. The shadow cannot hurt the live path: if its
 * call fails, the batch goes out without shadow predictions (logged), and both models take the same
 * input rows. Thread-safe if the handlers and scorers are.
 *
 * @param <P> the prepared record of both handlers
 */
public final class ShadowStages<P> implements BatchStages<P, ShadowStages.Outputs> {
  private static final Logger LOG = LoggerFactory.getLogger(ShadowStages.class);

  /** The model's output row for a record, and the shadow's (null if the shadow call failed). */
  public record Outputs(float[] model, float[] shadow) {}

  private final BatchHandler<P> handler;
  private final Scorer scorer;
  private final BatchHandler<P> shadowHandler;
  private final Scorer shadowScorer;

  /**
   * @param shadowHandler postprocesses the shadow's rows; its alerts, if any, are dropped
   */
  public ShadowStages(
      BatchHandler<P> handler, Scorer scorer, BatchHandler<P> shadowHandler, Scorer shadowScorer) {
    this.handler = handler;
    this.scorer = scorer;
    this.shadowHandler = shadowHandler;
    this.shadowScorer = shadowScorer;
  }

  @Override
  public P prepare(BufferedRecord record) throws RejectedRecordException {
    return handler.prepare(record);
  }

  @Override
  public List<BatchHandler.Prepared<P>> prepareAll(List<BufferedRecord> records) {
    return handler.prepareAll(records);
  }

  @Override
  public List<Outputs> score(List<P> prepared) {
    List<float[]> rows = new ArrayList<>(prepared.size());
    for (P p : prepared) {
      rows.add(handler.features(p));
    }
    float[][] model = scorer.score(rows);
    float[][] shadow = null;
    try {
      shadow = shadowScorer.score(rows);
    } catch (RuntimeException e) {
      LOG.warn(
          "shadow model failed on a batch of {}; it goes out without shadow predictions: {}",
          rows.size(),
          e.toString());
    }
    List<Outputs> out = new ArrayList<>(model.length);
    for (int i = 0; i < model.length; i++) {
      out.add(new Outputs(model[i], shadow == null ? null : shadow[i]));
    }
    return out;
  }

  @Override
  public List<Emit> complete(List<Scored<P, Outputs>> scored, BatchHandler.BatchInfo batch) {
    List<BatchHandler.Scored<P>> rows = new ArrayList<>(scored.size());
    List<BatchHandler.Scored<P>> shadowRows = new ArrayList<>(scored.size());
    for (Scored<P, Outputs> s : scored) {
      rows.add(new BatchHandler.Scored<>(s.source(), s.prepared(), s.output().model()));
      if (s.output().shadow() != null) {
        shadowRows.add(new BatchHandler.Scored<>(s.source(), s.prepared(), s.output().shadow()));
      }
    }
    List<Emit> emits = new ArrayList<>(handler.complete(rows, batch));
    if (!shadowRows.isEmpty()) {
      for (Emit e : shadowHandler.complete(shadowRows, batch)) {
        if (e.child().equals(TopologyFactory.PREDICTIONS_SINK)) {
          emits.add(
              new Emit(
                  TopologyFactory.SHADOW_SINK, e.key(), e.value(), e.timestamp(), e.headers()));
        }
      }
    }
    return emits;
  }
}
