package io.sluice.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.config.ConfigKeys;
import io.sluice.embedded.EmbeddedStack;
import io.sluice.samples.FraudDemo;
import io.sluice.samples.OutputCollector;
import io.sluice.samples.SampleProducer;
import io.sluice.schemas.CardTransaction;
import io.sluice.schemas.Prediction;
import io.sluice.serde.SchemaRegistryClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two instances of one application with the default failover settings (a standby replica of every
 * task): one is killed with {@code kill -9} while events keep arriving, the other takes its
 * partitions over, and every event comes out exactly once. The longest gap in output per input
 * partition is printed, not asserted (a shared machine times nothing reliably).
 */
class FailoverIT {
  private static final int PARTITIONS = 4;

  @TempDir static Path work;
  private static FraudFixture fixture;
  private static EmbeddedStack stack;
  private static Path descriptor;
  private static SchemaRegistryClient registry;
  private static List<CardTransaction> events;

  @BeforeAll
  static void startStack() throws Exception {
    fixture = FraudFixture.start(work, 700);
    stack = fixture.stack();
    descriptor = fixture.descriptor();
    registry = fixture.registry();
    events = fixture.events();
  }

  @AfterAll
  static void stopStack() {
    if (fixture != null) {
      fixture.close();
    }
  }

  private static Path instance(String name) throws Exception {
    Map<String, String> c =
        new HashMap<>(
            FraudDemo.pipelineConfig(
                stack, descriptor, "it-failover", work.resolve("state-" + name)));
    c.put(ConfigKeys.INPUT_TOPIC, "tx-failover");
    c.put(ConfigKeys.OUTPUT_TOPIC, "pred-failover");
    c.put(ConfigKeys.ALERTS_TOPIC, "alerts-failover");
    c.put(ConfigKeys.DLQ_TOPIC, "dlq-failover");
    c.put(ConfigKeys.METRICS_PORT, "-1");
    // To compare failover settings by hand: -Dfailover.kafka="session.timeout.ms=10000;..." and
    // -Dfailover.static=true (static membership, one group.instance.id per instance).
    for (String kv : System.getProperty("failover.kafka", "").split(";")) {
      if (kv.contains("=")) {
        c.put("kafka." + kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
      }
    }
    if (Boolean.getBoolean("failover.static")) {
      c.put("kafka.group.instance.id", "failover-" + name);
    }
    Path file = work.resolve(name + ".properties");
    ChildJvm.writeProperties(file, c, "failover test, instance " + name);
    return file;
  }

  @Test
  void aKilledInstancesPartitionsMoveToItsStandbyAndNothingIsLostOrRepeated() throws Exception {
    stack
        .kafka()
        .createTopics(
            PARTITIONS, "tx-failover", "pred-failover", "alerts-failover", "dlq-failover");
    Path logA = work.resolve("a.log");
    Path logB = work.resolve("b.log");
    Process a = ChildJvm.run(instance("a"), logA);
    Process b = ChildJvm.run(instance("b"), logB);
    Serializer<CardTransaction> serializer =
        SampleProducer.serializer(registry, CardTransaction.class);
    Map<String, Integer> partitionOf = new HashMap<>();
    long[] lastOutput = new long[PARTITIONS];
    long[] longestGap = new long[PARTITIONS];
    try (OutputCollector out =
            new OutputCollector(
                stack.kafka().bootstrapServers(),
                registry,
                "pred-failover",
                "alerts-failover",
                "dlq-failover");
        KafkaProducer<String, byte[]> producer =
            SampleProducer.create(stack.kafka().bootstrapServers())) {
      int warmUp = 100;
      for (int i = 0; i < events.size(); i++) {
        CardTransaction e = events.get(i);
        int partition = i % PARTITIONS;
        partitionOf.put(e.getId(), partition);
        producer.send(
            new ProducerRecord<>(
                "tx-failover", partition, e.getCardId(), serializer.serialize("tx-failover", e)));
        if (i == warmUp) {
          producer.flush();
          // Both instances serve (and have placed their standbys) before the kill.
          assertThat(out.awaitOutputs(warmUp, Duration.ofMinutes(2)))
              .as(
                  "outputs before the kill: %s; logs:%n%s%n%s",
                  out.describe(), tail(logA), tail(logB))
              .isTrue();
          a.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
        if (i > warmUp) {
          producer.flush();
          Thread.sleep(40); // about 25 events a second for 24 s after the kill
          track(out, partitionOf, lastOutput, longestGap);
        }
      }
      producer.flush();
      assertThat(
              out.pollUntil(
                  () -> {
                    track(out, partitionOf, lastOutput, longestGap);
                    return out.predictions().size() + out.deadLetters().size() >= events.size();
                  },
                  Duration.ofMinutes(3)))
          .as("all outputs after the kill: %s; log of b:%n%s", out.describe(), tail(logB))
          .isTrue();
      out.poll(Duration.ofSeconds(2));
      FraudScenario.assertEachScoredOnce(out, events);
      System.out.printf(
          "FailoverIT: longest output gap per input partition after kill -9 (ms): %s%n",
          java.util.Arrays.toString(
              java.util.Arrays.stream(longestGap).map(n -> n / 1_000_000).toArray()));
    } finally {
      a.destroyForcibly();
      b.destroy();
      b.waitFor(60, TimeUnit.SECONDS);
      b.destroyForcibly();
    }
  }

  private static int seen;

  /** Polls once and notes, per input partition, the longest time between two outputs. */
  private static void track(
      OutputCollector out, Map<String, Integer> partitionOf, long[] last, long[] longest) {
    out.poll(Duration.ofMillis(1));
    List<Prediction> p = out.predictions();
    long now = System.nanoTime();
    for (; seen < p.size(); seen++) {
      int partition = partitionOf.get(p.get(seen).getEventId());
      if (last[partition] != 0) {
        longest[partition] = Math.max(longest[partition], now - last[partition]);
      }
      last[partition] = now;
    }
  }

  private static String tail(Path log) {
    return ChildJvm.tail(log, 40);
  }
}
