package io.sluice.kinds.recommendation;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;

/** The configuration keys of recommendation pipelines: name, type, default and documentation. */
public final class RecommendationKeys {
  private RecommendationKeys() {}

  public static final String RECS_K = "pipeline.recs.k";
  private static final String RECS_K_DOC =
      "Recommendation pipelines: items per recommendation list.";

  public static final String RECS_RECENT_ITEMS = "pipeline.recs.recent.items";
  private static final String RECS_RECENT_ITEMS_DOC =
      "Recommendation pipelines: recent items kept per user and given to the model (at most the"
          + " model's recent-items width).";

  public static final String RECS_RATED_MAX = "pipeline.recs.rated.max";
  private static final String RECS_RATED_MAX_DOC =
      "Recommendation pipelines: rated items kept per user, never recommended to them; beyond it"
          + " the oldest is forgotten.";

  public static final String RECS_RATING_MIN = "pipeline.recs.rating.min";
  private static final String RECS_RATING_MIN_DOC =
      "Recommendation pipelines: lowest valid rating; an event outside the range is recommended"
          + " for but leaves the user's state unchanged (counted as invalid_rating).";

  public static final String RECS_RATING_MAX = "pipeline.recs.rating.max";
  private static final String RECS_RATING_MAX_DOC =
      "Recommendation pipelines: highest valid rating.";

  public static final String RECS_INPUT_KEYED_BY_USER = "pipeline.recs.input.keyed.by.user";
  private static final String RECS_INPUT_KEYED_BY_USER_DOC =
      "Recommendation pipelines: whether the input is keyed (and so partitioned) by user id. If"
          + " false, it is repartitioned on the user id through an internal topic"
          + " (<application.id>-<pipeline>-by-key-repartition) before the per-user state.";

  /** The keys, as {@link RecommendationKind#configKeys()} gives them. */
  public static final ConfigDef DEFINITION =
      new ConfigDef()
          .define(RECS_K, Type.INT, 10, Range.between(1, 1000), Importance.MEDIUM, RECS_K_DOC)
          .define(
              RECS_RECENT_ITEMS,
              Type.INT,
              10,
              Range.between(1, 1000),
              Importance.MEDIUM,
              RECS_RECENT_ITEMS_DOC)
          .define(
              RECS_RATED_MAX,
              Type.INT,
              1000,
              Range.between(1, 100_000),
              Importance.MEDIUM,
              RECS_RATED_MAX_DOC)
          .define(RECS_RATING_MIN, Type.DOUBLE, 0.5, Importance.LOW, RECS_RATING_MIN_DOC)
          .define(RECS_RATING_MAX, Type.DOUBLE, 5.0, Importance.LOW, RECS_RATING_MAX_DOC)
          .define(
              RECS_INPUT_KEYED_BY_USER,
              Type.BOOLEAN,
              true,
              Importance.MEDIUM,
              RECS_INPUT_KEYED_BY_USER_DOC);
}
