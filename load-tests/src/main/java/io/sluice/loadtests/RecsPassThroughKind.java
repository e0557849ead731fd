package io.sluice.loadtests;

import io.sluice.kinds.recommendation.CandidateModel;
import io.sluice.kinds.recommendation.Catalogue;
import io.sluice.kinds.recommendation.RecommendationKeys;
import io.sluice.kinds.recommendation.RecommendationKind;
import io.sluice.pipeline.PipelineContext;
import io.sluice.pipeline.PipelineKind;
import io.sluice.pipeline.PipelineParts;
import io.sluice.pipeline.ReplayEvaluator;
import io.sluice.serde.AvroRecordDecoder;
import io.sluice.topology.EventDecoder;
import java.util.BitSet;
import org.apache.kafka.common.config.ConfigDef;

/**
 * The recommendation pipeline without its model, for the benchmark's pass-through contestant: the
 * same keys, per-user state, buffer, batches and recommendations as {@code
 * pipeline.kind=recommendation}, but each user's K candidates are the most popular items they have
 * not rated, taken in Java: ONNX Runtime is loaded (the kind checks the model) but never called.
 * Found through {@link java.util.ServiceLoader} on the load tests' class path only.
 */
public final class RecsPassThroughKind implements PipelineKind {
  /** The value of {@code pipeline.kind} that selects it. */
  public static final String NAME = "recommendation-passthrough";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public ConfigDef configKeys() {
    return RecommendationKeys.DEFINITION;
  }

  @Override
  public PipelineParts live(PipelineContext c) {
    RecommendationKind.Parts real = RecommendationKind.parts(c);
    CandidateModel popular = popularCandidates(real.catalogue());
    RecommendationKind.Parts parts =
        new RecommendationKind.Parts(
            real.catalogue(), real.settings(), runner -> popular, real.info());
    return RecommendationKind.live(
        c.pipeline(),
        parts,
        EventDecoder.avro(AvroRecordDecoder.generic(c.registry())),
        c.avroSink(RecommendationKind.RECOMMENDATIONS),
        c.metrics());
  }

  @Override
  public ReplayEvaluator evaluator(PipelineContext c) {
    throw new UnsupportedOperationException(NAME + " is a benchmark stand-in: it does not replay");
  }

  /**
   * Candidates with the model's contract and no model: per row, the first k items of the popularity
   * list (then the rest of the catalogue in index order) that are not excluded.
   */
  static CandidateModel popularCandidates(Catalogue catalogue) {
    int[] popular = catalogue.popularList();
    return (items, weights, exclude, excludeWidth, rows, width, k) -> {
      CandidateModel.Candidates[] out = new CandidateModel.Candidates[rows];
      BitSet skip = new BitSet(catalogue.size());
      for (int r = 0; r < rows; r++) {
        skip.clear();
        for (int j = 0; j < excludeWidth; j++) {
          skip.set((int) exclude[r * excludeWidth + j]);
        }
        long[] top = new long[k];
        float[] scores = new float[k];
        int n = 0;
        for (int i = 0; i < popular.length && n < k; i++) {
          if (!skip.get(popular[i])) {
            top[n] = popular[i];
            scores[n] = k - n;
            n++;
            skip.set(popular[i]);
          }
        }
        for (int i = skip.nextClearBit(0);
            n < k && i < catalogue.size();
            i = skip.nextClearBit(i + 1)) {
          top[n] = i;
          scores[n] = k - n;
          n++;
        }
        out[r] = new CandidateModel.Candidates(top, scores);
      }
      return out;
    };
  }
}
