package io.sluice.topology;

import io.sluice.anomaly.DriftRule;
import io.sluice.anomaly.Firing;
import io.sluice.anomaly.HealthRule;
import io.sluice.anomaly.Observation;
import io.sluice.anomaly.WindowState;
import io.sluice.errors.DeadLetter;
import io.sluice.metrics.PipelineMetrics;
import io.sluice.schemas.Alert;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the model rather than single keys: the distribution of the score and of chosen input
 * features per event-time window against the training reference ({@link DriftRule}), and the
 * dead-letter and model error rates per wall-clock window ({@link HealthRule}).
 *
 * <p>It sits on both outputs of the batch processor: scored events come in as {@link Observation}s,
 * and dead letters pass through it on their way to the dead-letter topic, unchanged, and are
 * counted by the stage their headers name. Drift is a property of the data, so drift windows follow
 * event time and close when an event of a later window arrives (a late event is counted in the open
 * window); health is a property of the running pipeline, so health windows follow the wall clock
 * and close on a punctuator, traffic or not. Windows are per partition (task): each partition's
 * events are a sample of the stream, judged without a repartition hop, and alerts name the
 * partition. Open windows live in a changelogged in-memory store with caching, so they survive a
 * restart without a changelog write per event; the processor keeps the decoded copy of each.
 *
 * <p>One instance per task, used by one stream thread.
 */
public final class ModelMonitorProcessor implements Processor<Object, Object, Object, Object> {
  private static final Logger LOG = LoggerFactory.getLogger(ModelMonitorProcessor.class);
  private static final String HEALTH_KEY = "health";

  /**
   * @param storeName the window store
   * @param deadLettersChild where dead letters go on to
   * @param drift the drift rules, one per metric
   * @param health the health rule, or null
   */
  public record Settings(
      String storeName,
      String alertsChild,
      String deadLettersChild,
      List<DriftRule> drift,
      Duration driftWindow,
      HealthRule health,
      Duration healthWindow,
      String modelName,
      String modelVersion) {
    public Settings {
      Objects.requireNonNull(storeName, "storeName");
      Objects.requireNonNull(alertsChild, "alertsChild");
      Objects.requireNonNull(deadLettersChild, "deadLettersChild");
      drift = List.copyOf(drift);
      if (driftWindow.isNegative() || driftWindow.isZero()) {
        throw new IllegalArgumentException("drift window must be positive, was " + driftWindow);
      }
      if (healthWindow.isNegative() || healthWindow.isZero()) {
        throw new IllegalArgumentException("health window must be positive, was " + healthWindow);
      }
    }
  }

  private final Settings settings;
  private final PipelineMetrics metrics;
  private final Alerts alerts;
  private final WindowState[] driftWindows;
  private ProcessorContext<Object, Object> context;
  private KeyValueStore<String, byte[]> store;
  private WindowState healthWindow;
  private int partition;

  public ModelMonitorProcessor(Settings settings, PipelineMetrics metrics) {
    this.settings = settings;
    this.metrics = metrics;
    this.alerts = new Alerts(settings.modelName(), settings.modelVersion());
    this.driftWindows = new WindowState[settings.drift().size()];
  }

  private static String driftKey(DriftRule rule) {
    return "drift:" + rule.settings().metric();
  }

  @Override
  public void init(ProcessorContext<Object, Object> context) {
    this.context = context;
    this.partition = context.taskId().partition();
    this.store = context.getStateStore(settings.storeName());
    for (int i = 0; i < driftWindows.length; i++) {
      DriftRule rule = settings.drift().get(i);
      byte[] stored = store.get(driftKey(rule));
      WindowState w = stored == null ? null : WindowState.fromBytes(stored);
      // A window of another binning (the model changed) cannot be judged; start afresh.
      driftWindows[i] =
          w != null && w.counts().length == rule.settings().reference().bins() ? w : null;
    }
    if (settings.health() != null) {
      byte[] stored = store.get(HEALTH_KEY);
      healthWindow = stored == null ? null : WindowState.fromBytes(stored);
      long tick = Math.max(1_000, settings.healthWindow().toMillis() / 4);
      context.schedule(Duration.ofMillis(tick), PunctuationType.WALL_CLOCK_TIME, this::closeHealth);
    }
  }

