package io.sluice.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.schemas.CardTransaction;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the real Apicurio Registry built by registry-server and talks to its Confluent API. */
class EmbeddedRegistryIT {

  private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private static EmbeddedRegistry registry;

  @BeforeAll
  static void startRegistry() throws Exception {
    registry = EmbeddedRegistry.start();
  }

  @AfterAll
  static void stopRegistry() {
    if (registry != null) {
      registry.close();
    }
  }

  @Test
  void registersAnAvroSchemaAndServesItBackById() throws Exception {
    Schema schema = CardTransaction.getClassSchema();
    String body = JSON.createObjectNode().put("schema", schema.toString()).toString();

    HttpResponse<String> registered =
        send(post(registry.url() + "/subjects/card-transactions-value/versions", body));
    assertThat(registered.statusCode()).as(registered.body()).isEqualTo(200);
    int id = JSON.readTree(registered.body()).path("id").asInt(-1);
    assertThat(id).isPositive();

    HttpResponse<String> fetched = send(get(registry.url() + "/schemas/ids/" + id));
    assertThat(fetched.statusCode()).as(fetched.body()).isEqualTo(200);
    Schema served = new Schema.Parser().parse(JSON.readTree(fetched.body()).get("schema").asText());
    assertThat(served).isEqualTo(schema);
  }

  @Test
  void registeringTheSameSchemaAgainReturnsTheSameId() throws Exception {
    String body =
        JSON.createObjectNode()
            .put("schema", "{\"type\":\"record\",\"name\":\"Same\",\"fields\":[]}")
            .toString();
    String versions = registry.url() + "/subjects/same-value/versions";

    JsonNode first = JSON.readTree(send(post(versions, body)).body());
    JsonNode second = JSON.readTree(send(post(versions, body)).body());

    assertThat(second.path("id").asInt(-1)).isEqualTo(first.path("id").asInt(-2));
  }

  @Test
  void answersAnUnknownIdWithConfluentError40403() throws Exception {
    HttpResponse<String> response = send(get(registry.url() + "/schemas/ids/987654"));

    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(JSON.readTree(response.body()).path("error_code").asInt()).isEqualTo(40403);
  }

  @Test
  void closeStopsTheServerFreesThePortAndIsIdempotent() throws Exception {
    EmbeddedRegistry own = EmbeddedRegistry.start();
    int port = own.port();
    Path log = own.logFile();
    assertThat(send(get(own.url() + "/subjects")).statusCode()).isEqualTo(200);

    own.close();
    own.close();

    InetAddress loopback = InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
    try (ServerSocket socket = new ServerSocket(port, 1, loopback)) {
      assertThat(socket.getLocalPort()).isEqualTo(port);
    }
    assertThatThrownBy(own::url)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
    assertThat(log).as("the temporary work directory is deleted").doesNotExist();
  }

  @Test
  void keepsTheLogInAGivenWorkDirectory(@TempDir Path workDir) throws Exception {
    try (EmbeddedRegistry own =
        EmbeddedRegistry.start(
            EmbeddedRegistry.locateApp(), workDir, EmbeddedRegistry.DEFAULT_STARTUP_TIMEOUT)) {
      assertThat(own.logFile()).isEqualTo(workDir.resolve("registry.log"));
    }
    assertThat(Files.readString(workDir.resolve("registry.log"))).contains("Quarkus");
  }

  @Test
  void givesUpWithTheLogTailWhenTheRegistryIsNotReadyInTime(@TempDir Path workDir) {
    assertThatThrownBy(
            () -> EmbeddedRegistry.start(EmbeddedRegistry.locateApp(), workDir, Duration.ZERO))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("did not answer 200")
        .hasMessageContaining(workDir.resolve("registry.log").toString());
  }

  private static HttpRequest get(String url) {
    return HttpRequest.newBuilder(URI.create(url)).GET().build();
  }

  private static HttpRequest post(String url, String body) {
    return HttpRequest.newBuilder(URI.create(url))
        .header("Content-Type", CONTENT_TYPE)
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
  }

  private static HttpResponse<String> send(HttpRequest request)
      throws IOException, InterruptedException {
    return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
  }
}
