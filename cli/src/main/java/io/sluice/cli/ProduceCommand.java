package io.sluice.cli;

import io.sluice.app.PipelineTopics;
import io.sluice.config.SluiceConfig;
import io.sluice.samples.Demo;
import io.sluice.samples.FraudDemo;
import io.sluice.samples.FraudEvents;
import io.sluice.samples.ImageDemo;
import io.sluice.samples.ImageEvents;
import io.sluice.samples.IntrusionEvents;
import io.sluice.samples.RecsEvents;
import io.sluice.samples.SampleProducer;
import io.sluice.schemas.CardTransaction;
import io.sluice.schemas.ImageEvent;
import io.sluice.schemas.NetworkConnection;
import io.sluice.schemas.RatingEvent;
import io.sluice.serde.RegistrySettings;
import io.sluice.serde.RestSchemaRegistryClient;
import io.sluice.serde.SchemaRegistryClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code sluice produce fraud}: streams a pipeline's sample events into a topic at a steady rate,
 * for a deployment with no producer of its own (the docker-compose stack). Stops on SIGTERM.
 */
@Command(
    name = "produce",
    description = "Stream sample events (Avro, Confluent wire format) into a Kafka topic.")
final class ProduceCommand implements Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  private static final List<String> EVENTS = List.of("fraud", "intrusion", "recs", "vision");

  @Parameters(
      index = "0",
      description =
          "Sample events: fraud (card transactions), intrusion (NSL-KDD connections), recs"
              + " (MovieLens ratings) or vision (MNIST digits as PNG).")
  String events;

  @Option(
      names = "--bootstrap-servers",
      defaultValue = "${env:SLUICE_BOOTSTRAP_SERVERS}",
      description = "Kafka brokers (default: $SLUICE_BOOTSTRAP_SERVERS, as `sluice stack` prints).")
  String bootstrapServers;

  @Option(
      names = "--schema-registry-url",
      defaultValue = "${env:SLUICE_SCHEMA_REGISTRY_URL}",
      description =
          "Confluent-compatible schema registry the event schema is registered in (default:"
              + " $SLUICE_SCHEMA_REGISTRY_URL, as `sluice stack` prints).")
  String registryUrl;

  @Option(
      names = "--topic",
      description = "Topic (default: the demo's: transactions, connections, ratings or digits).")
  String topic;

  @Option(names = "--rate", description = "Events per second (default: ${DEFAULT-VALUE}).")
  int rate = 200;

  @Option(names = "--loop", description = "Start over after the last event, until stopped.")
  boolean loop;

  @Option(
      names = "--count",
      description = "Stop after this many events (default: all of them, or forever with --loop).")
  long count = Long.MAX_VALUE;

  @Option(
      names = "--poison-every",
      description = "Add a corrupt record after every N events (default: ${DEFAULT-VALUE}: none).")
  int poisonEvery;

  @Option(
      names = "--create-topic",
      description = "Create the topic if it does not exist (else a missing topic stops at once).")
  boolean createTopic;

  @Option(
      names = "--partitions",
      description = "Partitions of a topic --create-topic creates (default: ${DEFAULT-VALUE}).")
  int partitions = 1;

  @Option(names = "--data-dir", description = "Data directory (default: ${DEFAULT-VALUE}).")
  Path dataDir = Demo.defaultDataDir();

  @Option(
      names = "--held-out-from",
      description =
          "Only the events the model of this descriptor was not trained on (for a replay whose"
              + " metrics are not optimistic).")
  Path heldOutFrom;

  private volatile boolean stopping;

  @Override
  public Integer call() throws Exception {
    if (bootstrapServers == null || registryUrl == null) {
      throw new CommandLine.ParameterException(
          spec.commandLine(),
          "Missing --bootstrap-servers or --schema-registry-url (or SLUICE_BOOTSTRAP_SERVERS and"
              + " SLUICE_SCHEMA_REGISTRY_URL in the environment)");
    }
    if (rate < 1) {
      throw new IllegalArgumentException("--rate must be at least 1, was " + rate);
    }
    if (!events.equals("fraud") && (poisonEvery > 0 || heldOutFrom != null)) {
      throw new IllegalArgumentException(
          "--poison-every and --held-out-from are for the fraud events only");
    }
    return switch (events) {
      case "fraud" -> produce(fraud(), FraudDemo.INPUT);
      case "intrusion" ->
          produce(
              new Feed<>(
                  NetworkConnection.class,
                  IntrusionEvents.read(dataDir),
                  NetworkConnection::getService),
              "connections");
      case "recs" ->
          produce(
              new Feed<>(
                  RatingEvent.class, RecsEvents.read(dataDir), e -> String.valueOf(e.getUserId())),
              "ratings");
      case "vision" ->
          produce(
              new Feed<>(
                  ImageEvent.class,
                  ImageEvents.mnist(dataDir, Integer.MAX_VALUE),
                  ImageEvent::getId),
              ImageDemo.MNIST.input());
      default ->
          throw new IllegalArgumentException(
              "unknown events '" + events + "', expected one of " + EVENTS);
    };
  }

  /** What to send: the events, their class (for the schema) and the record key of each. */
  private record Feed<T extends SpecificRecord>(
      Class<T> type, List<T> events, Function<T, String> key) {}

  private Feed<CardTransaction> fraud() throws Exception {
    List<CardTransaction> all = FraudEvents.read(dataDir);
    if (heldOutFrom != null) {
      all = FraudEvents.heldOut(all, heldOutFrom);
    }
    return new Feed<>(CardTransaction.class, all, CardTransaction::getCardId);
  }

  private <T extends SpecificRecord> int produce(Feed<T> feed, String defaultTopic)
      throws InterruptedException {
    String target = topic != null ? topic : defaultTopic;
    PipelineTopics.ensure(
        Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers),
        Map.of("--topic", target),
        new SluiceConfig.Topics(createTopic, partitions, (short) -1),
        "create it, or add --create-topic");
    CountDownLatch done = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  stopping = true;
                  awaitQuietly(done);
                },
                "sluice-produce-shutdown"));
    try (SchemaRegistryClient registry =
            new RestSchemaRegistryClient(RegistrySettings.of(registryUrl.split(",")));
        KafkaProducer<String, byte[]> producer = SampleProducer.create(bootstrapServers)) {
      Serializer<T> serializer = SampleProducer.serializer(registry, feed.type());
      List<byte[]> pills = poisonPills(registry, target, feed);
      long sent = send(producer, target, serializer, feed, pills);
      producer.flush();
      spec.commandLine().getOut().printf("produced %,d records to %s%n", sent, target);
      spec.commandLine().getOut().flush();
    } finally {
      done.countDown();
    }
    return 0;
  }

  /** The fraud demo's corrupt records, when asked for; none for the other events. */
  private List<byte[]> poisonPills(SchemaRegistryClient registry, String target, Feed<?> feed) {
    if (poisonEvery <= 0 || feed.type() != CardTransaction.class) {
      return List.of();
    }
    return FraudDemo.poisonPills(
            SampleProducer.serializer(registry, CardTransaction.class),
            target,
            (CardTransaction) feed.events().get(0))
        .stream()
        .map(FraudDemo.PoisonPill::value)
        .toList();
  }

  private <T extends SpecificRecord> long send(
      KafkaProducer<String, byte[]> producer,
      String target,
      Serializer<T> serializer,
      Feed<T> feed,
      List<byte[]> pills)
      throws InterruptedException {
    List<T> all = feed.events();
    long sent = 0;
    long started = System.nanoTime();
    long i = 0;
    while (!stopping && i < count && (loop || i < all.size())) {
      T e = all.get((int) (i % all.size()));
      producer.send(
          new ProducerRecord<>(target, feed.key().apply(e), serializer.serialize(target, e)));
      sent++;
      i++;
      if (!pills.isEmpty() && i % poisonEvery == 0) {
        producer.send(
            new ProducerRecord<>(
                target, "poison", pills.get((int) ((i / poisonEvery) % pills.size()))));
        sent++;
      }
      // Pace to the rate: wait until this event's slot has come.
      long due = started + TimeUnit.SECONDS.toNanos(1) * i / rate;
      long wait = due - System.nanoTime();
      if (wait > 0) {
        TimeUnit.NANOSECONDS.sleep(wait);
      }
    }
    return sent;
  }

  private static void awaitQuietly(CountDownLatch done) {
    try {
      done.await(Duration.ofSeconds(10).toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
