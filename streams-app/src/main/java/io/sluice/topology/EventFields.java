package io.sluice.topology;

import java.time.Instant;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;

/**
 * Names of the event fields every kind reads besides its own: the event id, the event time and the
 * label; an empty name, or a field the event's schema lacks, means the event has no such field.
 */
public record EventFields(String eventId, String eventTime, String label) {

  /** The event's id, or null. */
  public String eventId(GenericRecord event) {
    return text(event, eventId);
  }

  /** The event's label, or null. */
  public String label(GenericRecord event) {
    return text(event, label);
  }

  /** The event's time (an Avro timestamp or epoch milliseconds), or {@code fallback}. */
  public long eventTime(GenericRecord event, long fallback) {
    Object v = value(event, eventTime);
    if (v instanceof Instant i) {
      return i.toEpochMilli();
    }
    return v instanceof Number n ? n.longValue() : fallback;
  }

  /** A field's value as text, or null. */
  public static String text(GenericRecord event, String field) {
    Object v = value(event, field);
    return v == null ? null : v.toString();
  }

  /** A field's value, or null if the field is unnamed or not in the event's schema. */
  public static Object value(GenericRecord event, String field) {
    if (field.isEmpty()) {
      return null;
    }
    // One lookup by name, then by position: get(String) would look the name up again.
    Schema.Field f = event.getSchema().getField(field);
    return f == null ? null : event.get(f.pos());
  }
}
