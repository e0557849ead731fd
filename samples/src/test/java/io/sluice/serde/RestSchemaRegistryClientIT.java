package io.sluice.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.embedded.EmbeddedRegistry;
import io.sluice.schemas.CardTransaction;
import io.sluice.serde.AvroDecodeException.Reason;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The REST client and the serdes against a real schema registry: Apicurio Registry's Confluent
 * compatible API, run as a child JVM by {@link EmbeddedRegistry}.
 */
class RestSchemaRegistryClientIT {
  private static EmbeddedRegistry registry;

  @BeforeAll
  static void startRegistry() throws IOException, InterruptedException {
    registry = EmbeddedRegistry.start();
  }

  @AfterAll
  static void stopRegistry() {
    if (registry != null) {
      registry.close();
    }
  }

  @Test
  void registersLooksUpAndFetchesSchemas() {
    Schema schema = CardTransaction.getClassSchema();
    String subject = uniqueTopic() + "-value";
    try (RestSchemaRegistryClient first = client(registry.url());
        RestSchemaRegistryClient second = client(registry.url() + "/")) {
      int id = first.register(subject, schema);

      assertThat(id).isPositive();
      assertThat(second.lookup(subject, schema)).isEqualTo(id);
      assertThat(second.register(subject, schema)).isEqualTo(id);
      assertThat(second.schemaById(id)).isEqualTo(schema);
    }
  }

