package io.sluice.serde;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;
import org.apache.avro.SchemaParser;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link SchemaRegistryClient} over the Confluent Schema Registry REST API, as served by
 * Confluent Schema Registry, Apicurio Registry ({@code /apis/ccompat/v7}), Karapace and Redpanda.
 *
 * <p>Uses {@code POST /subjects/{subject}/versions} to register, {@code POST /subjects/{subject}}
 * to look up and {@code GET /schemas/ids/{id}} to fetch, and caches the answers (bounded by {@link
 * RegistrySettings#cacheCapacity()}), so a running application calls the registry once per schema.
 * I/O errors, HTTP 5xx and HTTP 429 are retried with exponential backoff and jitter, moving to the
 * next URL when several are configured; other HTTP 4xx answers are final.
 *
 * <p>Thread-safe; a call that misses the cache blocks its thread for the duration of the request
 * and its retries. {@link #close()} makes further calls fail; the JDK's HTTP client (Java 17) has
 * no close of its own and releases its threads once unreachable.
 */
public final class RestSchemaRegistryClient implements SchemaRegistryClient {
  private static final Logger log = LoggerFactory.getLogger(RestSchemaRegistryClient.class);

  /** The media type of the Schema Registry API, version 1. */
  static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";

  private static final String ACCEPT =
      CONTENT_TYPE + ", application/vnd.schemaregistry+json; q=0.9, application/json; q=0.5";
  private static final int MAX_BODY_IN_MESSAGE = 500;

  private final RegistrySettings settings;
  private final List<String> baseUrls;
  private final Optional<String> authorization;
  private final HttpClient http;
  private final ObjectMapper json = new ObjectMapper();
  private final Backoff backoff;
  private final BoundedCache<Integer, Schema> schemasById;
  private final BoundedCache<SubjectSchema, Integer> idsBySubjectSchema;
  private final AtomicBoolean closed = new AtomicBoolean();

  /**
   * A client for the registry that {@code settings} describe. Builds the TLS context, if any, but
   * makes no request.
   *
   * @throws IllegalArgumentException if a TLS store cannot be read
   */
  public RestSchemaRegistryClient(RegistrySettings settings) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.baseUrls =
        settings.urls().stream().map(RestSchemaRegistryClient::withoutTrailingSlash).toList();
    this.authorization =
        settings
            .basicAuth()
            .map(
                auth ->
                    "Basic "
                        + Base64.getEncoder()
                            .encodeToString(
                                (auth.user() + ":" + auth.password())
                                    .getBytes(StandardCharsets.UTF_8)));
    HttpClient.Builder builder =
        HttpClient.newBuilder()
            // Plain HTTP/1.1: an h2c upgrade attempt buys nothing here and some proxies mishandle
            // it.
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(settings.requestTimeout());
    settings.sslContext().ifPresent(builder::sslContext);
    this.http = builder.build();
    this.backoff = new Backoff(settings.initialBackoff(), settings.maxBackoff());
    this.schemasById = new BoundedCache<>(settings.cacheCapacity());
    this.idsBySubjectSchema = new BoundedCache<>(settings.cacheCapacity());
  }

  @Override
  public int register(String subject, Schema schema) {
    SubjectSchema key = key(subject, schema);
    Integer cached = idsBySubjectSchema.get(key);
    if (cached != null) {
      return cached;
    }
    Response response;
    try {
      response = send("POST", "/subjects/" + pathSegment(subject) + "/versions", body(schema));
    } catch (SchemaRegistryException e) {
      // Apicurio sometimes answers HTTP 500 (a unique-key violation in its store) to each of the
      // retries of a client that registered at the same moment as another.
      return registeredMeanwhile(subject, schema).orElseThrow(() -> e);
    }
    if (response.status() == 409) {
      // Either the schema is incompatible with the subject's, or another client registered it at
      // the same moment (Apicurio answers "artifact already exists" to the second of two
      // instances starting together): in the second case a lookup finds it.
      Response conflict = response;
      return registeredMeanwhile(subject, schema)
          .orElseThrow(
              () ->
                  conflict.failure(
                      "cannot register schema "
                          + schema.getFullName()
                          + " under subject '"
                          + subject
                          + "'"));
    }
    if (!response.isSuccess()) {
      throw response.failure(
          "cannot register schema " + schema.getFullName() + " under subject '" + subject + "'");
    }
    int id = response.id();
    remember(key, id);
    log.info("Registered schema {} under subject '{}' as id {}", schema.getFullName(), subject, id);
    return id;
  }

  /** The schema's id under the subject if another client registered it; empty if not found. */
  private Optional<Integer> registeredMeanwhile(String subject, Schema schema) {
    try {
      int id = lookup(subject, schema);
      log.info(
          "Schema {} under subject '{}' was registered by another client at the same time: id {}",
          schema.getFullName(),
          subject,
          id);
      return Optional.of(id);
    } catch (SchemaRegistryException e) {
      return Optional.empty();
    }
  }

  @Override
  public int lookup(String subject, Schema schema) {
    SubjectSchema key = key(subject, schema);
    Integer cached = idsBySubjectSchema.get(key);
    if (cached != null) {
      return cached;
    }
    Response response = send("POST", "/subjects/" + pathSegment(subject), body(schema));
    if (response.status() == 404) {
      throw new SchemaNotRegisteredException(
          subject, schema.getFullName(), response.describeStatus());
    }
    if (!response.isSuccess()) {
      throw response.failure(
          "cannot look up schema " + schema.getFullName() + " under subject '" + subject + "'");
    }
    int id = response.id();
    remember(key, id);
    log.debug("Found schema {} under subject '{}' as id {}", schema.getFullName(), subject, id);
    return id;
  }

  @Override
  public Schema schemaById(int id) {
    ensureOpen();
    if (id < 0) {
      throw new UnknownSchemaException(id, "schema ids are never negative");
    }
    Schema cached = schemasById.get(id);
    if (cached != null) {
      return cached;
    }
    Response response = send("GET", "/schemas/ids/" + id, null);
    if (response.status() == 404) {
      throw new UnknownSchemaException(id, response.describeStatus());
    }
    if (!response.isSuccess()) {
      throw response.failure("cannot fetch schema id " + id);
    }
    JsonNode node = response.json();
    JsonNode type = node.get("schemaType");
    if (type != null && !type.isNull() && !type.asText().equals("AVRO")) {
      throw new UnsupportedSchemaException(
          id,
          "it is a " + type.asText() + " schema at " + response.uri() + ", expected AVRO",
          null);
    }
    JsonNode text = node.get("schema");
    if (text == null || !text.isTextual()) {
      throw response.malformed("a 'schema' string");
    }
    Schema schema;
    try {
      schema = new SchemaParser().parse(text.asText()).mainSchema();
    } catch (SchemaParseException e) {
      JsonNode references = node.get("references");
      String hint =
          references != null && !references.isEmpty()
              ? " (it has schema references, which this client does not resolve)"
              : "";
      throw new UnsupportedSchemaException(
          id, "not valid Avro at " + response.uri() + hint + ": " + e.getMessage(), e);
    }
    schemasById.put(id, schema);
    log.debug("Fetched schema id {} ({}) from {}", id, schema.getFullName(), response.uri());
    return schema;
  }

  @Override
  public void close() {
    closed.set(true);
  }

  @Override
  public String toString() {
    return "RestSchemaRegistryClient" + baseUrls;
  }

  /** Whether a failed request with this HTTP status is worth repeating. */
  static boolean isRetriable(int status) {
    return status == 429 || status >= 500;
  }

  private SubjectSchema key(String subject, Schema schema) {
    ensureOpen();
    Objects.requireNonNull(schema, "schema");
    if (subject == null || subject.isBlank()) {
      throw new IllegalArgumentException("subject must not be blank, was '" + subject + "'");
    }
    return new SubjectSchema(subject, schema);
  }

  private void remember(SubjectSchema key, int id) {
    idsBySubjectSchema.put(key, id);
    schemasById.put(id, key.schema());
  }

  private void ensureOpen() {
    if (closed.get()) {
      throw new IllegalStateException(this + " is closed");
    }
  }

  private String body(Schema schema) {
    try {
      return json.writeValueAsString(json.createObjectNode().put("schema", schema.toString()));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write a JSON string", e);
    }
  }

  /**
   * Sends the request, retrying as the settings say, and returns the first answer that is final: a
   * success or an HTTP 4xx other than 429.
   */
  private Response send(String method, String path, String body) {
    for (int attempt = 0; ; attempt++) {
      URI uri = URI.create(baseUrls.get(attempt % baseUrls.size()) + path);
      String failure;
      IOException cause = null;
      try {
        HttpResponse<String> response =
            http.send(request(method, uri, body), HttpResponse.BodyHandlers.ofString());
        Response answer = new Response(method, uri, response.statusCode(), response.body());
        if (!isRetriable(answer.status())) {
          return answer;
        }
        failure = answer.describeStatus();
      } catch (IOException e) {
        failure = describe(e);
        cause = e;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new SchemaRegistryException("interrupted during " + method + " " + uri, e);
      }
      if (attempt >= settings.maxRetries()) {
        throw new SchemaRegistryException(
            "schema registry request "
                + method
                + " "
                + uri
                + " failed after "
                + (attempt + 1)
                + " attempt(s), last: "
                + failure,
            cause);
      }
      Duration delay = backoff.delay(attempt, ThreadLocalRandom.current().nextDouble());
      // DEBUG: the caller reports the failure once (a registry outage is one WARN, not one per
      // retry of every fetch); the exception thrown after the last retry says what failed.
      log.debug(
          "Schema registry request {} {} failed ({}); retry {} of {} in {} ms",
          method,
          uri,
          failure,
          attempt + 1,
          settings.maxRetries(),
          delay.toMillis());
      try {
        Thread.sleep(delay.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new SchemaRegistryException(
            "interrupted while waiting to retry " + method + " " + uri, e);
      }
    }
  }

  private HttpRequest request(String method, URI uri, String body) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri).timeout(settings.requestTimeout()).header("Accept", ACCEPT);
    authorization.ifPresent(value -> request.header("Authorization", value));
    if (body == null) {
      return request.method(method, HttpRequest.BodyPublishers.noBody()).build();
    }
    return request
        .header("Content-Type", CONTENT_TYPE)
        .method(method, HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
        .build();
  }

  /** E.g. "ConnectException caused by ClosedChannelException": the JDK's own are terse. */
  private static String describe(Throwable error) {
    StringBuilder text = new StringBuilder();
    String previous = null;
    for (Throwable e = error; e != null && e != e.getCause(); e = e.getCause()) {
      String name = e.getClass().getSimpleName();
      String part = e.getMessage() == null ? name : name + ": " + e.getMessage();
      if (!part.equals(previous)) {
        text.append(previous == null ? "" : " caused by ").append(part);
        previous = part;
      }
    }
    return text.toString();
  }

  private static String withoutTrailingSlash(URI url) {
    String text = url.toString();
    int end = text.length();
    while (end > 0 && text.charAt(end - 1) == '/') {
      end--;
    }
    return text.substring(0, end);
  }

  /** Percent-encodes a subject for use as one path segment ({@code URLEncoder} is for forms). */
  static String pathSegment(String subject) {
    return URLEncoder.encode(subject, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private record SubjectSchema(String subject, Schema schema) {}

  /** One final answer of the registry. */
  private final class Response {
    private final String method;
    private final URI uri;
    private final int status;
    private final String body;

    Response(String method, URI uri, int status, String body) {
      this.method = method;
      this.uri = uri;
      this.status = status;
      this.body = body == null ? "" : body;
    }

    int status() {
      return status;
    }

    URI uri() {
      return uri;
    }

    boolean isSuccess() {
      return status >= 200 && status < 300;
    }

    /** E.g. "POST http://r/subjects/s answered HTTP 404: Subject 's' not found. (error 40401)". */
    String describeStatus() {
      return method + " " + uri + " answered HTTP " + status + ": " + errorMessage();
    }

    SchemaRegistryException failure(String what) {
      return new SchemaRegistryException(what + ": " + describeStatus());
    }

    SchemaRegistryException malformed(String expected) {
      return new SchemaRegistryException(
          method
              + " "
              + uri
              + " answered HTTP "
              + status
              + " with "
              + snippet()
              + ", expected "
              + expected);
    }

    JsonNode json() {
      try {
        JsonNode node = json.readTree(body);
        if (node == null || !node.isObject()) {
          throw malformed("a JSON object");
        }
        return node;
      } catch (JsonProcessingException e) {
        throw malformed("a JSON object");
      }
    }

    /** The schema id of a register or lookup answer; extra fields are ignored. */
    int id() {
      JsonNode id = json().get("id");
      if (id == null || !id.isIntegralNumber() || !id.canConvertToInt()) {
        throw malformed("a JSON object with an integer 'id'");
      }
      return id.intValue();
    }

    /** The registry's {@code message} (and {@code error_code}) if the body has them. */
    private String errorMessage() {
      try {
        JsonNode node = json.readTree(body);
        if (node != null && node.hasNonNull("message")) {
          JsonNode code = node.get("error_code");
          return node.get("message").asText() + (code == null ? "" : " (error " + code + ")");
        }
      } catch (JsonProcessingException e) {
        // Not JSON (a proxy's HTML error page, say): show the text itself.
      }
      return snippet();
    }

    private String snippet() {
      if (body.isBlank()) {
        return "an empty body";
      }
      String text = body.strip();
      return text.length() <= MAX_BODY_IN_MESSAGE
          ? "'" + text + "'"
          : "'" + text.substring(0, MAX_BODY_IN_MESSAGE) + "...' (" + text.length() + " chars)";
    }
  }
}
