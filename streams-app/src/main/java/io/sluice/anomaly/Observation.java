package io.sluice.anomaly;

/**
 * What the anomaly rules see of one scored event: its key, identity, event time, the model's score
 * and the model's input row, and where the record came from. The row is not copied: holders must
 * not change it.
 *
 * @param key the record key (the entity per-key rules track, e.g. a card id), or null
 * @param eventId the event's id
 * @param eventTime event time, epoch ms
 * @param score the positive label's probability (or the predicted label's, without one)
 * @param features the model's input row, in the model's column order
 * @param modelName the name of the model version that scored the event (a champion or a canary),
 *     whose alerts name it; null: the pipeline's configured model
 * @param modelVersion that version; null with {@code modelName}
 * @param versionThreshold the alert threshold in the descriptor of the version that scored the
 *     event, NaN if it has none or the version is the configured one
 */
public record Observation(
    String key,
    String eventId,
    long eventTime,
    double score,
    float[] features,
    String topic,
    int partition,
    long offset,
    String modelName,
    String modelVersion,
    double versionThreshold) {

  /** An observation of the pipeline's configured model version. */
  public Observation(
      String key,
      String eventId,
      long eventTime,
      double score,
      float[] features,
      String topic,
      int partition,
      long offset) {
    this(
        key, eventId, eventTime, score, features, topic, partition, offset, null, null, Double.NaN);
  }

  /** Text form of the source coordinates, {@code topic-partition@offset}. */
  public String coordinates() {
    return topic + "-" + partition + "@" + offset;
  }
}
