package io.sluice.errors;

/**
 * A record that cannot be processed because of what it contains: it goes to the dead-letter topic
 * and processing continues. Never thrown for failures that are not the record's fault.
 */
public class RejectedRecordException extends Exception {
  private static final long serialVersionUID = 1L;

  private final DeadLetter.Stage stage;
  private final String reason;

  public RejectedRecordException(DeadLetter.Stage stage, String reason, String message) {
    super(message);
    this.stage = stage;
    this.reason = reason;
  }

  public RejectedRecordException(
      DeadLetter.Stage stage, String reason, String message, Throwable cause) {
    super(message, cause);
    this.stage = stage;
    this.reason = reason;
  }

  public DeadLetter.Stage stage() {
    return stage;
  }

  /** Short machine-readable reason code, e.g. {@code WRONG_FEATURE_COUNT}. */
  public String reason() {
    return reason;
  }
}
