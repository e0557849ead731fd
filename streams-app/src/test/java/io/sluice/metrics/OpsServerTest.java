package io.sluice.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class OpsServerTest {
  private final HttpClient http = HttpClient.newHttpClient();
  private final AtomicReference<Health> health =
      new AtomicReference<>(new Health(true, false, "pipeline p STARTING"));

  private HttpResponse<String> send(int port, String method, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .method(method, HttpRequest.BodyPublishers.noBody())
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void answersEachProbeWithItsStatusAndTheDetail() throws Exception {
    try (OpsServer server = OpsServer.start("127.0.0.1", 0, () -> "sluice_up 1\n", health::get)) {
      int port = server.port();
      assertThat(send(port, "GET", "/health/live").statusCode()).isEqualTo(200);
      HttpResponse<String> notReady = send(port, "GET", "/health/ready");
      assertThat(notReady.statusCode()).isEqualTo(503);
      assertThat(notReady.body()).isEqualTo("NOT READY pipeline p STARTING\n");

      health.set(new Health(true, true, "pipeline p RUNNING"));
      assertThat(send(port, "GET", "/health/ready").body()).isEqualTo("READY pipeline p RUNNING\n");

      health.set(new Health(false, false, "pipeline p FAILED"));
      HttpResponse<String> dead = send(port, "GET", "/health/live");
      assertThat(dead.statusCode()).isEqualTo(503);
      assertThat(dead.body()).startsWith("DOWN");
    }
  }

  @Test
  void servesTheScrapeAsPrometheusTextAndRefusesOtherMethods() throws Exception {
    try (OpsServer server = OpsServer.start("127.0.0.1", 0, () -> "sluice_up 1\n", health::get)) {
      HttpResponse<String> metrics = send(server.port(), "GET", "/metrics");
      assertThat(metrics.statusCode()).isEqualTo(200);
      assertThat(metrics.body()).isEqualTo("sluice_up 1\n");
      assertThat(metrics.headers().firstValue("Content-Type").orElseThrow())
          .startsWith("text/plain; version=0.0.4");
      assertThat(send(server.port(), "POST", "/metrics").statusCode()).isEqualTo(405);
    }
  }
}
