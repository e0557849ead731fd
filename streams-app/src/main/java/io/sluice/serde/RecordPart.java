package io.sluice.serde;

/**
 * Which part of a Kafka record a serde handles, and so its subject under the TopicNameStrategy:
 * {@code <topic>-key} or {@code <topic>-value}.
 */
public enum RecordPart {
  KEY("-key"),
  VALUE("-value");

  private final String suffix;

  RecordPart(String suffix) {
    this.suffix = suffix;
  }

  /** The subject of this part of records in {@code topic}, e.g. {@code transactions-value}. */
  public String subject(String topic) {
    return topic + suffix;
  }
}
