package io.sluice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.app.RegistryClients;
import io.sluice.config.SluiceConfig;
import io.sluice.serde.GenericAvroSerde;
import io.sluice.serde.RecordPart;
import io.sluice.serde.SchemaRegistryClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code sluice tail --config FILE [predictions|alerts|dead-letters]}: prints a pipeline's output
 * records as one JSON object per line: the Avro value decoded through the registry, the key, the
 * headers (a dead letter's say why it is one) and where the record sits. Reads only committed
 * records ({@code read_committed}), with no consumer group: nothing is committed.
 */
@Command(
    name = "tail",
    description =
        "Print a pipeline's predictions, alerts or dead letters as JSON lines (Avro decoded"
            + " through the registry).")
final class TailCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Mixin ConfigOptions configOptions = new ConfigOptions();

  @Parameters(
      index = "0",
      arity = "0..1",
      defaultValue = "predictions",
      description =
          "What to print: predictions, alerts or dead-letters (default: ${DEFAULT-VALUE}).")
  String which;

  @Option(
      names = "--from-beginning",
      description = "Start at the oldest record (default: only records written from now on).")
  boolean fromBeginning;

  @Option(names = "--max", description = "Stop after this many records (default: never).")
  long max = Long.MAX_VALUE;

  @Override
  public Integer call() throws IOException, InterruptedException {
    SluiceConfig config = configOptions.load();
    SluiceConfig.Pipeline p = config.pipeline();
    String topic =
        switch (which) {
          case "predictions" -> p.outputTopic();
          case "alerts" -> p.alertsTopic();
          case "dead-letters" -> p.dlqTopic();
          default ->
              throw new CommandLine.ParameterException(
                  spec.commandLine(),
                  "unknown output '" + which + "', expected predictions, alerts or dead-letters");
        };
    PrintWriter out = spec.commandLine().getOut();
    CountDownLatch done = new CountDownLatch(1);
    try (SchemaRegistryClient registry = RegistryClients.create(config.registry());
        KafkaConsumer<byte[], byte[]> consumer = consumer(config)) {
      Thread hook = new Thread(() -> stopOnSignal(consumer, done), "sluice-tail-shutdown");
      Runtime.getRuntime().addShutdownHook(hook);
      try {
        Deserializer<GenericRecord> values =
            which.equals("dead-letters")
                ? null
                : new GenericAvroSerde(registry, RecordPart.VALUE, false).deserializer();
        assign(consumer, topic);
        long printed = 0;
        while (printed < max) {
          for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
            out.println(JSON.writeValueAsString(json(r, values)));
            if (++printed >= max) {
              break;
            }
          }
          out.flush();
        }
      } catch (WakeupException e) {
        // Ctrl-C: the records printed so far are the output.
      } finally {
        out.flush();
        done.countDown();
        try {
          Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
          // already shutting down
        }
      }
    }
    return 0;
  }

  private static void stopOnSignal(KafkaConsumer<byte[], byte[]> consumer, CountDownLatch done) {
    consumer.wakeup();
    try {
      done.await(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static KafkaConsumer<byte[], byte[]> consumer(SluiceConfig config) {
    Map<String, Object> props = new HashMap<>();
    // The client settings (security) the pipeline itself is given, without Streams' own.
    config
        .kafka()
        .forEach(
            (k, v) -> {
              if (ConsumerConfig.configNames().contains(k)) {
                props.put(k, v);
              }
            });
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    return new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  private void assign(KafkaConsumer<byte[], byte[]> consumer, String topic) {
    List<PartitionInfo> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30));
    if (partitions == null || partitions.isEmpty()) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "topic '" + topic + "' does not exist");
    }
    List<TopicPartition> assigned = new ArrayList<>();
    partitions.forEach(i -> assigned.add(new TopicPartition(topic, i.partition())));
    consumer.assign(assigned);
    if (fromBeginning) {
      consumer.seekToBeginning(assigned);
    } else {
      consumer.seekToEnd(assigned);
    }
  }

  private static ObjectNode json(
      ConsumerRecord<byte[], byte[]> r, Deserializer<GenericRecord> values) throws IOException {
    ObjectNode node = JSON.createObjectNode();
    node.put("topic", r.topic());
    node.put("partition", r.partition());
    node.put("offset", r.offset());
    node.put("timestamp", r.timestamp());
    node.put("key", r.key() == null ? null : text(r.key()));
    ObjectNode headers = node.putObject("headers");
    for (Header h : r.headers()) {
      headers.put(h.key(), h.value() == null ? null : text(h.value()));
    }
    if (r.value() == null) {
      node.putNull("value");
    } else if (values == null) {
      node.put("value", text(r.value())); // a dead letter's original bytes
    } else {
      node.set("value", avro(values.deserialize(r.topic(), r.value())));
    }
    return node;
  }

  /** An Avro value as JSON: records and maps as objects, timestamps as ISO-8601 text. */
  private static JsonNode avro(Object value) {
    JsonNodeFactory f = JSON.getNodeFactory();
    if (value == null) {
      return f.nullNode();
    } else if (value instanceof GenericRecord record) {
      ObjectNode node = f.objectNode();
      for (Schema.Field field : record.getSchema().getFields()) {
        node.set(field.name(), avro(record.get(field.pos())));
      }
      return node;
    } else if (value instanceof Map<?, ?> map) {
      ObjectNode node = f.objectNode();
      map.forEach((k, v) -> node.set(String.valueOf(k), avro(v)));
      return node;
    } else if (value instanceof Collection<?> items) {
      ArrayNode node = f.arrayNode();
      items.forEach(i -> node.add(avro(i)));
      return node;
    } else if (value instanceof Double d && Double.isFinite(d)) {
      return f.numberNode(d);
    } else if (value instanceof Float x && Float.isFinite(x)) {
      return f.numberNode(x);
    } else if (value instanceof Integer || value instanceof Long) {
      return f.numberNode(((Number) value).longValue());
    } else if (value instanceof Boolean b) {
      return f.booleanNode(b);
    } else if (value instanceof ByteBuffer bytes) {
      byte[] copy = new byte[bytes.remaining()];
      bytes.duplicate().get(copy);
      return f.textNode(text(copy));
    }
    return f.textNode(value.toString()); // strings, enums, timestamps, NaN
  }

  /** UTF-8 text as is; other bytes as {@code base64:...}. */
  private static String text(byte[] bytes) {
    try {
      return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      return "base64:" + Base64.getEncoder().encodeToString(bytes);
    }
  }
}
