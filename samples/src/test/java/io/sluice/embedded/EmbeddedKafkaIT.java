package io.sluice.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.samples.SampleProducer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

class EmbeddedKafkaIT {

  @Test
  void committedTransactionsAreVisibleAndAbortedOnesAreNotToReadCommittedConsumers()
      throws Exception {
    try (EmbeddedKafka kafka = new EmbeddedKafka().start()) {
      kafka.createTopics(1, "t");
      try (KafkaProducer<String, byte[]> producer =
          SampleProducer.create(
              kafka.bootstrapServers(), Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "tx-1"))) {
        producer.initTransactions();
        producer.beginTransaction();
        producer.send(new ProducerRecord<>("t", "k", "aborted".getBytes(StandardCharsets.UTF_8)));
        producer.abortTransaction();
        producer.beginTransaction();
        producer.send(new ProducerRecord<>("t", "k", "committed".getBytes(StandardCharsets.UTF_8)));
        producer.commitTransaction();
      }
      Map<String, Object> consumerConfig =
          Map.of(
              ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
              kafka.bootstrapServers(),
              ConsumerConfig.GROUP_ID_CONFIG,
              "g",
              ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
              "earliest",
              ConsumerConfig.ISOLATION_LEVEL_CONFIG,
              "read_committed",
              ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
              StringDeserializer.class,
              ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
              StringDeserializer.class);
      List<String> values = new ArrayList<>();
      try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerConfig)) {
        consumer.subscribe(List.of("t"));
        long deadline = System.currentTimeMillis() + 20_000;
        while (values.isEmpty() && System.currentTimeMillis() < deadline) {
          for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
            values.add(r.value());
          }
        }
      }
      assertThat(values).containsExactly("committed");
    }
  }

  @Test
  void refusesUseAfterClose() {
    EmbeddedKafka kafka = new EmbeddedKafka().start();
    kafka.close();
    assertThatThrownBy(kafka::bootstrapServers)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("not running");
  }
}
