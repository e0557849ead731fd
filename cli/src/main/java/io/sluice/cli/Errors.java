package io.sluice.cli;

import org.apache.kafka.common.config.ConfigException;

/** Turns an exception that stops the program into one line a user can act on. */
final class Errors {
  private Errors() {}

  static String describe(Throwable e) {
    if (e instanceof ConfigException) {
      return "bad configuration: " + e.getMessage();
    }
    StringBuilder sb = new StringBuilder(String.valueOf(e.getMessage()));
    for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
      sb.append("\n  caused by ").append(c.getClass().getSimpleName()).append(": ");
      sb.append(c.getMessage());
    }
    return sb.toString();
  }
}
