package io.sluice.errors;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Builds the headers of a dead-letter record: the original headers, then headers that say which
 * stage failed, how, and where the record came from. The header names of the exception and the
 * source coordinates are those of Kafka Streams' own dead-letter queue (KIP-1034), so tools that
 * read one read the other.
 */
public final class DeadLetter {
  public static final String EXCEPTION = "__streams.errors.exception";
  public static final String MESSAGE = "__streams.errors.message";
  public static final String TOPIC = "__streams.errors.topic";
  public static final String PARTITION = "__streams.errors.partition";
  public static final String OFFSET = "__streams.errors.offset";
  public static final String STAGE = "sluice.errors.stage";
  public static final String REASON = "sluice.errors.reason";
  public static final String PIPELINE = "sluice.errors.pipeline";

  private static final int MAX_MESSAGE_CHARS = 2_000;

  private DeadLetter() {}

  /** Pipeline stage at which a record was rejected. */
  public enum Stage {
    DECODE,
    FEATURIZE,
    INFERENCE,
    POSTPROCESS;

    /** The header value: lower case. */
    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /**
   * The headers for a dead-letter copy of a record.
   *
   * @param original the source record's headers, kept first and unchanged
   * @param reason a short machine-readable reason code, e.g. {@code WRONG_MAGIC_BYTE}
   */
  public static Headers headers(
      Headers original,
      String pipeline,
      Stage stage,
      String reason,
      Throwable error,
      String topic,
      int partition,
      long offset) {
    RecordHeaders headers = new RecordHeaders(original.toArray());
    add(headers, PIPELINE, pipeline);
    add(headers, STAGE, stage.label());
    add(headers, REASON, reason);
    add(headers, EXCEPTION, error.getClass().getName());
    add(headers, MESSAGE, truncate(String.valueOf(error.getMessage())));
    add(headers, TOPIC, topic);
    add(headers, PARTITION, Integer.toString(partition));
    add(headers, OFFSET, Long.toString(offset));
    return headers;
  }

  /** The value of the last header with this name, as UTF-8 text, or null. */
  public static String header(Headers headers, String name) {
    var h = headers.lastHeader(name);
    return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  private static void add(RecordHeaders headers, String name, String value) {
    headers.add(name, value.getBytes(StandardCharsets.UTF_8));
  }

  private static String truncate(String s) {
    return s.length() <= MAX_MESSAGE_CHARS ? s : s.substring(0, MAX_MESSAGE_CHARS) + "...";
  }
}
