package io.sluice.topology;

import io.sluice.anomaly.Cooldown;
import io.sluice.anomaly.Firing;
import io.sluice.anomaly.KeyBehaviourRule;
import io.sluice.anomaly.KeyState;
import io.sluice.anomaly.LinearExplainer;
import io.sluice.anomaly.Observation;
import io.sluice.anomaly.ThresholdRule;
import io.sluice.metrics.PipelineMetrics;
import io.sluice.schemas.Alert;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The per-event alert rules of a pipeline: the score threshold and the per-key behaviour rule, with
 * a cooldown per key and alert kind so that a burst gives one alert and, when the cooldown ends,
 * one summary with the count held back.
 *
 * <p>What it remembers per record key ({@link KeyState}: statistics and cooldowns) lives in a
 * changelogged in-memory LRU store ({@code Stores.lruMap}) that holds at most {@code maxKeys} keys
 * per partition: past that, the least recently seen key is dropped, and Kafka Streams writes its
 * tombstone to the changelog, so the state stays bounded under a stream of ever-new keys, on disk
 * as in memory, and a restart restores exactly what was kept. Keys idle for longer than {@code
 * idle} (event time, against the latest event time this task has seen) are dropped by a sweep that
 * runs every {@value #SWEEP_SECONDS} s of wall-clock time; the same sweep sends the summaries of
 * cooldowns that have ended. Without the per-key rule only keys in a cooldown are kept. A key whose
 * state is dropped by the LRU bound loses its pending summary. Records without a key get the
 * threshold rule only, without cooldown.
 *
 * <p>Input: {@link Observation}s; output: {@link Alert}s to {@code alertsChild}. One instance per
 * task, used by one stream thread.
 */
public final class KeyRulesProcessor implements Processor<Object, Object, Object, Object> {
  private static final Logger LOG = LoggerFactory.getLogger(KeyRulesProcessor.class);

  /** Wall-clock period of the sweep for idle keys and ended cooldowns. */
  static final long SWEEP_SECONDS = 10;

  /**
   * @param storeName the per-key store, connected when {@link #keepsState()}
   * @param threshold the score-threshold rule, or null
   * @param positiveLabel the label the score is about, for the threshold alert's words
   * @param keyRule the per-key behaviour rule, or null
   * @param maxKeys most keys kept per partition
   * @param idle a key idle this long (event time) is dropped
   * @param explainer names the contributing features of linear models, or null
   * @param topFeatures how many contributing features an alert names
   */
  public record Settings(
      String storeName,
      String alertsChild,
      ThresholdRule threshold,
      String positiveLabel,
      KeyBehaviourRule keyRule,
      Cooldown cooldown,
      int maxKeys,
      Duration idle,
      LinearExplainer explainer,
      int topFeatures,
      String modelName,
      String modelVersion) {
    public Settings {
      Objects.requireNonNull(storeName, "storeName");
      Objects.requireNonNull(alertsChild, "alertsChild");
      Objects.requireNonNull(cooldown, "cooldown");
      Objects.requireNonNull(idle, "idle");
      if (maxKeys < 1) {
        throw new IllegalArgumentException("maxKeys must be >= 1, was " + maxKeys);
      }
    }

    /** Whether anything is remembered per key; if not, no store is connected. */
    public boolean keepsState() {
      return keyRule != null || cooldown.enabled();
    }

    String severityOf(String kind) {
      if (threshold != null && kind.equals(ThresholdRule.KIND)) {
        return threshold.severity();
      }
      return keyRule == null ? "WARNING" : keyRule.settings().severity();
    }
  }

  private final Settings settings;
  private final PipelineMetrics metrics;
  private final Alerts alerts;
  private ProcessorContext<Object, Object> context;
  private KeyValueStore<String, byte[]> store;
  private long clock = Long.MIN_VALUE;

  public KeyRulesProcessor(Settings settings, PipelineMetrics metrics) {
    this.settings = settings;
    this.metrics = metrics;
    this.alerts = new Alerts(settings.modelName(), settings.modelVersion());
  }

  @Override
  public void init(ProcessorContext<Object, Object> context) {
    this.context = context;
    if (!settings.keepsState()) {
      return;
    }
    store = context.getStateStore(settings.storeName());
    // State is restored before init; the event-time clock resumes from the latest event kept.
    long keys = 0;
    try (KeyValueIterator<String, byte[]> it = store.all()) {
      while (it.hasNext()) {
        clock = Math.max(clock, KeyState.fromBytes(it.next().value).lastEventTime());
        keys++;
      }
    }
    if (keys > 0) {
      LOG.info("task {} resumes with the state of {} keys", context.taskId(), keys);
    }
    context.schedule(
        Duration.ofSeconds(SWEEP_SECONDS), PunctuationType.WALL_CLOCK_TIME, this::sweep);
  }

  @Override
  public void process(Record<Object, Object> record) {
    Observation o = (Observation) record.value();
    clock = Math.max(clock, o.eventTime());
    List<Firing> firings = new ArrayList<>(2);
    if (settings.threshold() != null) {
      settings
          .threshold()
          .forVersion(o.versionThreshold())
          .evaluate(o.score(), settings.positiveLabel())
          .ifPresent(firings::add);
    }
    if (!settings.keepsState() || o.key() == null) {
      firings.forEach(f -> emit(alerts.forEvent(f, o, contributions(o)), record));
      return;
    }
    byte[] stored = store.get(o.key());
    KeyState state = stored == null ? KeyState.EMPTY : KeyState.fromBytes(stored);
    if (settings.keyRule() != null) {
      KeyBehaviourRule.Outcome outcome = settings.keyRule().observe(state, o);
      state = outcome.state();
      outcome.firing().ifPresent(firings::add);
    } else {
      state =
          new KeyState(
              state.events() + 1,
              Math.max(state.lastEventTime(), o.eventTime()),
              state.stats(),
              state.cooldowns());
    }
    for (Firing f : firings) {
      Cooldown.Decision d =
          settings
              .cooldown()
              .onFiring(
                  state.cooldowns().get(f.kind()),
                  o.eventTime(),
                  Alerts.eventAlertId(f.kind(), o),
                  o);
      d.summary().ifPresent(s -> emitSummary(f.kind(), o.key(), s, record.timestamp()));
      state = state.withCooldown(f.kind(), d.next());
      if (d.alert()) {
        emit(alerts.forEvent(f, o, contributions(o)), record);
      } else {
        metrics.alertSuppressed(f.kind());
      }
    }
    state = endCooldowns(o.key(), state, o.eventTime(), record.timestamp());
    if (keeps(state)) {
      store.put(o.key(), state.toBytes());
    } else if (stored != null) {
      store.delete(o.key());
    }
  }

  /** Without the per-key rule, only keys in a cooldown need state. */
  private boolean keeps(KeyState state) {
    return settings.keyRule() != null || !state.cooldowns().isEmpty();
  }

  /** Reports and drops the cooldowns of {@code key} that are over at {@code now}. */
  private KeyState endCooldowns(String key, KeyState state, long now, long timestamp) {
    KeyState next = state;
    for (Map.Entry<String, Cooldown.State> e : state.cooldowns().entrySet()) {
      if (Cooldown.isOver(e.getValue(), now)) {
        if (e.getValue().suppressed() > 0) {
          emitSummary(e.getKey(), key, e.getValue(), timestamp);
        }
        next = next.withCooldown(e.getKey(), null);
      }
    }
    return next;
  }

  /** Drops idle keys and reports ended cooldowns, judged at the latest event time seen. */
  private void sweep(long wallClock) {
    if (clock == Long.MIN_VALUE) {
      return;
    }
    long idleBefore = clock - settings.idle().toMillis();
    int dropped = 0;
    List<KeyValue<String, byte[]>> entries = new ArrayList<>();
    try (KeyValueIterator<String, byte[]> it = store.all()) {
      it.forEachRemaining(entries::add);
    }
    for (KeyValue<String, byte[]> entry : entries) {
      KeyState state = KeyState.fromBytes(entry.value);
      boolean idle = state.lastEventTime() < idleBefore;
      KeyState next = endCooldowns(entry.key, state, idle ? Long.MAX_VALUE : clock, wallClock);
      if (idle || !keeps(next)) {
        store.delete(entry.key);
        dropped++;
      } else if (!next.equals(state)) {
        store.put(entry.key, next.toBytes());
      }
    }
    if (dropped > 0) {
      LOG.debug("task {} dropped the state of {} keys", context.taskId(), dropped);
    }
  }

  /**
   * The features that pushed the score up, when the explainer describes the version that scored the
   * event: a canary or a champion deployed since start is another model, which it would explain
   * wrongly, so its alerts name no features.
   */
  private List<LinearExplainer.Contribution> contributions(Observation o) {
    if (settings.explainer() == null || settings.topFeatures() == 0) {
      return List.of();
    }
    if (o.modelName() != null
        && !(o.modelName().equals(settings.modelName())
            && o.modelVersion().equals(settings.modelVersion()))) {
      return List.of();
    }
    return settings.explainer().top(o.features(), settings.topFeatures());
  }

  private void emitSummary(String kind, String key, Cooldown.State s, long timestamp) {
    Alert summary = alerts.suppressed(kind, settings.severityOf(kind), key, s);
    metrics.alert(kind, summary.getSeverity().name());
    context.forward(
        new Record<Object, Object>(key.getBytes(StandardCharsets.UTF_8), summary, timestamp),
        settings.alertsChild());
  }

  private void emit(Alert alert, Record<Object, Object> source) {
    metrics.alert(alert.getKind(), alert.getSeverity().name());
    context.forward(
        new Record<Object, Object>(source.key(), alert, source.timestamp()),
        settings.alertsChild());
  }
}
