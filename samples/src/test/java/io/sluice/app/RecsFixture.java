package io.sluice.app;

import io.micrometer.core.instrument.MeterRegistry;
import io.sluice.config.ConfigKeys;
import io.sluice.config.ConfigLoader;
import io.sluice.embedded.EmbeddedStack;
import io.sluice.samples.RecommendationCollector;
import io.sluice.samples.RecsDemo;
import io.sluice.samples.RecsEvents;
import io.sluice.schemas.RatingEvent;
import io.sluice.serde.RegistrySettings;
import io.sluice.serde.RestSchemaRegistryClient;
import io.sluice.serde.SchemaRegistryClient;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the recommendation integration tests share: the embedded broker and registry, the trained
 * recommender, a registry client and the real rating events in time order.
 */
final class RecsFixture implements AutoCloseable {
  private static final Path DATA_DIR =
      Path.of(System.getProperty("sluice.data.dir", "../shared/data"));

  final EmbeddedStack stack;
  final Path descriptor;
  final SchemaRegistryClient registry;
  private final Path work;
  private final List<RatingEvent> events;

  private RecsFixture(
      EmbeddedStack stack,
      Path descriptor,
      SchemaRegistryClient registry,
      Path work,
      List<RatingEvent> events) {
    this.stack = stack;
    this.descriptor = descriptor;
    this.registry = registry;
    this.work = work;
    this.events = events;
  }

  /** Starts the stack and trains the recommender into {@code work} if it is not there yet. */
  static RecsFixture start(Path work) throws Exception {
    EmbeddedStack stack = EmbeddedStack.start();
    try {
      Path descriptor = RecsDemo.ensureModel(DATA_DIR, work.resolve("models"));
      SchemaRegistryClient registry =
          new RestSchemaRegistryClient(RegistrySettings.of(stack.registry().url()));
      return new RecsFixture(stack, descriptor, registry, work, RecsEvents.read(DATA_DIR));
    } catch (Exception | Error e) {
      stack.close();
      throw e;
    }
  }

  /** The last {@code n} rating events of the data, in time order. */
  List<RatingEvent> lastEvents(int n) {
    return events.subList(events.size() - n, events.size());
  }

  /**
   * The pipeline's configuration as application {@code app}, its state under the work directory, on
   * topics {@code ratings-<suffix>}, {@code recs-<suffix>} and {@code dlq-<suffix>}, created with
   * {@code partitions} partitions.
   */
  Map<String, String> config(String app, String suffix, int partitions) {
    Map<String, String> c =
        new HashMap<>(
            RecsDemo.pipelineConfig(stack, descriptor, app, work.resolve("state-" + app)));
    c.put(ConfigKeys.INPUT_TOPIC, "ratings-" + suffix);
    c.put(ConfigKeys.OUTPUT_TOPIC, "recs-" + suffix);
    c.put(ConfigKeys.DLQ_TOPIC, "dlq-" + suffix);
    c.put(ConfigKeys.BATCH_MAX_SIZE, "32");
    stack.kafka().createTopics(partitions, "ratings-" + suffix, "recs-" + suffix, "dlq-" + suffix);
    return c;
  }

  /** An application of configuration {@code c}, not started, its metrics in {@code meters}. */
  static SluiceApplication app(Map<String, String> c, MeterRegistry meters) {
    return SluiceApplication.create(ConfigLoader.load(Optional.empty(), Map.of(), c), meters);
  }

  /** A {@code read_committed} reader of the recommendations and dead letters of {@code suffix}. */
  RecommendationCollector collector(String suffix) {
    return new RecommendationCollector(
        stack.kafka().bootstrapServers(), registry, "recs-" + suffix, "dlq-" + suffix);
  }

  @Override
  public void close() {
    registry.close();
    stack.close();
  }
}
