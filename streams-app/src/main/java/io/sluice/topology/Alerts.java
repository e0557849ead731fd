package io.sluice.topology;

import io.sluice.anomaly.Cooldown;
import io.sluice.anomaly.Firing;
import io.sluice.anomaly.LinearExplainer;
import io.sluice.anomaly.Observation;
import io.sluice.anomaly.WindowState;
import io.sluice.schemas.Alert;
import io.sluice.schemas.FeatureContribution;
import io.sluice.schemas.Severity;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Builds the {@link Alert} records of the anomaly stage: about one event, about a cooldown's
 * held-back alerts, or about a window of the model's inputs, outputs or failures. Ids are
 * deterministic, so a replay gives the same ids. Thread-safe.
 *
 * @param modelName stamped on every alert
 * @param modelVersion stamped on every alert
 */
record Alerts(String modelName, String modelVersion) {

  static final String EVENT_SCOPE = "event";
  static final String MODEL_SCOPE = "model";

  /** The id of an event alert: its rule and its record's source coordinates. */
  static String eventAlertId(String kind, Observation o) {
    return kind + ":" + o.coordinates();
  }

  /** An alert about one event and its key. */
  Alert forEvent(Firing f, Observation o, List<LinearExplainer.Contribution> contributions) {
    return base(f, eventAlertId(f.kind(), o), EVENT_SCOPE)
        .setModelName(o.modelName() == null ? modelName : o.modelName())
        .setModelVersion(o.modelName() == null ? modelVersion : o.modelVersion())
        .setKey(o.key())
        .setEventId(o.eventId())
        .setEventTime(Instant.ofEpochMilli(o.eventTime()))
        .setSourceTopic(o.topic())
        .setSourcePartition(o.partition())
        .setSourceOffset(o.offset())
        .setContributions(
            contributions.stream()
                .map(c -> new FeatureContribution(c.feature(), c.value(), c.contribution()))
                .toList())
        .build();
  }

  /**
   * The summary of a finished cooldown: how many alerts of {@code kind} for {@code key} were held
   * back, naming the alert that started it.
   */
  Alert suppressed(String kind, String severity, String key, Cooldown.State s) {
    Map<String, Double> compared = new LinkedHashMap<>();
    compared.put("suppressed", (double) s.suppressed());
    compared.put("cooldownMs", (double) (s.until() - s.alertedAt()));
    String reason =
        String.format(
            Locale.ROOT,
            "%d more %s alerts for key %s were held back by the cooldown between %s and %s (after"
                + " alert %s); the last at %s",
            s.suppressed(),
            kind,
            key,
            Instant.ofEpochMilli(s.alertedAt()),
            Instant.ofEpochMilli(s.until()),
            s.alertId(),
            Instant.ofEpochMilli(s.lastSuppressedAt()));
    return Alert.newBuilder()
        .setId(s.alertId() + "/suppressed")
        .setKind(kind)
        .setSeverity(Severity.valueOf(severity))
        .setKey(key)
        .setEventId(s.eventId())
        .setScore(s.suppressed())
        .setThreshold(0)
        .setReason(reason)
        .setModelName(modelName)
        .setModelVersion(modelVersion)
        .setEventTime(Instant.ofEpochMilli(s.lastSuppressedAt()))
        .setSourceTopic(s.topic())
        .setSourcePartition(s.partition())
        .setSourceOffset(s.offset())
        .setScope(EVENT_SCOPE)
        .setMetric("suppressed")
        .setCompared(compared)
        .setSuppressedCount(s.suppressed())
        .setWindowStart(Instant.ofEpochMilli(s.alertedAt()))
        .setWindowEnd(Instant.ofEpochMilli(s.until()))
        .build();
  }

  /**
   * An alert about the window {@code [w.start(), end)} of one partition; its source is the last
   * record the window counted.
   */
  Alert forWindow(Firing f, WindowState w, long end, int partition) {
    String id =
        String.format(Locale.ROOT, "%s:%s:%d:%d", f.kind(), f.metric(), partition, w.start());
    return base(f, id, MODEL_SCOPE)
        .setKey(null)
        .setEventId(w.lastEventId())
        .setEventTime(Instant.ofEpochMilli(w.lastEventTime()))
        .setSourceTopic(w.lastTopic())
        .setSourcePartition(w.lastPartition())
        .setSourceOffset(w.lastOffset())
        .setWindowStart(Instant.ofEpochMilli(w.start()))
        .setWindowEnd(Instant.ofEpochMilli(end))
        .build();
  }

  private Alert.Builder base(Firing f, String id, String scope) {
    return Alert.newBuilder()
        .setId(id)
        .setKind(f.kind())
        .setSeverity(Severity.valueOf(f.severity()))
        .setScore(f.value())
        .setThreshold(f.threshold())
        .setReason(f.reason())
        .setModelName(modelName)
        .setModelVersion(modelVersion)
        .setScope(scope)
        .setMetric(f.metric())
        .setCompared(f.compared());
  }
}
