package io.sluice.inference;

/**
 * A model version could not be loaded: bad descriptor, missing or altered file, a signature that
 * disagrees with the descriptor, a golden output that does not match, or an execution provider that
 * is not available. Nothing of the failed load stays open. {@link #check()} names the check that
 * failed, as the refusal of a version reports it.
 */
public class ModelLoadException extends Exception {
  private static final long serialVersionUID = 1L;

  /** The check a version failed; its {@link #label()} is what logs and status records say. */
  public enum Check {
    DESCRIPTOR("descriptor"),
    FILE("file"),
    SHA256("sha256"),
    SESSION("session"),
    SIGNATURE("signature"),
    GOLDEN("golden"),
    WARMUP("warm-up"),
    PROVIDER("provider");

    private final String label;

    Check(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }
  }

  private final Check check;

  public ModelLoadException(String message) {
    this(Check.SESSION, message);
  }

  public ModelLoadException(String message, Throwable cause) {
    this(Check.SESSION, message, cause);
  }

  public ModelLoadException(Check check, String message) {
    super(message);
    this.check = check;
  }

  public ModelLoadException(Check check, String message, Throwable cause) {
    super(message, cause);
    this.check = check;
  }

  /** The check that failed. */
  public Check check() {
    return check;
  }
}
