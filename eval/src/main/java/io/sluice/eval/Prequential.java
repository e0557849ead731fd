package io.sluice.eval;

/**
 * Prequential ("test then train") evaluation of a recommender on a stream: for each event in time
 * order, the recommender first recommends K items for the event's user, the event's item scores a
 * hit at its rank in that list, and only then is the event revealed to the recommender. Each event
 * is scored by what was known strictly before it, which is how a live feed is judged.
 */
public final class Prequential {
  private Prequential() {}

  /** One interaction: a user did something with an item at a time (epoch ms). */
  public record Event(long user, long item, long time) {}

  /** A recommender that learns from the stream as it goes. Not necessarily thread-safe. */
  public interface Recommender {
    /** Up to {@code k} item ids for the user, best first. */
    long[] recommend(long user, int k);

    /** Tells the recommender that the event happened. */
    void reveal(Event event);
  }

  /**
   * Streams the events (in the order given, which should be time order) through the recommender.
   *
   * @return HitRate@K and NDCG@K over all events
   */
  public static Ranking.Accumulator run(Iterable<Event> events, Recommender recommender, int k) {
    Ranking.Accumulator acc = new Ranking.Accumulator(k);
    for (Event e : events) {
      long[] list = recommender.recommend(e.user(), k);
      int rank = -1;
      for (int i = 0; i < list.length && i < k; i++) {
        if (list[i] == e.item()) {
          rank = i;
          break;
        }
      }
      acc.add(rank);
      recommender.reveal(e);
    }
    return acc;
  }
}
