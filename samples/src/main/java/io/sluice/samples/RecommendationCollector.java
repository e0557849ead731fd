package io.sluice.samples;

import io.sluice.errors.DeadLetter;
import io.sluice.schemas.Recommendation;
import io.sluice.serde.AvroRecordDecoder;
import io.sluice.serde.SchemaRegistryClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads what a recommendation pipeline wrote (recommendations and dead letters) with {@code
 * read_committed}, as a downstream consumer would. Used by the demo, the integration test and the
 * benchmark. Not thread-safe.
 */
public final class RecommendationCollector implements AutoCloseable {
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final String recommendationsTopic;
  private final String dlqTopic;
  private final AvroRecordDecoder<Recommendation> decoder;
  private final List<Recommendation> recommendations = new ArrayList<>();
  private final List<OutputCollector.DeadLetterRecord> deadLetters = new ArrayList<>();
  private long lastReceivedNanos;

  public RecommendationCollector(
      String bootstrapServers,
      SchemaRegistryClient registry,
      String recommendationsTopic,
      String dlqTopic) {
    this.recommendationsTopic = recommendationsTopic;
    this.dlqTopic = dlqTopic;
    this.decoder = AvroRecordDecoder.specific(registry, Recommendation.class);
    this.consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG,
                "sluice-recs-reader-" + System.nanoTime(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                false),
            new ByteArrayDeserializer(),
            new ByteArrayDeserializer());
    consumer.subscribe(List.of(recommendationsTopic, dlqTopic));
  }

  /** Polls until recommendations plus dead letters reach {@code expected}, or the timeout. */
  public boolean awaitOutputs(int expected, Duration timeout) {
    return pollUntil(() -> recommendations.size() + deadLetters.size() >= expected, timeout);
  }

  /** Polls until {@code done} is true or the timeout passes; returns whether it became true. */
  public boolean pollUntil(BooleanSupplier done, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      poll(Duration.ofMillis(100));
    }
    return true;
  }

  /** One poll. */
  public void poll(Duration timeout) {
    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(timeout)) {
      lastReceivedNanos = System.nanoTime();
      if (r.topic().equals(recommendationsTopic)) {
        recommendations.add(decoder.decode(r.value()));
      } else if (r.topic().equals(dlqTopic)) {
        deadLetters.add(
            new OutputCollector.DeadLetterRecord(
                r.key(),
                r.value(),
                DeadLetter.header(r.headers(), DeadLetter.STAGE),
                DeadLetter.header(r.headers(), DeadLetter.REASON),
                DeadLetter.header(r.headers(), DeadLetter.MESSAGE)));
      }
    }
  }

  public List<Recommendation> recommendations() {
    return recommendations;
  }

  public List<OutputCollector.DeadLetterRecord> deadLetters() {
    return deadLetters;
  }

  /** {@link System#nanoTime()} when the last record arrived. */
  public long lastReceivedNanos() {
    return lastReceivedNanos;
  }

  @Override
  public void close() {
    consumer.close();
  }
}
