package io.sluice.inference;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.sluice.descriptor.ModelDescriptor;
import io.sluice.descriptor.ModelDescriptor.TensorSpec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One loaded, checked model version ({@link ModelLoader#load} makes them), run on batches: of
 * flattened float rows ({@link #run(List)}, for tabular and image models) or of named tensors
 * ({@link #run(Map)}, for any model whose inputs and outputs are FLOAT or INT64 tensors).
 *
 * <p>Thread safety: both {@code run} methods may be called concurrently from any number of threads;
 * they share one ONNX Runtime session. {@link #close} waits for runs in progress, then frees the
 * session; later calls throw {@link IllegalStateException}. All runners share ONNX Runtime's
 * process-wide environment, which is never closed.
 *
 * <p>Float rows need a model with exactly one input, of element type FLOAT, whose first dimension
 * is the batch: dynamic (-1; one ONNX Runtime call per batch) or fixed at 1 (one call per row,
 * looped here), and whose other dimensions are fixed; the first output the descriptor declares must
 * be FLOAT with the batch as its first dimension, and only it is computed. A model that does not
 * fit loads all the same, and {@link #run(List)} refuses it saying why. Named tensors go to the
 * session as given and every declared output comes back.
 */
public final class ModelRunner implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ModelRunner.class);

  /**
   * Input tensor memory per thread, shared by all runners and grown on demand: building a tensor
   * from Java arrays costs more than a small model's inference, and a direct buffer in native order
   * is handed to ONNX Runtime without a copy.
   */
  private static final ThreadLocal<ByteBuffer> inputBuffers = new ThreadLocal<>();

  /** The largest direct buffer Java can allocate, rounded down to whole longs. */
  private static final long MAX_INPUT_BYTES = (Integer.MAX_VALUE - 8) & ~7L;

  private static final ByteOrder NATIVE = ByteOrder.nativeOrder();

  private final ModelDescriptor descriptor;
  private final OrtEnvironment env;
  private final OrtSession session;
  private final ExecutionProvider activeProvider;
  private final Set<String> declaredOutputs;
  // The float-row view; null (and notTabular says why) when the model does not fit it.
  private final String notTabular;
  private final String inputName;
  private final String outputName;
  private final Set<String> requestedOutputs;
  private final long[] rowShape;
  private final int rowLength;
  private final boolean oneRowPerCall;
  private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
  private boolean closed; // guarded by lifecycle

  /**
   * Wraps a session that {@link ModelLoader} opened and checked against the descriptor; the runner
   * owns it from now on.
   *
   * @param tabularShape the (only) input's shape when the model takes float rows, else null
   * @param notTabular why the model does not take float rows, or null when it does
   */
  ModelRunner(
      ModelDescriptor descriptor,
      OrtEnvironment env,
      OrtSession session,
      ExecutionProvider activeProvider,
      long[] tabularShape,
      String notTabular) {
    this.descriptor = descriptor;
    this.env = env;
    this.session = session;
    this.activeProvider = activeProvider;
    Set<String> outputs = new LinkedHashSet<>();
    descriptor.outputs().forEach(spec -> outputs.add(spec.name()));
    this.declaredOutputs = Collections.unmodifiableSet(outputs);
    this.notTabular = notTabular;
    long[] inputShape = tabularShape;
    if (inputShape == null) {
      this.inputName = null;
      this.outputName = null;
      this.requestedOutputs = Set.of();
      this.rowShape = new long[0];
      this.rowLength = 0;
      this.oneRowPerCall = false;
    } else {
      this.inputName = descriptor.inputs().get(0).name();
      this.outputName = descriptor.outputs().get(0).name();
      this.requestedOutputs = Set.of(outputName);
      this.rowShape = Arrays.copyOfRange(inputShape, 1, inputShape.length);
      this.rowLength = Math.toIntExact(product(rowShape));
      this.oneRowPerCall = inputShape[0] == 1;
    }
  }

  /**
   * Runs the model on a batch and returns the first declared output, one flattened row per input
   * row, in input order. Each row must hold exactly {@link #inputRowLength()} values (the input's
   * non-batch dimensions, flattened in row-major order). Nothing is kept between calls: any
   * sub-list of a batch can be run again on its own.
   *
   * @throws IllegalArgumentException when a row is null or has the wrong length, naming its index
   * @throws ModelRunException when ONNX Runtime fails; the cause is its exception
   * @throws IllegalStateException after {@link #close}, or if the model does not take float rows
   */
  public float[][] run(List<float[]> rows) {
    lifecycle.readLock().lock();
    try {
      checkOpen();
      requireTabular();
      checkRows(rows);
      if (rows.isEmpty()) {
        return new float[0][];
      }
      if (!oneRowPerCall) {
        return runBatch(rows);
      }
      float[][] outputs = new float[rows.size()][];
      int i = 0;
      for (float[] row : rows) {
        outputs[i++] = runBatch(List.of(row))[0];
      }
      return outputs;
    } finally {
      lifecycle.readLock().unlock();
    }
  }

  /** The descriptor this model version was loaded from. */
  public ModelDescriptor descriptor() {
    return descriptor;
  }

  /** The model name, as in the descriptor. */
  public String name() {
    return descriptor.name();
  }

  /** The model version, as in the descriptor. */
  public String version() {
    return descriptor.version();
  }

  /**
   * The provider the session runs on: {@link ExecutionProvider#CPU} or {@link
   * ExecutionProvider#CUDA}.
   */
  public ExecutionProvider activeProvider() {
    return activeProvider;
  }

  /**
   * The number of floats in one input row: the product of the input's non-batch dimensions.
   *
   * @throws IllegalStateException if the model does not take float rows
   */
  public int inputRowLength() {
    requireTabular();
    return rowLength;
  }

  /** Whether {@link #run(List)} can run this model: one FLOAT input with a batch dimension. */
  public boolean takesFloatRows() {
    return notTabular == null;
  }

  /**
   * Runs the model once on named input tensors and returns every declared output, by name in
   * declaration order. Each input the descriptor declares must be given, with its declared element
   * type ({@link Tensor#FLOAT} or {@link Tensor#INT64}), its rank, and its fixed dimensions;
   * dynamic ones (-1) may be any size. Nothing is kept between calls.
   *
   * @throws IllegalArgumentException naming the tensor, when an input is missing, unknown, or of
   *     the wrong type or shape
   * @throws ModelRunException when ONNX Runtime fails, or an output is not FLOAT or INT64
   * @throws IllegalStateException after {@link #close}
   */
  public Map<String, Tensor> run(Map<String, Tensor> inputs) {
    lifecycle.readLock().lock();
    try {
      checkOpen();
      checkInputs(inputs);
      Map<String, OnnxTensor> feed = new LinkedHashMap<>();
      try {
        long bytes = 0;
        for (TensorSpec spec : descriptor.inputs()) {
          bytes += aligned(inputs.get(spec.name()));
        }
        // The inputs side by side in this thread's buffer: ONNX Runtime reads a direct buffer in
        // place, where it would copy a Java array into a direct buffer allocated for the call.
        ByteBuffer memory = inputBytes(bytes);
        int at = 0;
        for (TensorSpec spec : descriptor.inputs()) {
          Tensor t = inputs.get(spec.name());
          feed.put(spec.name(), toOnnx(t, memory, at));
          at += (int) aligned(t);
        }
        try (OrtSession.Result result = session.run(feed, declaredOutputs)) {
          Map<String, Tensor> outputs = new LinkedHashMap<>();
          for (String name : declaredOutputs) {
            outputs.put(name, fromOnnx(name, result.get(name).orElseThrow()));
          }
          return outputs;
        }
      } catch (OrtException e) {
        throw new ModelRunException(
            "model " + descriptor.id() + " failed on inputs " + inputs + ": " + e.getMessage(), e);
      } finally {
        feed.values().forEach(OnnxTensor::close);
      }
    } finally {
      lifecycle.readLock().unlock();
    }
  }

  /** Waits for runs in progress, then frees the session. Idempotent. */
  @Override
  public void close() {
    lifecycle.writeLock().lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      session.close();
      log.info("Closed model {}", descriptor.id());
    } catch (OrtException e) {
      log.warn("Closing model {} failed: {}", descriptor.id(), e.getMessage());
    } finally {
      lifecycle.writeLock().unlock();
    }
  }

  @Override
  public String toString() {
    return "ModelRunner[" + descriptor.id() + " on " + activeProvider + "]";
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("model runner " + descriptor.id() + " is closed");
    }
  }

  private void requireTabular() {
    if (notTabular != null) {
      throw new IllegalStateException(
          "model " + descriptor.id() + " cannot be run on float rows: " + notTabular);
    }
  }

  private void checkInputs(Map<String, Tensor> inputs) {
    List<String> declared = descriptor.inputs().stream().map(TensorSpec::name).toList();
    for (String name : inputs.keySet()) {
      if (!declared.contains(name)) {
        throw new IllegalArgumentException(
            "model " + descriptor.id() + ": unknown input '" + name + "', expected " + declared);
      }
    }
    for (TensorSpec spec : descriptor.inputs()) {
      Tensor t = inputs.get(spec.name());
      if (t == null) {
        throw new IllegalArgumentException(
            "model "
                + descriptor.id()
                + ": input '"
                + spec.name()
                + "' is missing, expected "
                + declared);
      }
      boolean fits = t.type().equals(spec.type()) && t.rank() == spec.shape().size();
      for (int d = 0; fits && d < t.rank(); d++) {
        long want = spec.shape().get(d);
        fits = want == -1 || want == t.dim(d);
      }
      if (!fits) {
        throw new IllegalArgumentException(
            tensor(descriptor.id(), "input", spec)
                + " takes "
                + spec.type()
                + spec.shape()
                + ", found "
                + t);
      }
    }
  }

  /** The tensor's values copied into {@code memory} from byte {@code at}, as an ONNX tensor. */
  private OnnxTensor toOnnx(Tensor t, ByteBuffer memory, int at) throws OrtException {
    ByteBuffer slice =
        memory.duplicate().position(at).limit(at + (int) aligned(t)).slice().order(NATIVE);
    if (t.type().equals(Tensor.FLOAT)) {
      FloatBuffer values = slice.asFloatBuffer().put(t.floats()).flip();
      return OnnxTensor.createTensor(env, values, t.shape());
    }
    LongBuffer values = slice.asLongBuffer().put(t.longs()).flip();
    return OnnxTensor.createTensor(env, values, t.shape());
  }

  /** The bytes of a tensor's values, rounded up to whole longs so that the next one is aligned. */
  private static long aligned(Tensor t) {
    long bytes =
        t.type().equals(Tensor.FLOAT)
            ? (long) t.floats().length * Float.BYTES
            : (long) t.longs().length * Long.BYTES;
    return (bytes + Long.BYTES - 1) & ~(Long.BYTES - 1L);
  }

  private Tensor fromOnnx(String name, ai.onnxruntime.OnnxValue value) {
    if (value instanceof OnnxTensor tensor) {
      long[] shape = tensor.getInfo().getShape();
      switch (tensor.getInfo().type) {
        case FLOAT -> {
          FloatBuffer b = tensor.getFloatBuffer();
          float[] values = new float[b.remaining()];
          b.get(values);
          return Tensor.ofFloats(values, shape);
        }
        case INT64 -> {
          LongBuffer b = tensor.getLongBuffer();
          long[] values = new long[b.remaining()];
          b.get(values);
          return Tensor.ofLongs(values, shape);
        }
        default -> {
          // handled below
        }
      }
    }
    throw new ModelRunException(
        "model "
            + descriptor.id()
            + " output '"
            + name
            + "' is "
            + value.getInfo()
            + "; named runs return FLOAT and INT64 tensors only");
  }

  private void checkRows(List<float[]> rows) {
    int i = 0;
    for (float[] row : rows) {
      if (row == null) {
        throw new IllegalArgumentException(
            "model " + descriptor.id() + ": row " + i + " of " + rows.size() + " is null");
      }
      if (row.length != rowLength) {
        throw new IllegalArgumentException(
            "model "
                + descriptor.id()
                + ": row "
                + i
                + " of "
                + rows.size()
                + " has "
                + row.length
                + " values, input '"
                + inputName
                + "' expects "
                + rowLength
                + " (shape "
                + Arrays.toString(rowShape)
                + " per row)");
      }
      i++;
    }
  }

  private float[][] runBatch(List<float[]> rows) {
    int n = rows.size();
    FloatBuffer input = inputBuffer((long) n * rowLength);
    for (float[] row : rows) {
      input.put(row);
    }
    input.flip();
    long[] shape = new long[rowShape.length + 1];
    shape[0] = n;
    System.arraycopy(rowShape, 0, shape, 1, rowShape.length);
    try (OnnxTensor tensor = OnnxTensor.createTensor(env, input, shape);
        OrtSession.Result result = session.run(Map.of(inputName, tensor), requestedOutputs)) {
      // The type was checked at load; the element count is checked here because a symbolic
      // batch dimension in the signature does not prove the graph keeps one row per input row.
      FloatBuffer output = ((OnnxTensor) result.get(0)).getFloatBuffer();
      if (output.remaining() % n != 0) {
        throw new ModelRunException(
            "model "
                + descriptor.id()
                + " output '"
                + outputName
                + "' has "
                + output.remaining()
                + " values for a batch of "
                + n
                + " rows");
      }
      int width = output.remaining() / n;
      float[][] outputs = new float[n][width];
      for (float[] out : outputs) {
        output.get(out);
      }
      return outputs;
    } catch (OrtException e) {
      throw new ModelRunException(
          "model " + descriptor.id() + " failed on a batch of " + n + " rows: " + e.getMessage(),
          e);
    }
  }

  private static FloatBuffer inputBuffer(long floats) {
    return inputBytes(floats * Float.BYTES).asFloatBuffer();
  }

  /** This thread's input memory, grown to at least {@code bytes}, from its start. */
  private static ByteBuffer inputBytes(long bytes) {
    if (bytes > MAX_INPUT_BYTES) {
      throw new IllegalArgumentException(
          "a batch of "
              + bytes
              + " input bytes does not fit in one tensor buffer (max "
              + MAX_INPUT_BYTES
              + ")");
    }
    ByteBuffer buffer = inputBuffers.get();
    if (buffer == null || buffer.capacity() < bytes) {
      long grown = buffer == null ? bytes : Math.max(bytes, 2L * buffer.capacity());
      buffer = ByteBuffer.allocateDirect((int) Math.min(grown, MAX_INPUT_BYTES)).order(NATIVE);
      inputBuffers.set(buffer);
    }
    return buffer.clear();
  }

  /** "model name:version input 'x'", the start of every signature error. */
  static String tensor(String id, String kind, TensorSpec spec) {
    return "model " + id + " " + kind + " '" + spec.name() + "'";
  }

  static long product(long[] dims) {
    long product = 1;
    for (long dim : dims) {
      product = Math.multiplyExact(product, dim);
    }
    return product;
  }
}
