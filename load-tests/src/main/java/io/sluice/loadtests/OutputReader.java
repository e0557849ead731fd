package io.sluice.loadtests;

import io.sluice.samples.OutputCollector;
import io.sluice.schemas.Prediction;
import io.sluice.serde.AvroRecordDecoder;
import io.sluice.serde.SchemaRegistryClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads what a benchmark run wrote with {@code read_committed}, as a downstream consumer would, but
 * keeps only the raw prediction bytes and the wall-clock time each arrived: decoding waits until
 * the clock has stopped ({@link #decodePredictions}).
 *
 * <p>On a two-core machine a reader that decodes and keeps every record as it arrives (like the
 * demo's {@code OutputCollector}) takes CPU and heap from the pipeline under test; this one takes
 * as little as a consumer can. It assigns itself every partition of the topics (no consumer group,
 * so no join delay) and reads them from the beginning. Not thread-safe.
 */
final class OutputReader implements AutoCloseable {
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final String predictionsTopic;
  private final String alertsTopic;
  private final List<byte[]> predictions = new ArrayList<>();
  private long[] arrivalMs = new long[1024];
  private int alerts;
  private int others;

  OutputReader(
      String bootstrapServers, String predictionsTopic, String alertsTopic, String dlqTopic) {
    this.predictionsTopic = predictionsTopic;
    this.alertsTopic = alertsTopic;
    this.consumer = OutputCollector.outputConsumer(bootstrapServers, Map.of());
    List<TopicPartition> partitions = new ArrayList<>();
    for (String topic : List.of(predictionsTopic, alertsTopic, dlqTopic)) {
      consumer
          .partitionsFor(topic)
          .forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
    }
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
  }

  /** One poll; every record it returns is stamped with the wall-clock time the poll ended. */
  void poll(Duration timeout) {
    var records = consumer.poll(timeout);
    long now = System.currentTimeMillis();
    for (ConsumerRecord<byte[], byte[]> r : records) {
      if (r.topic().equals(predictionsTopic)) {
        if (predictions.size() == arrivalMs.length) {
          arrivalMs = Arrays.copyOf(arrivalMs, arrivalMs.length * 2);
        }
        arrivalMs[predictions.size()] = now;
        predictions.add(r.value());
      } else if (r.topic().equals(alertsTopic)) {
        alerts++;
      } else {
        others++;
      }
    }
  }

  /** Polls for {@code duration}, however much or little arrives. */
  void drain(Duration duration) {
    long deadline = System.nanoTime() + duration.toNanos();
    for (long left = duration.toMillis(); left > 0; ) {
      poll(Duration.ofMillis(left));
      left = (deadline - System.nanoTime()) / 1_000_000;
    }
  }

  int predictionCount() {
    return predictions.size();
  }

  int alertCount() {
    return alerts;
  }

  /** Records read from the dead-letter topic. */
  int deadLetterCount() {
    return others;
  }

  /** Wall-clock time the {@code i}-th prediction arrived. */
  long arrivalMs(int i) {
    return arrivalMs[i];
  }

  /** Decodes the predictions read so far, in arrival order. */
  List<Prediction> decodePredictions(SchemaRegistryClient registry) {
    AvroRecordDecoder<Prediction> decoder = AvroRecordDecoder.specific(registry, Prediction.class);
    List<Prediction> decoded = new ArrayList<>(predictions.size());
    for (byte[] value : predictions) {
      decoded.add(decoder.decode(value));
    }
    return decoded;
  }

  @Override
  public void close() {
    consumer.close();
  }
}
