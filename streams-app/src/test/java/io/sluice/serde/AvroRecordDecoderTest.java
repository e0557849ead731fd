package io.sluice.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.sluice.schemas.CardTransaction;
import io.sluice.schemas.Prediction;
import io.sluice.serde.AvroDecodeException.Reason;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.Test;

class AvroRecordDecoderTest {
  /** CardTransaction as first published: without the label field added later. */
  private static final Schema TRANSACTION_V1 =
      SchemaBuilder.record("CardTransaction")
          .namespace("io.sluice.schemas")
          .fields()
          .requiredString("id")
          .requiredString("cardId")
          .requiredLong("eventTime")
          .requiredDouble("amount")
          .name("features")
          .type()
          .array()
          .items()
          .doubleType()
          .noDefault()
          .endRecord();

  private final LocalSchemaRegistry registry =
      LocalSchemaRegistry.of(
          CardTransaction.getClassSchema(), Prediction.getClassSchema(), TRANSACTION_V1);
  private final int transactionId = LocalSchemaRegistry.idOf(CardTransaction.getClassSchema());
  private final AvroRecordDecoder<CardTransaction> specific =
      AvroRecordDecoder.specific(registry, CardTransaction.class);

  @Test
  void decodesSpecificRecordsItsWireFormatWrote() {
    CardTransaction transaction = Fixtures.transaction("t-1", 0);

    assertThat(specific.decode(Fixtures.encoded(transactionId, transaction)))
        .isEqualTo(transaction);
  }

  @Test
  void decodesGenericRecordsWithTheirWriterSchema() {
    GenericRecord record =
        AvroRecordDecoder.generic(registry)
            .decode(Fixtures.encoded(transactionId, Fixtures.transaction("t-2", 1)));

    assertThat(record.getSchema().getFullName()).isEqualTo("io.sluice.schemas.CardTransaction");
    assertThat(record.get("id")).hasToString("t-2");
    assertThat(record.get("amount")).isEqualTo(149.62);
    assertThat((List<?>) record.get("features")).hasSize(28);
    assertThat(record.get("label")).isEqualTo(1);
  }

  @Test
  void readsRecordsOfAnOlderWriterSchemaGivingAddedFieldsTheirDefaults() {
    GenericRecord old = new GenericData.Record(TRANSACTION_V1);
    old.put("id", "t-old");
    old.put("cardId", "card-1");
    old.put("eventTime", 1_700_000_000_000L);
    old.put("amount", 12.5);
    old.put("features", Collections.nCopies(28, 0.5));
    byte[] bytes =
        WireFormat.encode(
            LocalSchemaRegistry.idOf(TRANSACTION_V1),
            old,
            new GenericDatumWriter<>(TRANSACTION_V1));

    CardTransaction read = specific.decode(bytes);
    assertThat(read.getId()).isEqualTo("t-old");
    assertThat(read.getEventTime().toEpochMilli()).isEqualTo(1_700_000_000_000L);
    assertThat(read.getLabel()).isNull();

    Schema withChannel =
        SchemaBuilder.record("CardTransaction")
            .namespace("io.sluice.schemas")
            .fields()
            .requiredString("id")
            .name("channel")
            .type()
            .stringType()
            .stringDefault("web")
            .endRecord();
    GenericRecord projected = AvroRecordDecoder.generic(registry, withChannel).decode(bytes);
    assertThat(projected.get("id")).hasToString("t-old");
    assertThat(projected.get("channel")).hasToString("web");
    assertThat(projected.getSchema().getFields()).hasSize(2);
  }

  @Test
  void rejectsRandomBytesAsWrongMagicByte() {
    byte[] random = new byte[64];
    new Random(7).nextBytes(random);

    assertThat(reasonOf(random)).isEqualTo(Reason.WRONG_MAGIC_BYTE);
  }

  @Test
  void rejectsRandomBodiesBehindAValidHeaderWithDecodeErrorsOnly() {
    Random random = new Random(42);
    int failures = 0;
    for (int i = 0; i < 20_000; i++) {
      byte[] bytes = new byte[WireFormat.HEADER_SIZE + random.nextInt(300)];
      random.nextBytes(bytes);
      System.arraycopy(
          Fixtures.encoded(transactionId, Fixtures.transaction("", null)), 0, bytes, 0, 5);
      try {
        specific.decode(bytes);
      } catch (AvroDecodeException e) {
        assertThat(e.reason()).isIn(Reason.MALFORMED_AVRO, Reason.TRAILING_BYTES);
        failures++;
      }
    }
    assertThat(failures).isGreaterThan(19_000);
  }

  @Test
  void refusesCorruptLengthsBeforeAllocatingThem() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(Arrays.copyOf(Fixtures.encoded(transactionId, Fixtures.transaction("", null)), 5));
    BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
    encoder.writeString("t-1");
    encoder.writeString("card-1");
    encoder.writeLong(0);
    encoder.writeDouble(1.0);
    encoder.writeArrayStart();
    encoder.setItemCount(1L << 30); // a billion doubles claimed, none there
    encoder.flush();

    AvroDecodeException array =
        catchThrowableOfType(AvroDecodeException.class, () -> specific.decode(out.toByteArray()));
    assertThat(array.reason()).isEqualTo(Reason.MALFORMED_AVRO);
    assertThat(array).hasMessageContaining("array block of 1073741824 item(s) exceeds the");

