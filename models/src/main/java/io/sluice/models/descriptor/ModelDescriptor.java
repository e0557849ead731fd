package io.sluice.models.descriptor;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The JSON file that travels with an ONNX model: what the file is, how to feed it, how to read its
 * output, and a few golden rows to check it with. {@code models/descriptors/README.md} documents
 * every field.
 *
 * <p>Immutable; {@link #read} and {@link #write} are thread-safe.
 *
 * @param name model name, stamped on every prediction
 * @param version model version, stamped on every prediction
 * @param file the ONNX file, relative to the descriptor's folder
 * @param sha256 lower-case hex SHA-256 of the ONNX file
 * @param inputs the graph's inputs, in order
 * @param outputs the graph's outputs, in order
 * @param features names of the input tensor's columns, in column order (null if not tabular)
 * @param labels names of the probability output's columns, in column order
 * @param positiveLabel the label whose probability is the alert score (null if none)
 * @param alertThreshold alert when the positive label's probability is at least this (null if none)
 * @param golden rows to feed the model and the outputs it must give
 * @param training how the model was made (free-form, per model)
 * @param categoricals categorical inputs and their one-hot columns in {@code features} (null if
 *     none)
 * @param linear what a linear model adds to the log-odds per feature, for explanations (null if the
 *     model is not linear)
 * @param reference distributions of the score and the input features on the training rows, for
 *     drift checks (null if not recorded)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ModelDescriptor(
    String name,
    String version,
    String file,
    String sha256,
    List<TensorSpec> inputs,
    List<TensorSpec> outputs,
    List<String> features,
    List<String> labels,
    String positiveLabel,
    Double alertThreshold,
    Golden golden,
    Map<String, Object> training,
    List<Categorical> categoricals,
    Linear linear,
    Reference reference) {

  private static final ObjectMapper MAPPER =
      new ObjectMapper()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  /**
   * One input or output of the ONNX graph.
   *
   * @param name the name in the graph
   * @param type the ONNX element type, e.g. {@code FLOAT}
   * @param shape the dimensions, -1 for a dynamic one (the batch)
   */
  public record TensorSpec(String name, String type, List<Long> shape) {}

  /**
   * Golden rows: {@code inputs.get(i)} fed as one batch row gives {@code outputs.get(i)}.
   *
   * @param inputs one flattened input row per example, in {@code features} order
   * @param outputs the model's output row for each input row, in {@code labels} order
   */
  public record Golden(List<List<Float>> inputs, List<List<Float>> outputs) {

    /**
     * The first {@code negatives} rows labelled 0 and the first {@code positives} rows labelled 1,
     * in row order, with the model's outputs for them.
     */
    public static Golden firstRows(
        float[][] inputs, float[][] outputs, int[] labels, int negatives, int positives) {
      List<List<Float>> goldenInputs = new java.util.ArrayList<>();
      List<List<Float>> goldenOutputs = new java.util.ArrayList<>();
      int taken0 = 0;
      int taken1 = 0;
      for (int i = 0; i < labels.length; i++) {
        boolean take = labels[i] == 1 ? taken1++ < positives : taken0++ < negatives;
        if (take) {
          goldenInputs.add(boxed(inputs[i]));
          goldenOutputs.add(boxed(outputs[i]));
        }
      }
      return new Golden(goldenInputs, goldenOutputs);
    }

    private static List<Float> boxed(float[] values) {
      List<Float> list = new java.util.ArrayList<>(values.length);
      for (float value : values) {
        list.add(value);
      }
      return list;
    }
  }

  /** A descriptor without categoricals, linear explanation or reference distributions. */
  public ModelDescriptor(
      String name,
      String version,
      String file,
      String sha256,
      List<TensorSpec> inputs,
      List<TensorSpec> outputs,
      List<String> features,
      List<String> labels,
      String positiveLabel,
      Double alertThreshold,
      Golden golden,
      Map<String, Object> training) {
    this(
        name,
        version,
        file,
        sha256,
        inputs,
        outputs,
        features,
        labels,
        positiveLabel,
        alertThreshold,
        golden,
        training,
        null,
        null,
        null);
  }

  /** The encodings of categorical inputs that the engine applies; only one-hot for now. */
  public static final String ONE_HOT = "one-hot";

  /**
   * A categorical input: a text field encoded as one column per known value. Its columns appear in
   * {@code features} as {@code name=value}; a value not listed encodes as all zeros.
   *
   * @param name the input's name, which the pipeline's feature mapping maps to an event field
   * @param encoding {@value #ONE_HOT}
   * @param values the known values, in the order their columns appear in {@code features}
   */
  public record Categorical(String name, String encoding, List<String> values) {}

  /**
   * A linear model's log-odds of {@code positiveLabel} against the other label: {@code intercept +
   * sum_i coefficients[i] * (x[i] - means[i]) / scales[i]} over the raw inputs {@code x} in {@code
   * features} order. Each term is the feature's contribution to the score.
   */
  public record Linear(
      String positiveLabel,
      List<Double> means,
      List<Double> scales,
      List<Double> coefficients,
      double intercept) {}

  /**
   * Binned distribution of one value on the training rows: bin {@code i} holds the values {@code x}
   * with {@code edges[i-1] < x <= edges[i]} (the first bin is open below, the last above), so there
   * is one more proportion than edges.
   */
  public record Distribution(List<Double> edges, List<Double> proportions) {}

  /**
   * Reference distributions for drift checks, recorded at training time.
   *
   * @param rows which rows they were computed on, e.g. {@code train split}
   * @param count how many rows that is
   * @param distributions by name: {@code score} (the positive label's probability) and input
   *     features
   */
  public record Reference(String rows, int count, Map<String, Distribution> distributions) {}

  /** Lower-case hex SHA-256 of a file, as {@code sha256} holds it. */
  public static String sha256(Path file) throws IOException {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(digest.digest(Files.readAllBytes(file)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("Expected every JVM to provide SHA-256", e);
    }
  }

  /** Reads a descriptor file. */
  public static ModelDescriptor read(Path descriptorFile) throws IOException {
    return MAPPER.readValue(descriptorFile.toFile(), ModelDescriptor.class);
  }

  /** Writes this descriptor as indented JSON, replacing {@code descriptorFile}. */
  public void write(Path descriptorFile) throws IOException {
    MAPPER.writeValue(descriptorFile.toFile(), this);
  }

  /** The ONNX file this descriptor names, resolved against the descriptor's folder. */
  public Path modelFile(Path descriptorFile) {
    Path folder = descriptorFile.toAbsolutePath().getParent();
    return folder.resolve(file);
  }
}
