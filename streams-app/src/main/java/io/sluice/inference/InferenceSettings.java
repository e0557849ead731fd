package io.sluice.inference;

/**
 * How {@link ModelRunner} creates ONNX Runtime sessions: execution provider, CUDA device, thread
 * pools and whether a descriptor's golden input is checked at load.
 *
 * <p>On a small CPU the best layout is several stream threads sharing one session with one intra-op
 * thread each: the parallelism comes from the callers, not from inside ONNX Runtime.
 *
 * @param provider the execution provider requested ({@link ExecutionProvider#AUTO} falls back to
 *     the CPU)
 * @param cudaDeviceId the CUDA device ordinal, used only when CUDA is tried
 * @param intraOpThreads threads ONNX Runtime uses inside one operator, at least 1
 * @param interOpThreads threads ONNX Runtime uses across operators, at least 1
 * @param verifyGolden whether to run the descriptor's golden inputs at load and compare outputs
 */
public record InferenceSettings(
    ExecutionProvider provider,
    int cudaDeviceId,
    int intraOpThreads,
    int interOpThreads,
    boolean verifyGolden) {

  /** Validates the settings; messages name the field and the bad value. */
  public InferenceSettings {
    if (provider == null) {
      throw new IllegalArgumentException("provider must not be null");
    }
    if (cudaDeviceId < 0) {
      throw new IllegalArgumentException("cudaDeviceId must be >= 0, found " + cudaDeviceId);
    }
    if (intraOpThreads < 1) {
      throw new IllegalArgumentException("intraOpThreads must be >= 1, found " + intraOpThreads);
    }
    if (interOpThreads < 1) {
      throw new IllegalArgumentException("interOpThreads must be >= 1, found " + interOpThreads);
    }
  }

  /** Auto provider, device 0, one intra-op and one inter-op thread, golden input verified. */
  public static InferenceSettings defaults() {
    return new InferenceSettings(ExecutionProvider.AUTO, 0, 1, 1, true);
  }

  /** These settings with another execution provider. */
  public InferenceSettings withProvider(ExecutionProvider newProvider) {
    return new InferenceSettings(
        newProvider, cudaDeviceId, intraOpThreads, interOpThreads, verifyGolden);
  }
}
