/**
 * Running ONNX models: load a model version from its descriptor, check it, and run it on batches.
 *
 * <p>The contract, for the batching layer and everything above it:
 *
 * <ul>
 *   <li>{@link io.sluice.inference.ModelLoader#load} reads a {@link
 *       io.sluice.descriptor.ModelDescriptor} (JSON, module {@code sluice-descriptor}), checks the
 *       model file's SHA-256, the session's input and output names, element types and shapes
 *       against the descriptor, and the golden input when there is one. A bad version fails with
 *       {@link io.sluice.inference.ModelLoadException} and leaves nothing open, so a caller can
 *       keep serving the old version. A {@link io.sluice.inference.ModelHandle} holds the version
 *       serving now; a swap replaces it at a batch boundary.
 *   <li>One {@link io.sluice.inference.ModelRunner} is one model version with one ONNX Runtime
 *       session, shared by all stream threads: {@code run} is safe to call concurrently. All
 *       runners share ONNX Runtime's process-wide environment.
 *   <li>{@code run(rows)} takes flattened float rows and returns the first declared output per row.
 *       A model with a dynamic batch dimension gets one ONNX Runtime call per batch; a model whose
 *       batch is fixed at 1 is run row by row. A malformed row fails with {@link
 *       IllegalArgumentException} naming its index before anything runs; a failure inside ONNX
 *       Runtime is a {@link io.sluice.inference.ModelRunException}. No state is kept between calls,
 *       so a failing batch can be bisected by running its halves. Float rows need a model with one
 *       FLOAT input; another model loads all the same and refuses float rows, saying why.
 *   <li>{@code run(Map<String, Tensor>)} runs any model whose inputs and outputs are FLOAT or INT64
 *       tensors (several inputs, integer ids, several outputs): named {@link
 *       io.sluice.inference.Tensor}s in, every declared output out, each input checked against the
 *       descriptor's type and shape first.
 *   <li>The execution provider is {@code cpu}, {@code cuda} (fails to load when CUDA is
 *       unavailable) or {@code auto} (CUDA when it works, else the CPU, logged); {@link
 *       io.sluice.inference.ModelRunner#activeProvider} says which one runs.
 *   <li>Runners are {@link AutoCloseable}; closing waits for runs in progress and frees the native
 *       session, and a run after close throws {@link IllegalStateException}.
 * </ul>
 *
 * <p>This package depends on ONNX Runtime and {@code io.sluice.descriptor} only: no Kafka, no Avro.
 */
package io.sluice.inference;
