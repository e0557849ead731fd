package io.sluice.kinds.recommendation;

import io.sluice.errors.DeadLetter;
import io.sluice.errors.RejectedRecordException;
import io.sluice.metrics.PipelineMetrics;
import io.sluice.topology.EventDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies each rating event to its user's state, before the event enters the micro-batcher, and
 * hands the event on with a snapshot of that state ({@link RecsRequest}) in a header.
 *
 * <p>The state lives in a changelogged store keyed by user id; the input must be keyed (and so
 * partitioned) by user id, so all of a user's events meet in one task. Under {@code
 * exactly_once_v2} the state update, the recommendation and the input offset commit together.
 *
 * <p>Policy: bad bytes, and a record that is not a rating event (a field missing), go to the
 * dead-letter topic. Every other event goes on to be recommended for: an unknown item or a rating
 * that is not finite or outside the valid range leaves the state as it was; an event older than the
 * user's latest is placed by its event time ({@link UserState}); a record whose key is not its user
 * id is handled by the task it reached. Each case is counted ({@link RecsMetrics}).
 *
 * <p>One instance per task, used by one stream thread.
 */
public final class UserStateProcessor implements Processor<byte[], byte[], byte[], byte[]> {
  private static final Logger LOG = LoggerFactory.getLogger(UserStateProcessor.class);

  private final String pipeline;
  private final String storeName;
  private final String nextChild;
  private final String dlqChild;
  private final EventDecoder decoder;
  private final Catalogue catalogue;
  private final RecsSettings settings;
  private final PipelineMetrics metrics;
  private final RecsMetrics recsMetrics;

  private ProcessorContext<byte[], byte[]> context;
  private KeyValueStore<Long, byte[]> store;
  private final DecodedStates decoded = new DecodedStates(DECODED_USERS);

  /** Users per task whose state is kept decoded beside the store (see {@link DecodedStates}). */
  static final int DECODED_USERS = 1024;

  /**
   * @param storeName the changelogged user-state store connected to this processor
   * @param nextChild the micro-batcher
   * @param dlqChild the dead-letter sink
   */
  public UserStateProcessor(
      String pipeline,
      String storeName,
      String nextChild,
      String dlqChild,
      EventDecoder decoder,
      Catalogue catalogue,
      RecsSettings settings,
      PipelineMetrics metrics,
      RecsMetrics recsMetrics) {
    this.pipeline = pipeline;
    this.storeName = storeName;
    this.nextChild = nextChild;
    this.dlqChild = dlqChild;
    this.decoder = decoder;
    this.catalogue = catalogue;
    this.settings = settings;
    this.metrics = metrics;
    this.recsMetrics = recsMetrics;
  }

  @Override
  public void init(ProcessorContext<byte[], byte[]> context) {
    this.context = context;
    this.store = context.getStateStore(storeName);
    decoded.clear();
  }

  @Override
  public void process(Record<byte[], byte[]> record) {
    RecordMetadata source =
        context
            .recordMetadata()
            .orElseThrow(() -> new IllegalStateException("record without source metadata"));
    RecsRequest request;
    try {
      if (record.value() == null) {
        throw new RejectedRecordException(DeadLetter.Stage.DECODE, "EMPTY", "record has no value");
      }
      request = apply(decoder.decode(record.value()), record.key(), source);
    } catch (RejectedRecordException e) {
      deadLetter(record, source, e);
      return;
    }
    context.forward(record.withHeaders(request.into(record.headers())), nextChild);
  }

  private RecsRequest apply(GenericRecord event, byte[] key, RecordMetadata source)
      throws RejectedRecordException {
    Rating e = Rating.of(event, source.topic() + "-" + source.partition() + "@" + source.offset());
    if (key == null || !Long.toString(e.userId()).equals(new String(key, StandardCharsets.UTF_8))) {
      recsMetrics.count("key_mismatch");
    }

    byte[] stored = store.get(e.userId());
    UserState state = stored == null ? UserState.empty() : decoded.get(e.userId(), stored);
    if (stored == null) {
      recsMetrics.count("new_user");
    }
    Rating.Transition t = e.applyTo(state, catalogue, settings);
    if (t.applied()) {
      byte[] bytes = t.state().toBytes();
      store.put(e.userId(), bytes);
      decoded.put(e.userId(), bytes, t.state());
    }
    recsMetrics.count(
        switch (t.status()) {
          case APPLIED -> "applied";
          case LATE -> "late";
          case UNKNOWN_ITEM -> "unknown_item";
          case INVALID_RATING -> "invalid_rating";
        });
    return RecsRequest.of(e, t.status(), t.state());
  }

  /**
   * The decoded form of the states this task read or wrote last, so that a user's next event does
   * not decode the bytes it has just encoded. The store stays the truth: an entry is used only when
   * the store holds exactly the bytes it was decoded from (the same array, as the record cache
   * returns, or equal ones), so a restore, a rollback of the transaction or another writer can
   * never be hidden by it. Least recently used entries go first.
   */
  static final class DecodedStates {
    private record Entry(byte[] bytes, UserState state) {}

    private final LinkedHashMap<Long, Entry> entries;

    DecodedStates(int capacity) {
      this.entries =
          new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, Entry> eldest) {
              return size() > capacity;
            }
          };
    }

    /** The state {@code stored} holds, decoded now unless it is the one kept for the user. */
    UserState get(long userId, byte[] stored) {
      Entry e = entries.get(userId);
      if (e != null && (e.bytes() == stored || Arrays.equals(e.bytes(), stored))) {
        return e.state();
      }
      UserState state = UserState.fromBytes(stored);
      entries.put(userId, new Entry(stored, state));
      return state;
    }

    void put(long userId, byte[] bytes, UserState state) {
      entries.put(userId, new Entry(bytes, state));
    }

    void clear() {
      entries.clear();
    }

    int size() {
      return entries.size();
    }
  }

  private void deadLetter(
      Record<byte[], byte[]> record, RecordMetadata source, RejectedRecordException e) {
    Headers headers =
        DeadLetter.headers(
            record.headers(),
            pipeline,
            e.stage(),
            e.reason(),
            e,
            source.topic(),
            source.partition(),
            source.offset());
    context.forward(record.withHeaders(headers), dlqChild);
    metrics.recordIn();
    metrics.deadLetter(e.stage().label());
    LOG.debug(
        "dead-lettered {}-{}@{} at stage {}: {}",
        source.topic(),
        source.partition(),
        source.offset(),
        e.stage().label(),
        e.toString());
  }
}
