package io.sluice.samples;

import io.sluice.descriptor.ModelDescriptor;
import io.sluice.descriptor.TrainingRows;
import io.sluice.models.fraud.CreditCardCsv;
import io.sluice.models.fraud.FraudModelTrainer;
import io.sluice.schemas.CardTransaction;
import io.sluice.serde.WireFormat;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.data.TimeConversions;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;

/**
 * The fraud data set as a stream of {@link CardTransaction} events.
 *
 * <p>The file lists all frauds first, so the rows are shuffled with a fixed seed. Card ids and
 * event times are synthetic (the data set has neither): each row gets a card id drawn from {@value
 * #CARDS} cards by a seeded generator, and events are spaced {@value #SPACING_MS} ms apart from
 * 2026-01-01T00:00Z. The same file always gives the same events.
 */
public final class FraudEvents {
  static final int CARDS = 500;
  static final long SPACING_MS = 250;
  private static final long SEED = 42;
  private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

  private FraudEvents() {}

  /** Reads {@code fraud/creditcard_adjustedl.csv} under the data directory. */
  public static List<CardTransaction> read(Path dataDir) throws IOException {
    CreditCardCsv.Table table =
        CreditCardCsv.read(dataDir.resolve("fraud").resolve("creditcard_adjustedl.csv"));
    List<String> names = table.featureNames();
    int amount = names.indexOf("Amount");
    int[] pca = new int[28];
    for (int i = 0; i < 28; i++) {
      pca[i] = names.indexOf("V" + (i + 1));
      if (pca[i] < 0) {
        throw new IOException("fraud data has no column V" + (i + 1) + "; columns: " + names);
      }
    }
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < table.size(); i++) {
      order.add(i);
    }
    Random random = new Random(SEED);
    Collections.shuffle(order, random);
    List<CardTransaction> events = new ArrayList<>(table.size());
    for (int n = 0; n < order.size(); n++) {
      int row = order.get(n);
      double[] values = table.row(row);
      List<Double> features = new ArrayList<>(28);
      for (int index : pca) {
        features.add(values[index]);
      }
      events.add(
          CardTransaction.newBuilder()
              .setId(FraudModelTrainer.eventId(row))
              .setCardId(String.format(java.util.Locale.ROOT, "card-%03d", random.nextInt(CARDS)))
              .setEventTime(START.plusMillis(n * SPACING_MS))
              .setAmount(values[amount])
              .setFeatures(features)
              .setLabel(table.label(row))
              .build());
    }
    return events;
  }

  /**
   * The events the model described by {@code descriptor} was not trained on (its descriptor's
   * {@code training.trainedOn}): what a replay should measure it on.
   *
   * @throws IOException if the descriptor cannot be read or does not record its training rows
   */
  public static List<CardTransaction> heldOut(List<CardTransaction> events, Path descriptor)
      throws IOException {
    TrainingRows rows =
        TrainingRows.of(ModelDescriptor.read(descriptor).training())
            .orElseThrow(
                () ->
                    new IOException(
                        descriptor
                            + ": expected training."
                            + TrainingRows.KEY
                            + " (the rows the model was trained on), found none; train it again"));
    return events.stream().filter(e -> !rows.contains(e.getId().toString())).toList();
  }

  /**
   * CardTransaction with one more (optional) field: a new writer schema that a reader of {@link
   * CardTransaction} can read, for a schema id the application has not seen yet (registry outages).
   */
  public static Schema widenedSchema() {
    Schema base = CardTransaction.getClassSchema();
    SchemaBuilder.FieldAssembler<Schema> fields =
        SchemaBuilder.record(base.getName()).namespace(base.getNamespace()).fields();
    for (Schema.Field f : base.getFields()) {
      fields = fields.name(f.name()).type(f.schema()).noDefault();
    }
    return fields.name("channel").type().stringType().stringDefault("web").endRecord();
  }

  /**
   * {@code e} in the wire format under {@code schema} ({@link #widenedSchema}), registered as id.
   */
  public static byte[] encodeWidened(Schema schema, int id, CardTransaction e) {
    GenericRecord r = new GenericData.Record(schema);
    for (Schema.Field f : CardTransaction.getClassSchema().getFields()) {
      r.put(f.name(), e.get(f.pos()));
    }
    r.put("channel", "app");
    // The specific record's values (an Instant for the event time) need its logical types.
    GenericData model = new GenericData();
    model.addLogicalTypeConversion(new TimeConversions.TimestampMillisConversion());
    return WireFormat.encode(id, r, new GenericDatumWriter<>(schema, model));
  }
}
