package io.sluice.serde;

import io.sluice.schemas.CardTransaction;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;

/** Records and helpers shared by the serde tests. */
final class Fixtures {
  private Fixtures() {}

  /** A transaction with 28 distinct features and, when {@code label} is not null, a label. */
  static CardTransaction transaction(String id, Integer label) {
    List<Double> features = new ArrayList<>();
    for (int i = 1; i <= 28; i++) {
      features.add(i / 10.0 - 1.4);
    }
    return CardTransaction.newBuilder()
        .setId(id)
        .setCardId("card-42")
        .setEventTime(Instant.parse("2026-11-23T10:15:30.123Z"))
        .setAmount(149.62)
        .setFeatures(features)
        .setLabel(label)
        .build();
  }

  /** {@code transaction} on the wire format under {@code schemaId}. */
  static byte[] encoded(int schemaId, CardTransaction transaction) {
    return WireFormat.encode(
        schemaId,
        transaction,
        new SpecificDatumWriter<>(
            CardTransaction.getClassSchema(), SpecificData.getForClass(CardTransaction.class)));
  }

  /** A local port nothing listens on (just released by the OS), so connecting is refused. */
  static int closedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
