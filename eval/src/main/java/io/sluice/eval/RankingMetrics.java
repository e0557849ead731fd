package io.sluice.eval;

/**
 * A recommender's prequential quality over a replay, against the popularity baseline on the same
 * events: for each rating of a catalogue item, the list made before the rating was revealed scores
 * a hit if it holds the item in its top {@code k}, and NDCG {@code 1/log2(rank+1)} (rank from 1). A
 * value.
 *
 * @param events rating events scored (valid rating, item in the catalogue)
 * @param hitRateRatio the model's HitRate over the baseline's (NaN if the baseline's is 0)
 * @param ndcgRatio the model's NDCG over the baseline's (NaN if the baseline's is 0)
 */
public record RankingMetrics(
    int k,
    long events,
    long hits,
    double hitRate,
    double ndcg,
    long popularityHits,
    double popularityHitRate,
    double popularityNdcg,
    double hitRateRatio,
    double ndcgRatio) {

  /** The metrics of the model's and the baseline's accumulators over the same events. */
  public static RankingMetrics of(Ranking.Accumulator model, Ranking.Accumulator popularity) {
    if (model.cases() != popularity.cases() || model.k() != popularity.k()) {
      throw new IllegalArgumentException(
          "model and baseline must be scored on the same events at the same k, found "
              + model.cases()
              + "@"
              + model.k()
              + " and "
              + popularity.cases()
              + "@"
              + popularity.k());
    }
    return new RankingMetrics(
        model.k(),
        model.cases(),
        model.hits(),
        model.hitRate(),
        model.ndcg(),
        popularity.hits(),
        popularity.hitRate(),
        popularity.ndcg(),
        ratio(model.hitRate(), popularity.hitRate()),
        ratio(model.ndcg(), popularity.ndcg()));
  }

  private static double ratio(double a, double b) {
    return b == 0 ? Double.NaN : a / b;
  }
}
