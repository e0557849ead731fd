package io.sluice.samples;

import io.sluice.serde.RecordPart;
import io.sluice.serde.SchemaRegistryClient;
import io.sluice.serde.SpecificAvroSerde;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The one producer set-up of the samples: how the demos, {@code sluice produce}, the load tests and
 * the integration tests write events into a pipeline's input topic.
 *
 * <p>A producer has string keys and byte-array values: values are Avro on the Confluent wire
 * format, written by {@link #serializer}, or deliberately corrupt bytes. It is idempotent, waits
 * for all in-sync replicas ({@code acks=all}) and lingers 5 ms to batch. The caller owns (closes)
 * the producers made by {@link #create}; {@link #produceAll} closes its own.
 */
public final class SampleProducer {
  private SampleProducer() {}

  /** A producer with the sample settings. */
  public static KafkaProducer<String, byte[]> create(String bootstrapServers) {
    return create(bootstrapServers, Map.of());
  }

  /**
   * A producer with the sample settings and {@code overrides} on top (e.g. a {@code
   * transactional.id}).
   */
  public static KafkaProducer<String, byte[]> create(
      String bootstrapServers, Map<String, ?> overrides) {
    Map<String, Object> config = new HashMap<>();
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    config.putAll(overrides);
    return new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
  }

  /**
   * The value serializer of {@code type}: Confluent wire format, its schema registered in {@code
   * registry} on first use.
   */
  public static <T extends SpecificRecord> Serializer<T> serializer(
      SchemaRegistryClient registry, Class<T> type) {
    return new SpecificAvroSerde<>(registry, type, RecordPart.VALUE, true).serializer();
  }

  /**
   * Produces {@code events} in order, each keyed by {@code keyOf}, in one producer, and flushes.
   *
   * @return the number of records produced
   */
  public static <T extends SpecificRecord> int produceAll(
      String bootstrapServers,
      SchemaRegistryClient registry,
      Class<T> type,
      String topic,
      List<T> events,
      Function<? super T, String> keyOf) {
    Serializer<T> serializer = serializer(registry, type);
    try (KafkaProducer<String, byte[]> producer = create(bootstrapServers)) {
      for (T e : events) {
        producer.send(new ProducerRecord<>(topic, keyOf.apply(e), serializer.serialize(topic, e)));
      }
      producer.flush();
    }
    return events.size();
  }
}
