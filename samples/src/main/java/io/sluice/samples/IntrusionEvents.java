package io.sluice.samples;

import io.sluice.models.intrusion.IntrusionModelTrainer;
import io.sluice.models.intrusion.NslKdd;
import io.sluice.schemas.NetworkConnection;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.avro.Schema;

/**
 * The NSL-KDD test file ({@code KDDTest+.txt}) as a stream of {@link NetworkConnection} events, in
 * file order. Event times are synthetic (the data set has none): {@value #SPACING_MS} ms apart from
 * 2026-02-01T00:00Z. The same file always gives the same events.
 */
public final class IntrusionEvents {
  static final long SPACING_MS = 100;
  private static final Instant START = Instant.parse("2026-02-01T00:00:00Z");

  private IntrusionEvents() {}

  /** Reads the test file under the data directory. */
  public static List<NetworkConnection> read(Path dataDir) throws IOException {
    List<NslKdd.Connection> rows = NslKdd.read(dataDir.resolve(IntrusionModelTrainer.TEST_FILE));
    Schema schema = NetworkConnection.getClassSchema();
    List<NetworkConnection> events = new ArrayList<>(rows.size());
    for (int n = 0; n < rows.size(); n++) {
      NslKdd.Connection row = rows.get(n);
      NetworkConnection event = new NetworkConnection();
      event.setId(String.format(Locale.ROOT, "kdd-test-%05d", n + 1));
      event.setEventTime(START.plusMillis(n * SPACING_MS));
      for (String field : NslKdd.FIELDS) {
        String text = row.text(field);
        event.put(
            field,
            switch (schema.getField(field).schema().getType()) {
              case LONG -> wholeNumber(field, text, n);
              case DOUBLE -> Double.parseDouble(text);
              default -> text;
            });
      }
      event.setLabel(row.label());
      event.setAttackType(row.attackType());
      events.add(event);
    }
    return events;
  }

  private static long wholeNumber(String field, String text, int row) throws IOException {
    double value = Double.parseDouble(text);
    if (value != Math.rint(value)) {
      throw new IOException(
          "KDDTest+ row " + (row + 1) + ": " + field + " should be a whole number, was " + text);
    }
    return (long) value;
  }
}
