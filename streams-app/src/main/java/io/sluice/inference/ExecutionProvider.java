package io.sluice.inference;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Where ONNX Runtime executes a model: the choice read from configuration ({@link #AUTO}, {@link
 * #CPU}, {@link #CUDA}) and, for a loaded model, the provider actually in use ({@link #CPU} or
 * {@link #CUDA}, never {@link #AUTO}).
 */
public enum ExecutionProvider {
  /** CUDA when its libraries load and a session can be created on the device, else the CPU. */
  AUTO,
  /** The CPU only. */
  CPU,
  /** CUDA only; loading a model fails when CUDA is not available. */
  CUDA;

  /**
   * Parses a configuration value case-insensitively ({@code "auto"}, {@code "cpu"}, {@code
   * "cuda"}).
   *
   * @throws IllegalArgumentException naming the value and the accepted values
   */
  public static ExecutionProvider parse(String value) {
    if (value != null) {
      String normalized = value.trim().toUpperCase(Locale.ROOT);
      for (ExecutionProvider provider : values()) {
        if (provider.name().equals(normalized)) {
          return provider;
        }
      }
    }
    throw new IllegalArgumentException(
        "unknown execution provider '" + value + "', expected one of " + acceptedValues());
  }

  /** The lower-case name used in configuration, e.g. {@code "cpu"}. */
  public String configName() {
    return name().toLowerCase(Locale.ROOT);
  }

  private static String acceptedValues() {
    return Arrays.stream(values())
        .map(ExecutionProvider::configName)
        .collect(Collectors.joining(", ", "[", "]"));
  }
}
