package io.sluice.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP endpoint operators and orchestrators talk to: {@code GET /metrics} (Prometheus text
 * format), {@code GET /health/live} and {@code GET /health/ready} (200 when true, 503 when false,
 * with a one-line detail in the body).
 *
 * <p>Serves from one daemon thread of its own from {@link #start} until {@link #close}; the
 * suppliers are called on that thread and must be thread-safe.
 */
public final class OpsServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(OpsServer.class);
  private static final String TEXT = "text/plain; charset=utf-8";
  private static final String PROMETHEUS = "text/plain; version=0.0.4; charset=utf-8";

  private final HttpServer server;
  private final ExecutorService executor;

  private OpsServer(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /**
   * Binds and starts serving.
   *
   * @param port a TCP port, or 0 for any free one (see {@link #port()})
   * @throws UncheckedIOException naming the address if it cannot be bound
   */
  public static OpsServer start(
      String host, int port, Supplier<String> scrape, Supplier<Health> health) {
    HttpServer server;
    try {
      server = HttpServer.create(new InetSocketAddress(host, port), 16);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot serve metrics and health on " + host + ":" + port + ": " + e.getMessage(), e);
    }
    server.createContext("/metrics", ex -> respond(ex, 200, PROMETHEUS, scrape.get()));
    server.createContext(
        "/health/live",
        ex -> {
          Health h = health.get();
          respond(ex, h.live() ? 200 : 503, TEXT, (h.live() ? "UP " : "DOWN ") + h.detail());
        });
    server.createContext(
        "/health/ready",
        ex -> {
          Health h = health.get();
          respond(
              ex, h.ready() ? 200 : 503, TEXT, (h.ready() ? "READY " : "NOT READY ") + h.detail());
        });
    ExecutorService executor =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "sluice-ops-http");
              t.setDaemon(true);
              return t;
            });
    server.setExecutor(executor);
    server.start();
    OpsServer ops = new OpsServer(server, executor);
    LOG.info(
        "metrics and health on http://{}:{}/metrics, /health/live, /health/ready",
        host,
        ops.port());
    return ops;
  }

  /** The port it listens on (the one picked, when started with 0). */
  public int port() {
    return server.getAddress().getPort();
  }

  private static void respond(HttpExchange ex, int status, String type, String body)
      throws IOException {
    try (ex) {
      if (!"GET".equals(ex.getRequestMethod()) && !"HEAD".equals(ex.getRequestMethod())) {
        ex.sendResponseHeaders(405, -1);
        return;
      }
      byte[] bytes = (body.endsWith("\n") ? body : body + "\n").getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", type);
      boolean head = "HEAD".equals(ex.getRequestMethod());
      ex.sendResponseHeaders(status, head ? -1 : bytes.length);
      if (!head) {
        try (OutputStream out = ex.getResponseBody()) {
          out.write(bytes);
        }
      }
    }
  }

  /** Stops serving; requests in progress get up to a second to finish. */
  @Override
  public void close() {
    server.stop(1);
    executor.shutdownNow();
  }
}
