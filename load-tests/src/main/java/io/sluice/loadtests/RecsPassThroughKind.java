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
   * list (then the rest of the catalogue in index order) that are not excluded. A row's excluded
   * items are its rated set in rising order (padded by repeats of its first), so each candidate is
   * looked up in it by binary search: the popularity list is walked only until K are found.
   */
  static CandidateModel popularCandidates(Catalogue catalogue) {
    int[] popular = catalogue.popularList();
    return (items, weights, exclude, excludeWidth, rows, width, k) -> {
      CandidateModel.Candidates[] out = new CandidateModel.Candidates[rows];
      for (int r = 0; r < rows; r++) {
        int from = r * excludeWidth;
        // Past the first, the row rises strictly until its padding (repeats of the first) begins.
        int to = from + excludeWidth;
        while (to > from + 1 && exclude[to - 1] == exclude[from]) {
          to--;
        }
        long[] top = new long[k];
        float[] scores = new float[k];
        int n = 0;
        for (int i = 0; i < popular.length && n < k; i++) {
          if (!excluded(exclude, from, to, popular[i], top, n)) {
            top[n] = popular[i];
            scores[n] = k - n;
            n++;
          }
        }
        for (int i = 0; n < k && i < catalogue.size(); i++) {
          if (!excluded(exclude, from, to, i, top, n)) {
            top[n] = i;
            scores[n] = k - n;
            n++;
          }
        }
        out[r] = new CandidateModel.Candidates(top, scores);
      }
      return out;
    };
  }

  /**
   * Whether {@code item} is in the row's rated set ({@code exclude[from, to)}, rising) or already
   * among its first n candidates.
   */
  private static boolean excluded(long[] exclude, int from, int to, int item, long[] top, int n) {
    if (java.util.Arrays.binarySearch(exclude, from, to, item) >= 0) {
      return true;
    }
    for (int j = 0; j < n; j++) {
      if (top[j] == item) {
        return true;
      }
    }
    return false;
  }
}