  @Override
  public void process(Record<Object, Object> record) {
    if (record.value() instanceof Observation o) {
      observe(o, record.timestamp());
      countHealth(
          HealthRule.SCORED, o.eventId(), o.eventTime(), o.topic(), o.partition(), o.offset());
    } else {
      context.forward(record, settings.deadLettersChild());
      Headers h = record.headers();
      String stage = DeadLetter.header(h, DeadLetter.STAGE);
      String topic = String.valueOf(DeadLetter.header(h, DeadLetter.TOPIC));
      int sourcePartition = (int) parse(DeadLetter.header(h, DeadLetter.PARTITION));
      long offset = parse(DeadLetter.header(h, DeadLetter.OFFSET));
      countHealth(
          DeadLetter.Stage.INFERENCE.label().equals(stage)
              ? HealthRule.MODEL_FAILED
              : HealthRule.REJECTED,
          topic + "-" + sourcePartition + "@" + offset,
          record.timestamp(),
          topic,
          sourcePartition,
          offset);
    }
  }

  private void observe(Observation o, long timestamp) {
    long size = settings.driftWindow().toMillis();
    long start = Math.floorDiv(o.eventTime(), size) * size;
    for (int i = 0; i < driftWindows.length; i++) {
      DriftRule rule = settings.drift().get(i);
      WindowState w = driftWindows[i];
      if (w == null || start > w.start()) {
        if (w != null) {
          judgeDrift(rule, w, w.start() + size, timestamp);
        }
        w = rule.window(start);
        driftWindows[i] = w;
      }
      w.add(rule.bin(o), o.eventId(), o.eventTime(), o.topic(), o.partition(), o.offset());
      store.put(driftKey(rule), w.toBytes());
    }
  }

  private void judgeDrift(DriftRule rule, WindowState w, long end, long timestamp) {
    rule.judge(w, end)
        .ifPresent(
            j -> {
              metrics.driftPsi(rule.settings().metric(), j.psi());
              LOG.debug(
                  "partition {}: PSI of {} over {} events from {} is {}",
                  partition,
                  rule.settings().metric(),
                  j.events(),
                  w.start(),
                  String.format(Locale.ROOT, "%.4f", j.psi()));
              j.firing().ifPresent(f -> emit(f, w, end, timestamp));
            });
  }

  private void countHealth(
      int slot, String eventId, long eventTime, String topic, int sourcePartition, long offset) {
    if (settings.health() == null) {
      return;
    }
    long now = context.currentSystemTimeMs();
    long size = settings.healthWindow().toMillis();
    long start = Math.floorDiv(now, size) * size;
    if (healthWindow != null && start > healthWindow.start()) {
      closeHealth(now);
    }
    if (healthWindow == null) {
      healthWindow = new WindowState(start, HealthRule.SLOTS);
    }
    healthWindow.add(slot, eventId, eventTime, topic, sourcePartition, offset);
    store.put(HEALTH_KEY, healthWindow.toBytes());
  }

  /** Judges and drops the health window if the wall clock has passed its end. */
  private void closeHealth(long now) {
    long end = healthWindow == null ? 0 : healthWindow.start() + settings.healthWindow().toMillis();
    if (healthWindow == null || now < end) {
      return;
    }
    WindowState w = healthWindow;
    healthWindow = null;
    store.delete(HEALTH_KEY);
    for (Firing f : settings.health().judge(w, end)) {
      emit(f, w, end, now);
    }
  }

  private void emit(Firing f, WindowState w, long end, long timestamp) {
    LOG.warn("partition {}: {}", partition, f.reason());
    metrics.alert(f.kind(), f.severity());
    Alert alert = alerts.forWindow(f, w, end, partition);
    context.forward(new Record<Object, Object>(null, alert, timestamp), settings.alertsChild());
  }

  /** A number from a dead-letter header; -1 if it is missing or not a number. */
  private static long parse(String text) {
    try {
      return text == null ? -1 : Long.parseLong(text);
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
