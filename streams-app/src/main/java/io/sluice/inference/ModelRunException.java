package io.sluice.inference;

/**
 * ONNX Runtime failed while running a batch, or gave an output that does not fit it; the cause,
 * when there is one, is the runtime's exception. The runner keeps no state from the failed call, so
 * the caller may retry any part of the batch (for example to bisect it and find the rows that
 * fail).
 */
public class ModelRunException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ModelRunException(String message) {
    super(message);
  }

  public ModelRunException(String message, Throwable cause) {
    super(message, cause);
  }
}
