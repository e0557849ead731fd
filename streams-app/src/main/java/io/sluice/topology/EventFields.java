package io.sluice.topology;

/**
 * Names of the event fields every kind reads besides its own: the event id, the event time and the
 * label; an empty name means the event has no such field.
 */
public record EventFields(String eventId, String eventTime, String label) {}