    out.reset();
    out.write(Arrays.copyOf(Fixtures.encoded(transactionId, Fixtures.transaction("", null)), 5));
    encoder.writeLong(1_000_000_000L); // the id string's length
    encoder.flush();
    assertThatThrownBy(() -> specific.decode(out.toByteArray()))
        .hasMessageContaining("string length 1000000000 exceeds the 0 byte(s) left");
  }

  @Test
  void stillReadsArraysOfNullsWhoseItemsTakeNoBytes() {
    Schema nulls =
        SchemaBuilder.record("Ticks")
            .fields()
            .name("ticks")
            .type()
            .array()
            .items()
            .nullType()
            .noDefault()
            .endRecord();
    GenericRecord ticks = new GenericData.Record(nulls);
    ticks.put("ticks", Collections.nCopies(1_000, null));
    LocalSchemaRegistry local = LocalSchemaRegistry.of(nulls);
    byte[] bytes =
        WireFormat.encode(LocalSchemaRegistry.idOf(nulls), ticks, new GenericDatumWriter<>(nulls));

    GenericRecord read = AvroRecordDecoder.generic(local).decode(bytes);

    assertThat(bytes).hasSizeLessThan(20);
    assertThat((List<?>) read.get("ticks")).hasSize(1_000);
  }

  @Test
  void rejectsUnknownSchemaIdNamingIt() {
    byte[] bytes = Fixtures.encoded(12_345, Fixtures.transaction("t", null));

    assertThat(reasonOf(bytes)).isEqualTo(Reason.UNKNOWN_SCHEMA_ID);
    assertThatThrownBy(() -> specific.decode(bytes))
        .hasMessageContaining("unknown schema id 12345");
  }

  @Test
  void rejectsTruncatedRecordAsMalformed() {
    byte[] whole = Fixtures.encoded(transactionId, Fixtures.transaction("t", 1));

    for (int cut : new int[] {1, 3, 100, whole.length - 6}) {
      byte[] truncated = Arrays.copyOf(whole, whole.length - cut);
      assertThatThrownBy(() -> specific.decode(truncated))
          .isInstanceOfSatisfying(
              AvroDecodeException.class,
              e -> assertThat(e.reason()).isEqualTo(Reason.MALFORMED_AVRO))
          .hasMessageContaining("truncated");
    }
  }

  @Test
  void rejectsTrailingBytesAfterACompleteRecord() {
    byte[] whole = Fixtures.encoded(transactionId, Fixtures.transaction("t", 1));
    byte[] padded = Arrays.copyOf(whole, whole.length + 3);

    assertThatThrownBy(() -> specific.decode(padded))
        .isInstanceOfSatisfying(
            AvroDecodeException.class, e -> assertThat(e.reason()).isEqualTo(Reason.TRAILING_BYTES))
        .hasMessageStartingWith(
            "3 trailing byte(s) after a complete io.sluice.schemas.CardTransaction record");
  }

  @Test
  void rejectsHeadersTooShortToHoldASchemaId() {
    assertThat(reasonOf(new byte[] {0, 0, 1})).isEqualTo(Reason.TOO_SHORT);
    assertThat(reasonOf(new byte[0])).isEqualTo(Reason.EMPTY);
  }

  @Test
  void rejectsWriterSchemasThatDoNotResolveToTheReaderSchema() {
    int predictionId = LocalSchemaRegistry.idOf(Prediction.getClassSchema());
    byte[] bytes = Fixtures.encoded(predictionId, Fixtures.transaction("t", 1));

    assertThatThrownBy(() -> specific.decode(bytes))
        .isInstanceOfSatisfying(
            AvroDecodeException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.INCOMPATIBLE_SCHEMA))
        .hasMessageContaining(
            "io.sluice.schemas.Prediction) cannot be read as io.sluice.schemas.CardTransaction");
  }

  @Test
  void rejectsNonRecordWriterSchemasForGenericRecords() {
    Schema string = Schema.create(Schema.Type.STRING);
    byte[] bytes =
        WireFormat.encode(
            LocalSchemaRegistry.idOf(string), "hello", new GenericDatumWriter<>(string));

    assertThatThrownBy(
            () -> AvroRecordDecoder.generic(LocalSchemaRegistry.of(string)).decode(bytes))
        .isInstanceOfSatisfying(
            AvroDecodeException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.INCOMPATIBLE_SCHEMA))
        .hasMessageEndingWith("is a STRING schema, expected a record");
  }

  @Test
  void reportsAnUnreachableRegistryAsRetriableNotAsTheRecordsFault() throws IOException {
    RegistrySettings settings =
        RegistrySettings.of("http://127.0.0.1:" + Fixtures.closedPort())
            .withRetries(Duration.ofSeconds(2), 0, Duration.ofMillis(1), Duration.ofMillis(1));
    try (RestSchemaRegistryClient unreachable = new RestSchemaRegistryClient(settings)) {
      AvroRecordDecoder<CardTransaction> decoder =
          AvroRecordDecoder.specific(unreachable, CardTransaction.class);

      AvroDecodeException e =
          catchThrowableOfType(
              AvroDecodeException.class,
              () -> decoder.decode(Fixtures.encoded(transactionId, Fixtures.transaction("t", 1))));

      assertThat(e.reason()).isEqualTo(Reason.REGISTRY_UNAVAILABLE);
      assertThat(e.isRetriable()).isTrue();
      assertThat(e).hasMessageContaining("cannot fetch writer schema id " + transactionId);
    }
    assertThat(Arrays.stream(Reason.values()).filter(Reason::isRetriable))
        .containsExactly(Reason.REGISTRY_UNAVAILABLE);
  }

  private Reason reasonOf(byte[] bytes) {
    return catchThrowableOfType(AvroDecodeException.class, () -> specific.decode(bytes)).reason();
  }
}
