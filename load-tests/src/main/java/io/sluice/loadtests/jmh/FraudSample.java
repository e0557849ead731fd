package io.sluice.loadtests.jmh;

import io.sluice.loadtests.BenchmarkDefaults;
import io.sluice.samples.FraudEvents;
import io.sluice.schemas.CardTransaction;
import io.sluice.serde.LocalSchemaRegistry;
import io.sluice.serde.RecordPart;
import io.sluice.serde.SpecificAvroSerde;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.apache.kafka.common.serialization.Serializer;

/** The first {@value #SIZE} events of the fraud data set, as objects and on the wire format. */
final class FraudSample {
  static final int SIZE = 64;
  static final String TOPIC = "transactions";

  final List<CardTransaction> events;
  final byte[][] encoded;

  /** Reads the data set from {@link BenchmarkDefaults#dataDir()}. */
  FraudSample(LocalSchemaRegistry registry) {
    try {
      events = FraudEvents.read(BenchmarkDefaults.dataDir()).subList(0, SIZE);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot read the fraud data under " + BenchmarkDefaults.dataDir().toAbsolutePath(), e);
    }
    Serializer<CardTransaction> serializer =
        new SpecificAvroSerde<>(registry, CardTransaction.class, RecordPart.VALUE, true)
            .serializer();
    encoded = new byte[SIZE][];
    for (int i = 0; i < SIZE; i++) {
      encoded[i] = serializer.serialize(TOPIC, events.get(i));
    }
  }
}
