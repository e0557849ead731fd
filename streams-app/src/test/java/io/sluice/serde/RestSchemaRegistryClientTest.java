package io.sluice.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.schemas.CardTransaction;
import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * What the REST client does without a registry to talk to: retry policy, URL handling, closing. Its
 * conversation with a real registry is in {@code RestSchemaRegistryClientIT}.
 */
class RestSchemaRegistryClientTest {

  @Test
  void retriesServerErrorsAndThrottlingButNotOtherClientErrors() {
    assertThat(RestSchemaRegistryClient.isRetriable(500)).isTrue();
    assertThat(RestSchemaRegistryClient.isRetriable(502)).isTrue();
    assertThat(RestSchemaRegistryClient.isRetriable(503)).isTrue();
    assertThat(RestSchemaRegistryClient.isRetriable(429)).isTrue();
    for (int status : new int[] {200, 400, 401, 403, 404, 409, 415, 422}) {
      assertThat(RestSchemaRegistryClient.isRetriable(status)).as("HTTP %d", status).isFalse();
    }
  }

  @Test
  void givesUpAfterMaxRetriesNamingTheUrlAndTheLastError() throws IOException {
    int port = Fixtures.closedPort();
    RegistrySettings settings =
        RegistrySettings.of("http://127.0.0.1:" + port + "/apis/ccompat/v7/")
            .withRetries(Duration.ofSeconds(2), 2, Duration.ofMillis(40), Duration.ofSeconds(1));

    long start = System.nanoTime();
    try (RestSchemaRegistryClient client = new RestSchemaRegistryClient(settings)) {
      assertThatThrownBy(() -> client.schemaById(42))
          .isExactlyInstanceOf(SchemaRegistryException.class)
          .hasMessageStartingWith(
              "schema registry request GET http://127.0.0.1:"
                  + port
                  + "/apis/ccompat/v7/schemas/ids/42 failed after 3 attempt(s), last: ")
          .hasMessageContaining("ConnectException")
          .hasCauseInstanceOf(ConnectException.class);
    }
    // Two retries: at least half of 40 ms, then half of 80 ms.
    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .isGreaterThanOrEqualTo(Duration.ofMillis(60));
  }

  @Test
  void answersNegativeIdsWithoutAskingTheRegistry() throws IOException {
    RegistrySettings settings =
        RegistrySettings.of("http://127.0.0.1:" + Fixtures.closedPort())
            .withRetries(Duration.ofSeconds(1), 0, Duration.ofMillis(1), Duration.ofMillis(1));
    try (RestSchemaRegistryClient client = new RestSchemaRegistryClient(settings)) {
      assertThatThrownBy(() -> client.schemaById(-1))
          .isInstanceOfSatisfying(
              UnknownSchemaException.class, e -> assertThat(e.schemaId()).isEqualTo(-1));
    }
  }

  @Test
  void encodesSubjectsAsOnePathSegment() {
    assertThat(RestSchemaRegistryClient.pathSegment("transactions-value"))
        .isEqualTo("transactions-value");
    assertThat(RestSchemaRegistryClient.pathSegment("a b/c+d")).isEqualTo("a%20b%2Fc%2Bd");
  }

  @Test
  void failsFastAfterClose() {
    RestSchemaRegistryClient client =
        new RestSchemaRegistryClient(RegistrySettings.of("http://127.0.0.1:1"));
    client.close();

    assertThatThrownBy(() -> client.register("s-value", CardTransaction.getClassSchema()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("RestSchemaRegistryClient[http://127.0.0.1:1] is closed");
    assertThatThrownBy(() -> client.schemaById(1)).isInstanceOf(IllegalStateException.class);
  }
}
