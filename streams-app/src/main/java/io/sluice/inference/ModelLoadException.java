package io.sluice.inference;

/**
 * A model version could not be loaded: bad descriptor, missing or altered file, a signature that
 * disagrees with the descriptor, a golden output that does not match, or an execution provider that
 * is not available. Nothing of the failed load stays open.
 */
public class ModelLoadException extends Exception {
  private static final long serialVersionUID = 1L;

  public ModelLoadException(String message) {
    super(message);
  }

  public ModelLoadException(String message, Throwable cause) {
    super(message, cause);
  }
}
