package io.sluice.app;

import io.sluice.embedded.EmbeddedStack;
import io.sluice.samples.FraudDemo;
import io.sluice.samples.FraudEvents;
import io.sluice.schemas.CardTransaction;
import io.sluice.serde.RegistrySettings;
import io.sluice.serde.RestSchemaRegistryClient;
import io.sluice.serde.SchemaRegistryClient;
import java.nio.file.Path;
import java.util.List;

/**
 * What the fraud integration tests share: the embedded broker and registry, the trained fraud
 * model, a registry client and the first real card transactions.
 *
 * @param events the first events of the data set, in its order
 */
record FraudFixture(
    EmbeddedStack stack,
    Path descriptor,
    SchemaRegistryClient registry,
    List<CardTransaction> events)
    implements AutoCloseable {
  private static final Path DATA_DIR =
      Path.of(System.getProperty("sluice.data.dir", "../shared/data"));

  /**
   * Starts the stack and trains the model (under {@code work/models}) if needed.
   *
   * @param events how many events to keep, at most
   */
  static FraudFixture start(Path work, int events) throws Exception {
    EmbeddedStack stack = EmbeddedStack.start();
    try {
      Path descriptor = FraudDemo.ensureModel(DATA_DIR, work.resolve("models"));
      List<CardTransaction> all = FraudEvents.read(DATA_DIR);
      return new FraudFixture(
          stack,
          descriptor,
          new RestSchemaRegistryClient(RegistrySettings.of(stack.registry().url())),
          all.subList(0, Math.min(events, all.size())));
    } catch (Exception | Error e) {
      stack.close();
      throw e;
    }
  }

  @Override
  public void close() {
    registry.close();
    stack.close();
  }
}
