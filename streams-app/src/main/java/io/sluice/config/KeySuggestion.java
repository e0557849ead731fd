package io.sluice.config;

import java.util.Collection;

/**
 * "Did you mean": the known key closest to a misspelt one, by edit distance, when it is close
 * enough to be the likely intent (at most two edits, or one in five characters for long keys).
 */
public final class KeySuggestion {
  private KeySuggestion() {}

  /** {@code "; did you mean 'k'?"} for the closest candidate, or an empty string. */
  public static String didYouMean(String key, Collection<String> candidates) {
    String best = null;
    int bestDistance = Math.max(2, key.length() / 5) + 1;
    for (String candidate : candidates) {
      int d = distance(key, candidate);
      if (d < bestDistance) {
        best = candidate;
        bestDistance = d;
      }
    }
    return best == null ? "" : "; did you mean '" + best + "'?";
  }

  /** Levenshtein distance: insertions, deletions and substitutions. */
  static int distance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitute = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitute, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }
}
