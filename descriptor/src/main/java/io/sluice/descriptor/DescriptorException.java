package io.sluice.descriptor;

import java.io.IOException;

/**
 * A model descriptor could not be read: the file is missing or unreadable, is not JSON, or a field
 * is missing or invalid. The message names the descriptor file and the field, and says what was
 * expected and what was found.
 */
public class DescriptorException extends IOException {
  private static final long serialVersionUID = 1L;

  public DescriptorException(String message) {
    super(message);
  }

  public DescriptorException(String message, Throwable cause) {
    super(message, cause);
  }
}
