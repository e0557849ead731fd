package io.sluice.kinds.recommendation;

/**
 * Limits and policies of a recommendation pipeline.
 *
 * @param k items per recommendation list
 * @param recentMax recent items kept per user and given to the model (at most the model's width)
 * @param ratedMax rated items kept per user to filter out; the oldest is forgotten first
 * @param ratingMin lowest valid rating
 * @param ratingMax highest valid rating
 */
public record RecsSettings(int k, int recentMax, int ratedMax, float ratingMin, float ratingMax) {
  public RecsSettings {
    if (k < 1 || recentMax < 1 || ratedMax < 1) {
      throw new IllegalArgumentException(
          "k, recentMax and ratedMax must be >= 1, found "
              + k
              + ", "
              + recentMax
              + ", "
              + ratedMax);
    }
    if (!(ratingMin <= ratingMax)) {
      throw new IllegalArgumentException(
          "ratingMin must be <= ratingMax, found " + ratingMin + " > " + ratingMax);
    }
  }

  /** Whether a rating is a number within the valid range. */
  boolean validRating(float rating) {
    return Float.isFinite(rating) && rating >= ratingMin && rating <= ratingMax;
  }
}
