package io.sluice.inference;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import ai.onnxruntime.ValueInfo;
import io.sluice.descriptor.DescriptorException;
import io.sluice.descriptor.ModelDescriptor;
import io.sluice.descriptor.ModelDescriptor.Golden;
import io.sluice.descriptor.ModelDescriptor.TensorSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads a model version and checks it before anything runs on it: the descriptor (read with {@link
 * ModelDescriptor#read(Path, Path)}), the model file's SHA-256, the session's signature against the
 * descriptor, the golden rows, and the execution provider (CUDA when asked and available, the CPU
 * otherwise, as {@link ExecutionProvider} says). What it returns is a checked {@link ModelRunner};
 * what a swap replaces is the runner a {@link ModelHandle} holds.
 *
 * <p>Stateless and thread-safe: versions may be loaded concurrently, e.g. a new one beside the one
 * serving. A failed load leaves no native resource open.
 */
public final class ModelLoader {
  private static final Logger log = LoggerFactory.getLogger(ModelLoader.class);

  /** Relative tolerance (absolute below 1) for golden outputs. */
  private static final double GOLDEN_TOLERANCE = 1e-5;

  /** The AUTO fallback is logged at WARN for the first model only, then at DEBUG. */
  private static final AtomicBoolean cudaFallbackLogged = new AtomicBoolean();

  private ModelLoader() {}

  /**
   * Loads the model version a descriptor names and checks it: the file's SHA-256, the session's
   * input and output names, element types and shapes against the descriptor, and (when the settings
   * ask for it and the descriptor has one) the golden input against the golden output.
   *
   * @throws ModelLoadException naming the descriptor or model and what was expected and found; no
   *     native resource of the failed load stays open
   */
  public static ModelRunner load(Path descriptorJson, InferenceSettings settings)
      throws ModelLoadException {
    return load(descriptorJson, settings, null);
  }

  /**
   * Like {@link #load(Path, InferenceSettings)}, for a descriptor whose paths may name the data
   * directory as {@value ModelDescriptor#DATA_DIR_PLACEHOLDER}.
   *
   * @param dataDir the data directory, or null if there is none
   */
  public static ModelRunner load(Path descriptorJson, InferenceSettings settings, Path dataDir)
      throws ModelLoadException {
    ModelDescriptor descriptor;
    try {
      descriptor = ModelDescriptor.read(descriptorJson, dataDir);
    } catch (DescriptorException e) {
      throw new ModelLoadException(ModelLoadException.Check.DESCRIPTOR, e.getMessage(), e);
    }
    byte[] model = readVerified(descriptor);
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    OpenSession opened = openSession(env, model, descriptor, settings);
    try {
      Signature signature;
      try {
        signature = checkSignature(descriptor, opened.session());
      } catch (ModelLoadException e) {
        throw new ModelLoadException(ModelLoadException.Check.SIGNATURE, e.getMessage(), e);
      }
      ModelRunner runner =
          new ModelRunner(
              descriptor,
              env,
              opened.session(),
              opened.provider(),
              signature.tabularShape(),
              signature.notTabular());
      if (settings.verifyGolden() && descriptor.golden().isPresent()) {
        if (signature.notTabular() != null) {
          throw new ModelLoadException(
              ModelLoadException.Check.GOLDEN,
              "model "
                  + descriptor.id()
                  + ": golden inputs are float rows, which this model does not take: "
                  + signature.notTabular());
        }
        checkGolden(runner, descriptor.golden().get());
      }
      log.info(
          "Loaded model {} from {} on {} ({} intra-op, {} inter-op threads, golden {})",
          descriptor.id(),
          descriptor.modelFile(),
          opened.provider(),
          settings.intraOpThreads(),
          settings.interOpThreads(),
          !descriptor.golden().isPresent()
              ? "absent"
              : settings.verifyGolden() ? "verified" : "not checked");
      return runner;
    } catch (ModelLoadException | RuntimeException e) {
      closeQuietly(opened.session(), e);
      throw e;
    }
  }

  private static void checkGolden(ModelRunner runner, Golden golden) throws ModelLoadException {
    ModelDescriptor descriptor = runner.descriptor();
    float[][] actual;
    try {
      actual = runner.run(golden.inputs());
    } catch (IllegalArgumentException | ModelRunException e) {
      throw new ModelLoadException(
          ModelLoadException.Check.GOLDEN,
          "model " + descriptor.id() + ": golden input failed: " + e.getMessage(),
          e);
    }
    for (int r = 0; r < actual.length; r++) {
      float[] expected = golden.outputs().get(r);
      if (expected.length != actual[r].length) {
        throw new ModelLoadException(
            ModelLoadException.Check.GOLDEN,
            "model "
                + descriptor.id()
                + ": golden output row "
                + r
                + " has "
                + expected.length
                + " values, the model gives "
                + actual[r].length);
      }
      for (int i = 0; i < expected.length; i++) {
        double diff = Math.abs(actual[r][i] - expected[i]);
        if (!(diff <= GOLDEN_TOLERANCE * Math.max(1.0, Math.abs(expected[i])))) {
          throw new ModelLoadException(
              ModelLoadException.Check.GOLDEN,
              "model "
                  + descriptor.id()
                  + ": golden output row "
                  + r
                  + " value "
                  + i
                  + " is "
                  + actual[r][i]
                  + ", descriptor expects "
                  + expected[i]
                  + " (tolerance "
                  + GOLDEN_TOLERANCE
                  + ")");
        }
      }
    }
  }

  private static byte[] readVerified(ModelDescriptor descriptor) throws ModelLoadException {
    Path file = descriptor.modelFile();
    byte[] model;
    try {
      // The session is created from these same bytes, so the checked file is the one that runs.
      model = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new ModelLoadException(
          ModelLoadException.Check.FILE,
          "model file "
              + file
              + " does not exist (field 'file' of descriptor "
              + descriptor.path()
              + ")",
          e);
    } catch (IOException e) {
      throw new ModelLoadException(
          ModelLoadException.Check.FILE, "model file " + file + " cannot be read: " + e, e);
    }
    String actual = ModelDescriptor.sha256(model);
    if (!actual.equals(descriptor.sha256())) {
      throw new ModelLoadException(
          ModelLoadException.Check.SHA256,
          "model file "
              + file
              + " has sha256 "
              + actual
              + ", descriptor "
              + descriptor.path()
              + " expects "
              + descriptor.sha256());
    }
    return model;
  }

  private record OpenSession(OrtSession session, ExecutionProvider provider) {}

  private static OpenSession openSession(
      OrtEnvironment env, byte[] model, ModelDescriptor descriptor, InferenceSettings settings)
      throws ModelLoadException {
    if (settings.provider() == ExecutionProvider.CPU) {
      return new OpenSession(
          createSession(env, model, descriptor, settings, false), ExecutionProvider.CPU);
    }
    String whyNot;
    try {
      return new OpenSession(
          createSession(env, model, descriptor, settings, true), ExecutionProvider.CUDA);
    } catch (CudaUnavailableException e) {
      whyNot = e.getMessage();
    } catch (ModelLoadException e) {
      if (settings.provider() == ExecutionProvider.CUDA) {
        throw e;
      }
      // A CUDA library that loads does not mean a usable device; the CPU may still work.
      whyNot = e.getMessage();
    }
    if (settings.provider() == ExecutionProvider.CUDA) {
      throw new ModelLoadException(
          ModelLoadException.Check.PROVIDER,
          "execution provider cuda requested but not available: "
              + whyNot
              + "; build with -Pgpu and install the CUDA 12 runtime libraries and cuDNN 9"
              + " (README: Building and testing), or set the execution provider"
              + " to auto or cpu");
    }
    if (cudaFallbackLogged.compareAndSet(false, true)) {
      // auto means "the GPU if there is one": the CPU is an expected outcome, not a problem.
      log.info("Execution provider auto: CUDA not available ({}), using the CPU", whyNot);
    } else {
      log.debug("Execution provider auto: CUDA not available ({}), using the CPU", whyNot);
    }
    return new OpenSession(
        createSession(env, model, descriptor, settings, false), ExecutionProvider.CPU);
  }

  private static OrtSession createSession(
      OrtEnvironment env,
      byte[] model,
      ModelDescriptor descriptor,
      InferenceSettings settings,
      boolean cuda)
      throws ModelLoadException {
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(settings.intraOpThreads());
      options.setInterOpNumThreads(settings.interOpThreads());
      if (cuda) {
        try {
          options.addCUDA(settings.cudaDeviceId());
        } catch (OrtException | LinkageError e) {
          throw new CudaUnavailableException(e.getMessage());
        }
      }
      return env.createSession(model, options);
    } catch (OrtException e) {
      throw new ModelLoadException(
          "model "
              + descriptor.id()
              + " from "
              + descriptor.modelFile()
              + " cannot be loaded by ONNX Runtime"
              + (cuda ? " with CUDA device " + settings.cudaDeviceId() : "")
              + ": "
              + e.getMessage(),
          e);
    }
  }

  /** CUDA's provider library could not be registered; thrown inside this class only. */
  private static final class CudaUnavailableException extends ModelLoadException {
    private static final long serialVersionUID = 1L;

    CudaUnavailableException(String reason) {
      super(Check.PROVIDER, reason);
    }
  }

  /**
   * What loading learned of the signature: the (only) input's shape when the model takes float
   * rows, else null and the reason.
   */
  private record Signature(long[] tabularShape, String notTabular) {}

  /**
   * Checks the session against the descriptor (names, element types, shapes, no undeclared input)
   * and whether the model takes float rows.
   */
  private static Signature checkSignature(ModelDescriptor descriptor, OrtSession session)
      throws ModelLoadException {
    String id = descriptor.id();
    Map<String, NodeInfo> inputs;
    Map<String, NodeInfo> outputs;
    try {
      inputs = session.getInputInfo();
      outputs = session.getOutputInfo();
    } catch (OrtException e) {
      throw new ModelLoadException("model " + id + ": cannot read its signature: " + e, e);
    }
    checkTensors(id, "input", descriptor.inputs(), inputs);
    checkTensors(id, "output", descriptor.outputs(), outputs);
    List<String> undeclared = new ArrayList<>(inputs.keySet());
    descriptor.inputs().forEach(spec -> undeclared.remove(spec.name()));
    if (!undeclared.isEmpty()) {
      throw new ModelLoadException(
          "model " + id + " has inputs " + undeclared + " that the descriptor does not declare");
    }
    String notTabular = whyNotTabular(descriptor);
    if (notTabular != null) {
      if (!descriptor.features().isEmpty()) {
        throw new ModelLoadException(
            "model descriptor "
                + descriptor.path()
                + ": field 'features' names a row of features, but "
                + notTabular);
      }
      return new Signature(null, notTabular);
    }
    TensorSpec input = descriptor.inputs().get(0);
    List<Long> rowShape = input.shape().subList(1, input.shape().size());
    if (descriptor.preprocessing().isPresent()
        && !descriptor.preprocessing().get().rowShape().equals(rowShape)) {
      throw new ModelLoadException(
          "model descriptor "
              + descriptor.path()
              + ": field 'preprocessing' makes images of shape "
              + descriptor.preprocessing().get().rowShape()
              + ", input '"
              + input.name()
              + "' takes "
              + rowShape
              + " per row");
    }
    long[] shape = input.shape().stream().mapToLong(Long::longValue).toArray();
    long rowLength = ModelRunner.product(Arrays.copyOfRange(shape, 1, shape.length));
    if (rowLength > Integer.MAX_VALUE) {
      throw new ModelLoadException(
          "model " + id + " input '" + input.name() + "' rows are too large: " + rowLength);
    }
    if (!descriptor.features().isEmpty() && descriptor.features().size() != rowLength) {
      throw new ModelLoadException(
          "model descriptor "
              + descriptor.path()
              + ": field 'features' names "
              + descriptor.features().size()
              + " features, input '"
              + input.name()
              + "' takes "
              + rowLength
              + " values per row");
    }
    return new Signature(shape, null);
  }

  /** Why float rows cannot feed the model, or null when they can. */
  private static String whyNotTabular(ModelDescriptor descriptor) {
    String id = descriptor.id();
    if (descriptor.inputs().size() != 1) {
      return "model "
          + id
          + " has "
          + descriptor.inputs().size()
          + " inputs; rows feed exactly one";
    }
    TensorSpec input = descriptor.inputs().get(0);
    String why = whyNotFloatBatched(id, "input", input);
    if (why == null) {
      why = whyNotFloatBatched(id, "output", descriptor.outputs().get(0));
    }
    if (why != null) {
      return why;
    }
    for (int d = 1; d < input.shape().size(); d++) {
      if (input.shape().get(d) < 1) {
        return "model "
            + id
            + " input '"
            + input.name()
            + "' has a dynamic dimension "
            + d
            + " in "
            + input.shape()
            + "; only the batch dimension may be dynamic";
      }
    }
    return null;
  }

  private static void checkTensors(
      String id, String kind, List<TensorSpec> declared, Map<String, NodeInfo> actual)
      throws ModelLoadException {
    for (TensorSpec spec : declared) {
      NodeInfo node = actual.get(spec.name());
      if (node == null) {
        throw new ModelLoadException(
            "model "
                + id
                + ": unknown "
                + kind
                + " name '"
                + spec.name()
                + "', expected one of "
                + actual.keySet());
      }
      ValueInfo info = node.getInfo();
      if (!(info instanceof TensorInfo)) {
        throw new ModelLoadException(
            ModelRunner.tensor(id, kind, spec) + " is not a tensor: " + info);
      }
      TensorInfo tensor = (TensorInfo) info;
      if (!tensor.type.name().equals(spec.type())) {
        throw new ModelLoadException(
            ModelRunner.tensor(id, kind, spec)
                + " has element type "
                + tensor.type
                + ", descriptor declares "
                + spec.type());
      }
      List<Long> shape = Arrays.stream(tensor.getShape()).boxed().toList();
      if (!shape.equals(spec.shape())) {
        throw new ModelLoadException(
            ModelRunner.tensor(id, kind, spec)
                + " has shape "
                + shape
                + ", descriptor declares "
                + spec.shape());
      }
    }
  }

  private static String whyNotFloatBatched(String id, String kind, TensorSpec spec) {
    if (!spec.type().equals(OnnxJavaType.FLOAT.name())) {
      return ModelRunner.tensor(id, kind, spec)
          + " has element type "
          + spec.type()
          + ", not FLOAT";
    }
    List<Long> shape = spec.shape();
    if (shape.isEmpty() || (shape.get(0) != -1 && shape.get(0) != 1)) {
      return ModelRunner.tensor(id, kind, spec)
          + " has shape "
          + shape
          + "; its first dimension must be the batch, -1 (dynamic) or 1";
    }
    return null;
  }

  private static void closeQuietly(OrtSession session, Exception failure) {
    try {
      session.close();
    } catch (OrtException e) {
      failure.addSuppressed(e);
    }
  }
}