  @Test
  void instancesRegisteringTheSameNewSchemaAtOnceAllGetItsId() throws Exception {
    // Instances of one application starting together register their output schemas together.
    Schema schema = CardTransaction.getClassSchema();
    int clients = 8;
    for (int round = 0; round < 5; round++) {
      String subject = uniqueTopic() + "-value";
      ExecutorService pool = Executors.newFixedThreadPool(clients);
      CountDownLatch start = new CountDownLatch(1);
      List<Future<Integer>> ids = new ArrayList<>();
      try {
        for (int i = 0; i < clients; i++) {
          ids.add(
              pool.submit(
                  () -> {
                    try (RestSchemaRegistryClient c = client(registry.url())) {
                      start.await();
                      return c.register(subject, schema);
                    }
                  }));
        }
        start.countDown();
        Set<Integer> distinct = new HashSet<>();
        for (Future<Integer> id : ids) {
          distinct.add(id.get(60, TimeUnit.SECONDS));
        }
        assertThat(distinct).hasSize(1);
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void rejectsUnknownIdsAsUnknownSchemas() {
    try (RestSchemaRegistryClient client = client(registry.url())) {
      assertThatThrownBy(() -> client.schemaById(987_654_321))
          .isInstanceOfSatisfying(
              UnknownSchemaException.class, e -> assertThat(e.schemaId()).isEqualTo(987_654_321))
          .hasMessageStartingWith("unknown schema id 987654321: GET " + registry.url())
          .hasMessageContaining("answered HTTP 404");
    }
  }

  @Test
  void saysWhenALookedUpSchemaIsNotRegistered() {
    String subject = uniqueTopic() + "-value";
    try (RestSchemaRegistryClient client = client(registry.url())) {
      assertThatThrownBy(() -> client.lookup(subject, CardTransaction.getClassSchema()))
          .isInstanceOfSatisfying(
              SchemaNotRegisteredException.class, e -> assertThat(e.subject()).isEqualTo(subject))
          .hasMessageContaining("answered HTTP 404");

      client.register(subject, CardTransaction.getClassSchema());
      Schema other = SchemaBuilder.record("Other").fields().requiredInt("n").endRecord();

      assertThatThrownBy(() -> client.lookup(subject, other))
          .isInstanceOf(SchemaNotRegisteredException.class)
          .hasMessageStartingWith("schema Other is not registered under subject '" + subject + "'");
    }
  }

  @Test
  void roundTripsTransactionsAndAColdClientDecodesWhatAnotherWrote() {
    String topic = uniqueTopic();
    CardTransaction transaction = Fixtures.transaction("t-1", 1);
    try (RestSchemaRegistryClient writerClient = client(registry.url());
        RestSchemaRegistryClient readerClient = client(registry.url())) {
      SpecificAvroSerde<CardTransaction> writing =
          new SpecificAvroSerde<>(writerClient, CardTransaction.class, RecordPart.VALUE, true);
      SpecificAvroSerde<CardTransaction> reading =
          new SpecificAvroSerde<>(readerClient, CardTransaction.class, RecordPart.VALUE, false);

      byte[] bytes = writing.serializer().serialize(topic, transaction);

      assertThat(writing.deserializer().deserialize(topic, bytes)).isEqualTo(transaction);
      assertThat(reading.deserializer().deserialize(topic, bytes)).isEqualTo(transaction);
      assertThat(reading.serializer().serialize(topic, transaction)).isEqualTo(bytes);
      GenericRecord generic = AvroRecordDecoder.generic(readerClient).decode(bytes);
      assertThat(generic.get("id")).hasToString("t-1");
    }
  }

  @Test
  void decodesRecordsOfAnEarlierVersionOfTheSubject() {
    Schema v1 =
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
    String topic = uniqueTopic();
    try (RestSchemaRegistryClient writerClient = client(registry.url());
        RestSchemaRegistryClient readerClient = client(registry.url())) {
      int v1Id = writerClient.register(topic + "-value", v1);
      int v2Id = writerClient.register(topic + "-value", CardTransaction.getClassSchema());
      GenericRecord old = new GenericData.Record(v1);
      old.put("id", "t-old");
      old.put("cardId", "card-1");
      old.put("eventTime", 1_700_000_000_000L);
      old.put("amount", 3.5);
      old.put("features", Collections.nCopies(28, 0.25));

      CardTransaction read =
          AvroRecordDecoder.specific(readerClient, CardTransaction.class)
              .decode(WireFormat.encode(v1Id, old, new GenericDatumWriter<>(v1)));

      assertThat(v2Id).isNotEqualTo(v1Id);
      assertThat(read.getId()).isEqualTo("t-old");
      assertThat(read.getLabel()).isNull();
    }
  }

  @Test
  void tellsPoisonPillsFromRegistryFailuresWhenDecoding() throws Exception {
    int jsonSchemaId = registerJsonSchema(uniqueTopic() + "-value");
    try (RestSchemaRegistryClient client = client(registry.url())) {
      AvroRecordDecoder<CardTransaction> decoder =
          AvroRecordDecoder.specific(client, CardTransaction.class);

      assertThatThrownBy(
              () -> decoder.decode(Fixtures.encoded(987_654_321, Fixtures.transaction("t", 1))))
          .isInstanceOfSatisfying(
              AvroDecodeException.class,
              e -> assertThat(e.reason()).isEqualTo(Reason.UNKNOWN_SCHEMA_ID));
      assertThatThrownBy(
              () -> decoder.decode(Fixtures.encoded(jsonSchemaId, Fixtures.transaction("t", 1))))
          .isInstanceOfSatisfying(
              AvroDecodeException.class,
              e -> assertThat(e.reason()).isEqualTo(Reason.INCOMPATIBLE_SCHEMA))
          .hasMessageContaining("JSON schema");
    }
  }

  @Test
  void reportsTheRegistrysOwnReasonWhenItRefusesASchema() throws Exception {
    String subject = uniqueTopic() + "-value";
    Schema v1 = SchemaBuilder.record("Counter").fields().requiredInt("n").endRecord();
    Schema incompatible = SchemaBuilder.record("Counter").fields().requiredString("n").endRecord();
    try (RestSchemaRegistryClient client = client(registry.url())) {
      client.register(subject, v1);
      put("/config/" + subject, "{\"compatibility\":\"BACKWARD\"}");

      assertThatThrownBy(() -> client.register(subject, incompatible))
          .isExactlyInstanceOf(SchemaRegistryException.class)
          .hasMessageStartingWith(
              "cannot register schema Counter under subject '"
                  + subject
                  + "': POST "
                  + registry.url()
                  + "/subjects/"
                  + subject
                  + "/versions answered HTTP 409: ")
          // The registry's own explanation, from its error body.
          .hasMessageContaining("STRING not compatible with writer type: INT");
    }
  }

  private static void put(String path, String body) throws IOException, InterruptedException {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(registry.url() + path))
                    .header("Content-Type", RestSchemaRegistryClient.CONTENT_TYPE)
                    .PUT(HttpRequest.BodyPublishers.ofString(body))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
  }

  /** Registers a JSON Schema (which our client never does) straight through the REST API. */
  private static int registerJsonSchema(String subject) throws IOException, InterruptedException {
    String body =
        "{\"schemaType\":\"JSON\",\"schema\":\"{\\\"type\\\":\\\"object\\\",\\\"properties\\\":"
            + "{\\\"n\\\":{\\\"type\\\":\\\"integer\\\"}}}\"}";
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create(registry.url() + "/subjects/" + subject + "/versions"))
                    .header("Content-Type", RestSchemaRegistryClient.CONTENT_TYPE)
                    .POST(HttpRequest.BodyPublishers.ofString(body))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return new ObjectMapper().readTree(response.body()).get("id").intValue();
  }

  private static RestSchemaRegistryClient client(String url) {
    return new RestSchemaRegistryClient(RegistrySettings.of(url));
  }

  private static String uniqueTopic() {
    return "it-" + UUID.randomUUID();
  }
}
