package io.sluice.loadtests;

import io.sluice.kinds.recommendation.Catalogue;
import io.sluice.kinds.recommendation.Rating;
import io.sluice.kinds.recommendation.RecsSettings;
import io.sluice.kinds.recommendation.UserState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the chaos run checks of the recommendations besides their count: each list must have been
 * made from the recent items a replay of its user's events, up to and including its own, gives.
 * Per-user state lost, applied twice or read stale across a kill, a broker restart or a rebalance
 * would show here, where counting outputs by event id would not. Thread-safe: the traffic records
 * what it sent, the reader what came out.
 */
final class RecsListCheck {
  private final Catalogue catalogue;
  private final RecsSettings settings;
  private final Map<String, Rating> sent = new LinkedHashMap<>();
  private final Map<String, List<Long>> recentOut = new HashMap<>();

  /** The outcome: lists compared, sent events with no list, and the first mismatches described. */
  record Result(int compared, int missing, int mismatched, List<String> examples) {}

  RecsListCheck(Catalogue catalogue, RecsSettings settings) {
    this.catalogue = catalogue;
    this.settings = settings;
  }

  /** An event sent, in the order its user's events were sent (one producer, keyed by user). */
  synchronized void sent(Rating event) {
    sent.put(event.eventId(), event);
  }

  /** The recent items (catalogue ids) of the list made for {@code eventId}. */
  synchronized void output(String eventId, List<Long> recentItems) {
    recentOut.put(eventId, List.copyOf(recentItems));
  }

  /** Replays every user's events in sending order and compares each list that came out. */
  synchronized Result check() {
    Map<Long, UserState> users = new HashMap<>();
    int compared = 0;
    int missing = 0;
    int mismatched = 0;
    List<String> examples = new ArrayList<>();
    for (Rating e : sent.values()) {
      UserState state =
          e.applyTo(users.getOrDefault(e.userId(), UserState.empty()), catalogue, settings).state();
      users.put(e.userId(), state);
      List<Long> expected = new ArrayList<>();
      for (int index : state.recentItems()) {
        expected.add(catalogue.id(index));
      }
      List<Long> got = recentOut.get(e.eventId());
      if (got == null) {
        missing++;
        continue;
      }
      compared++;
      if (!got.equals(expected)) {
        mismatched++;
        if (examples.size() < 5) {
          examples.add(e.eventId() + " (user " + e.userId() + "): " + got + ", replay " + expected);
        }
      }
    }
    return new Result(compared, missing, mismatched, examples);
  }
}
