package io.sluice.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.schemas.CardTransaction;
import io.sluice.schemas.Prediction;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;

class AvroSerdeTest {

  @Test
  void roundTripsSpecificRecords() {
    try (LocalSchemaRegistry registry = LocalSchemaRegistry.fromClasspath()) {
      Serde<CardTransaction> serde =
          new SpecificAvroSerde<>(registry, CardTransaction.class, RecordPart.VALUE, false);
      CardTransaction transaction = Fixtures.transaction("t-1", 1);

      byte[] bytes = serde.serializer().serialize("transactions", transaction);

      assertThat(WireFormat.schemaId(bytes))
          .isEqualTo(LocalSchemaRegistry.idOf(CardTransaction.getClassSchema()));
      assertThat(serde.deserializer().deserialize("transactions", bytes)).isEqualTo(transaction);
    }
  }

  @Test
  void readsSpecificRecordsAsGenericOnesAndBack() {
    try (LocalSchemaRegistry registry = LocalSchemaRegistry.fromClasspath()) {
      Serde<CardTransaction> specific =
          new SpecificAvroSerde<>(registry, CardTransaction.class, RecordPart.VALUE, true);
      Serde<GenericRecord> generic = new GenericAvroSerde(registry, RecordPart.VALUE, true);
      CardTransaction transaction = Fixtures.transaction("t-2", null);

      GenericRecord record =
          generic
              .deserializer()
              .deserialize("t", specific.serializer().serialize("t", transaction));
      byte[] again = generic.serializer().serialize("t", record);

      assertThat(record.get("cardId")).hasToString("card-42");
      assertThat(specific.deserializer().deserialize("t", again)).isEqualTo(transaction);
    }
  }

  @Test
  void passesTombstonesThrough() {
    try (LocalSchemaRegistry registry = LocalSchemaRegistry.fromClasspath()) {
      Serde<CardTransaction> serde =
          new SpecificAvroSerde<>(registry, CardTransaction.class, RecordPart.KEY, true);

      assertThat(serde.serializer().serialize("t", null)).isNull();
      assertThat(serde.deserializer().deserialize("t", null)).isNull();
    }
  }

  /** The classpath registry, which fails every call as unreachable once it is down. */
  private static final class Outage implements SchemaRegistryClient {
    final LocalSchemaRegistry local = LocalSchemaRegistry.fromClasspath();
    boolean down;

    private void check() {
      if (down) {
        throw new SchemaRegistryException("connection refused");
      }
    }

    @Override
    public int register(String subject, org.apache.avro.Schema schema) {
      check();
      return local.register(subject, schema);
    }

    @Override
    public int lookup(String subject, org.apache.avro.Schema schema) {
      check();
      return local.lookup(subject, schema);
    }

    @Override
    public org.apache.avro.Schema schemaById(int id) {
      check();
      return local.schemaById(id);
    }

    @Override
    public void close() {
      local.close();
    }
  }

  @Test
  void anIdHadAheadWritesTheFirstRecordWithoutTheRegistry() {
    try (Outage registry = new Outage()) {
      Serde<CardTransaction> serde =
          new SpecificAvroSerde<>(registry, CardTransaction.class, RecordPart.VALUE, true);
      ((SchemaAhead) serde.serializer()).prepare("payments");
      registry.down = true;

      byte[] bytes = serde.serializer().serialize("payments", Fixtures.transaction("t-3", 1));

      assertThat(WireFormat.schemaId(bytes))
          .isEqualTo(LocalSchemaRegistry.idOf(CardTransaction.getClassSchema()));
    }
  }

  @Test
  void anIdThatCannotBeHadAheadNamesTopicAndSubject() {
    try (LocalSchemaRegistry registry = LocalSchemaRegistry.of(Prediction.getClassSchema())) {
      Serde<CardTransaction> serde =
          new SpecificAvroSerde<>(registry, CardTransaction.class, RecordPart.VALUE, false);

      assertThatThrownBy(() -> ((SchemaAhead) serde.serializer()).prepare("payments"))
          .isInstanceOf(SerializationException.class)
          .hasMessageStartingWith(
              "cannot look up schema io.sluice.schemas.CardTransaction under subject"
                  + " 'payments-value' for topic 'payments': ");
    }
  }

  @Test
  void namesTopicAndSubjectWhenTheSchemaIsNotRegisteredAndAutoRegistrationIsOff() {
    try (LocalSchemaRegistry registry = LocalSchemaRegistry.of(Prediction.getClassSchema())) {
      Serde<CardTransaction> serde =
          new SpecificAvroSerde<>(registry, CardTransaction.class, RecordPart.VALUE, false);

      assertThatThrownBy(
              () -> serde.serializer().serialize("payments", Fixtures.transaction("t", null)))
          .isInstanceOf(SerializationException.class)
          .hasMessageStartingWith(
              "cannot look up schema io.sluice.schemas.CardTransaction under subject"
                  + " 'payments-value' for topic 'payments': ")
          .hasCauseInstanceOf(SchemaNotRegisteredException.class);
    }
  }

  @Test
  void namesTopicAndSubjectWhenARecordCannotBeWritten() {
    try (LocalSchemaRegistry registry = LocalSchemaRegistry.fromClasspath()) {
      Serde<CardTransaction> serde =
          new SpecificAvroSerde<>(registry, CardTransaction.class, RecordPart.KEY, true);
      CardTransaction incomplete = Fixtures.transaction("t", null);
      incomplete.setCardId(null);

      assertThatThrownBy(() -> serde.serializer().serialize("payments", incomplete))
          .isInstanceOf(SerializationException.class)
          .hasMessageStartingWith(
              "cannot write a io.sluice.schemas.CardTransaction record to topic 'payments'"
                  + " (subject 'payments-key', schema id ");
    }
  }

  @Test
  void namesSubjectsAfterTheTopic() {
    assertThat(RecordPart.KEY.subject("payments")).isEqualTo("payments-key");
    assertThat(RecordPart.VALUE.subject("payments")).isEqualTo("payments-value");
  }
}
