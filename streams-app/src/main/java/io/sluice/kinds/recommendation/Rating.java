package io.sluice.kinds.recommendation;

import io.sluice.errors.DeadLetter;
import io.sluice.errors.RejectedRecordException;
import io.sluice.schemas.TriggerStatus;
import java.time.Instant;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;

/**
 * One decoded rating event and the rule by which it changes its user's state; shared by the live
 * pipeline ({@link UserStateProcessor}) and the replay, so both rebuild a user's state alike.
 *
 * @param eventId the event's own id, or its source coordinates when it has none
 */
public record Rating(long userId, long itemId, float rating, long eventTime, String eventId) {

  /** The user's state after an event, and how the event was handled. */
  public record Transition(UserState state, TriggerStatus status) {
    /** Whether the event changed the state (a valid rating of a catalogue item). */
    public boolean applied() {
      return status == TriggerStatus.APPLIED || status == TriggerStatus.LATE;
    }
  }

  /**
   * Reads a rating event's fields.
   *
   * @param fallbackId the id to use when the event has no {@code eventId}
   * @throws RejectedRecordException {@code MISSING_FIELD} if a numeric field is missing
   */
  public static Rating of(GenericRecord event, String fallbackId) throws RejectedRecordException {
    Object id = event.getSchema().getField("eventId") == null ? null : event.get("eventId");
    return new Rating(
        number(event, "userId").longValue(),
        number(event, "itemId").longValue(),
        number(event, "rating").floatValue(),
        eventTime(event),
        id == null ? fallbackId : id.toString());
  }

  /**
   * The live pipeline's policy: an invalid rating or an item outside the catalogue leaves the state
   * as it was; any other event is applied ({@link UserState#apply}).
   */
  public Transition applyTo(UserState state, Catalogue catalogue, RecsSettings settings) {
    if (!settings.validRating(rating)) {
      return new Transition(state, TriggerStatus.INVALID_RATING);
    }
    int item = catalogue.indexOf(itemId);
    if (item < 0) {
      return new Transition(state, TriggerStatus.UNKNOWN_ITEM);
    }
    UserState.Applied applied =
        state.apply(item, eventTime, settings.recentMax(), settings.ratedMax());
    return new Transition(
        applied.state(), applied.late() ? TriggerStatus.LATE : TriggerStatus.APPLIED);
  }

  private static Number number(GenericRecord event, String field) throws RejectedRecordException {
    Schema.Field f = event.getSchema().getField(field);
    Object v = f == null ? null : event.get(field);
    if (!(v instanceof Number n)) {
      throw new RejectedRecordException(
          DeadLetter.Stage.FEATURIZE,
          "MISSING_FIELD",
          "event "
              + event.getSchema().getFullName()
              + " has no numeric field '"
              + field
              + "', expected a rating event (userId, itemId, rating, eventTime)");
    }
    return n;
  }

  private static long eventTime(GenericRecord event) throws RejectedRecordException {
    Schema.Field f = event.getSchema().getField("eventTime");
    Object v = f == null ? null : event.get("eventTime");
    if (v instanceof Instant i) {
      return i.toEpochMilli();
    }
    return number(event, "eventTime").longValue();
  }
}
