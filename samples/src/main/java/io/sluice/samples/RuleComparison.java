package io.sluice.samples;

import io.sluice.anomaly.KeyBehaviourRule;
import io.sluice.anomaly.ThresholdRule;
import io.sluice.schemas.Alert;
import io.sluice.schemas.Prediction;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Compares, on what came out of a pipeline's stream, the frauds caught by the model's score
 * threshold alone with those caught by the per-key rule together with the model at the same alert
 * volume. The volume is the number of events alerted on; the threshold of the combination is the
 * lowest score threshold at which its events (the per-key rule's alerts plus the events at or above
 * that threshold) are no more than the threshold-alone alerts. This asks the stream's threshold
 * rule to alert at another threshold after the fact, which is exact because that rule is stateless;
 * it also assumes that every alert reached the stream (no cooldown).
 *
 * @param thresholdOnly the model threshold alone, as the stream alerted
 * @param combined the per-key rule plus the model at a higher threshold, at the same volume
 * @param keyAlerts events the per-key rule alerted on
 * @param keyFrauds of those, frauds
 * @param keyFraudsMissedByThreshold of those, frauds the threshold alone did not alert on
 */
public record RuleComparison(
    Row thresholdOnly, Row combined, int keyAlerts, int keyFrauds, int keyFraudsMissedByThreshold) {

  /**
   * One way of alerting.
   *
   * @param threshold its score threshold
   * @param alerts events alerted on
   * @param frauds of those, frauds
   */
  public record Row(double threshold, int alerts, int frauds) {}

  /**
   * Compares the alerts of one stream.
   *
   * @param positiveLabel the label of a fraud in {@link Prediction#getLabel()}
   */
  public static RuleComparison of(
      List<Prediction> predictions, List<Alert> alerts, String positiveLabel) {
    Set<String> frauds = new HashSet<>();
    for (Prediction p : predictions) {
      if (positiveLabel.equals(p.getLabel())) {
        frauds.add(p.getEventId());
      }
    }
    Set<String> byThreshold = new HashSet<>();
    Set<String> byKey = new HashSet<>();
    double threshold = Double.NaN;
    for (Alert a : alerts) {
      if (a.getKind().equals(ThresholdRule.KIND)) {
        byThreshold.add(a.getEventId());
        threshold = a.getThreshold();
      } else if (a.getKind().equals(KeyBehaviourRule.KIND)) {
        byKey.add(a.getEventId());
      }
    }
    List<Prediction> ranked = new ArrayList<>(predictions);
    ranked.sort(Comparator.comparingDouble(Prediction::getScore).reversed());
    Set<String> combined = new HashSet<>(byKey);
    double combinedThreshold = Double.POSITIVE_INFINITY;
    int i = 0;
    while (i < ranked.size()) {
      // events with equal scores stand or fall together, as they would under a threshold
      int j = i;
      List<String> tied = new ArrayList<>();
      while (j < ranked.size() && ranked.get(j).getScore() == ranked.get(i).getScore()) {
        tied.add(ranked.get(j).getEventId());
        j++;
      }
      Set<String> next = new HashSet<>(combined);
      next.addAll(tied);
      if (next.size() > byThreshold.size()) {
        break;
      }
      combined = next;
      combinedThreshold = ranked.get(i).getScore();
      i = j;
    }
    Set<String> keyFrauds = intersection(byKey, frauds);
    Set<String> missed = new HashSet<>(keyFrauds);
    missed.removeAll(byThreshold);
    return new RuleComparison(
        new Row(threshold, byThreshold.size(), intersection(byThreshold, frauds).size()),
        new Row(combinedThreshold, combined.size(), intersection(combined, frauds).size()),
        byKey.size(),
        keyFrauds.size(),
        missed.size());
  }

  private static Set<String> intersection(Set<String> a, Set<String> b) {
    Set<String> out = new HashSet<>(a);
    out.retainAll(b);
    return out;
  }

  /** A few lines for a person to read. */
  public String describe() {
    return String.format(
        Locale.ROOT,
        "  model threshold alone        (p >= %.4f): %4d alerts, %4d frauds caught%n"
            + "  model + per-key rule         (p >= %.4f): %4d alerts, %4d frauds caught%n"
            + "  per-key rule alone: %d alerts, %d on frauds, %d of them frauds the threshold"
            + " alone missed",
        thresholdOnly.threshold(),
        thresholdOnly.alerts(),
        thresholdOnly.frauds(),
        combined.threshold(),
        combined.alerts(),
        combined.frauds(),
        keyAlerts,
        keyFrauds,
        keyFraudsMissedByThreshold);
  }
}
