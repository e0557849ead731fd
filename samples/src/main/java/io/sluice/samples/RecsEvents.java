package io.sluice.samples;

import io.sluice.models.recs.MovieLens;
import io.sluice.schemas.RatingEvent;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * MovieLens {@code ml-latest-small} ratings as a stream of {@link RatingEvent}s in time order
 * (equal timestamps keep file order), with their real user ids, movie ids, ratings and times. The
 * event id is {@code userId:movieId}, unique in the data set.
 */
public final class RecsEvents {
  private RecsEvents() {}

  /** All ratings under the data directory, in time order. */
  public static List<RatingEvent> read(Path dataDir) throws IOException {
    List<MovieLens.Rating> ratings =
        MovieLens.inTimeOrder(
            MovieLens.ratings(dataDir.resolve(MovieLens.DIRECTORY).resolve("ratings.csv")));
    List<RatingEvent> events = new ArrayList<>(ratings.size());
    for (MovieLens.Rating r : ratings) {
      events.add(
          RatingEvent.newBuilder()
              .setEventId(r.userId() + ":" + r.movieId())
              .setUserId(r.userId())
              .setItemId(r.movieId())
              .setRating(r.rating())
              .setEventTime(Instant.ofEpochSecond(r.timestamp()))
              .build());
    }
    return events;
  }
}
