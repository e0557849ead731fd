package io.sluice.samples;

import io.sluice.errors.DeadLetter;
import io.sluice.schemas.Alert;
import io.sluice.schemas.Prediction;
import io.sluice.serde.AvroRecordDecoder;
import io.sluice.serde.SchemaRegistryClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads what a pipeline wrote (predictions, alerts, dead letters) with {@code read_committed}, as a
 * downstream consumer would. Used by the demo, the integration tests and the benchmarks.
 */
public final class OutputCollector implements AutoCloseable {

  /** A dead-letter record: its original bytes and the headers that say why. */
  public record DeadLetterRecord(
      byte[] key, byte[] value, String stage, String reason, String message) {}

  private final KafkaConsumer<byte[], byte[]> consumer;
  private final String predictionsTopic;
  private final String alertsTopic;
  private final String dlqTopic;
  private final AvroRecordDecoder<? extends SpecificRecord> predictionDecoder;
  private final AvroRecordDecoder<Alert> alertDecoder;
  private final Class<? extends SpecificRecord> predictionType;
  private final List<SpecificRecord> predictions = new ArrayList<>();
  private final List<Alert> alerts = new ArrayList<>();
  private final List<DeadLetterRecord> deadLetters = new ArrayList<>();
  private long lastReceivedNanos;

  /** A collector of a pipeline that writes {@link Prediction}s. */
  public OutputCollector(
      String bootstrapServers,
      SchemaRegistryClient registry,
      String predictionsTopic,
      String alertsTopic,
      String dlqTopic) {
    this(bootstrapServers, registry, Prediction.class, predictionsTopic, alertsTopic, dlqTopic);
  }

  /**
   * A collector of a pipeline whose predictions topic holds {@code predictionType} records (e.g.
   * {@code ImageClassification}).
   *
   * @param alertsTopic the alerts topic, or null for a pipeline that writes no alerts
   */
  public OutputCollector(
      String bootstrapServers,
      SchemaRegistryClient registry,
      Class<? extends SpecificRecord> predictionType,
      String predictionsTopic,
      String alertsTopic,
      String dlqTopic) {
    this.predictionType = predictionType;
    this.predictionsTopic = predictionsTopic;
    this.alertsTopic = alertsTopic;
    this.dlqTopic = dlqTopic;
    this.predictionDecoder = AvroRecordDecoder.specific(registry, predictionType);
    this.alertDecoder = AvroRecordDecoder.specific(registry, Alert.class);
    this.consumer =
        outputConsumer(
            bootstrapServers,
            Map.of(
                ConsumerConfig.GROUP_ID_CONFIG,
                "sluice-output-reader-" + System.nanoTime(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest"));
    consumer.subscribe(
        alertsTopic == null
            ? List.of(predictionsTopic, dlqTopic)
            : List.of(predictionsTopic, alertsTopic, dlqTopic));
  }

  /**
   * A consumer of a pipeline's outputs as a downstream application reads them: {@code
   * read_committed}, raw bytes, no offsets committed; {@code more} adds settings (a group id, where
   * to start). The caller closes it.
   */
  public static KafkaConsumer<byte[], byte[]> outputConsumer(
      String bootstrapServers, Map<String, ?> more) {
    Map<String, Object> config = new HashMap<>(more);
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  /**
   * Polls until {@code done} is true or the timeout passes.
   *
   * @return whether {@code done} became true
   */
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

  /** Polls until predictions plus dead letters reach {@code expected}. */
  public boolean awaitOutputs(int expected, Duration timeout) {
    return pollUntil(() -> predictions.size() + deadLetters.size() >= expected, timeout);
  }

  /** One poll. */
  public void poll(Duration timeout) {
    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(timeout)) {
      lastReceivedNanos = System.nanoTime();
      if (r.topic().equals(predictionsTopic)) {
        predictions.add(predictionDecoder.decode(r.value()));
      } else if (r.topic().equals(alertsTopic)) {
        alerts.add(alertDecoder.decode(r.value()));
      } else if (r.topic().equals(dlqTopic)) {
        deadLetters.add(
            new DeadLetterRecord(
                r.key(),
                r.value(),
                DeadLetter.header(r.headers(), DeadLetter.STAGE),
                DeadLetter.header(r.headers(), DeadLetter.REASON),
                DeadLetter.header(r.headers(), DeadLetter.MESSAGE)));
      }
    }
  }

  /** The predictions of a pipeline that writes {@link Prediction}s. */
  public List<Prediction> predictions() {
    return predictions(Prediction.class);
  }

  /**
   * The predictions, as the type this collector was created for.
   *
   * @throws IllegalArgumentException if {@code type} is not that type
   */
  public <T extends SpecificRecord> List<T> predictions(Class<T> type) {
    if (!type.equals(predictionType)) {
      throw new IllegalArgumentException(
          "this collector reads "
              + predictionType.getSimpleName()
              + ", not "
              + type.getSimpleName());
    }
    return predictions.stream().map(type::cast).toList();
  }

  public List<Alert> alerts() {
    return alerts;
  }

  public List<DeadLetterRecord> deadLetters() {
    return deadLetters;
  }

  /** What has arrived so far, for a failure message. */
  public String describe() {
    return predictions.size()
        + " predictions, "
        + alerts.size()
        + " alerts, "
        + deadLetters.size()
        + " dead letters on "
        + predictionsTopic;
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
