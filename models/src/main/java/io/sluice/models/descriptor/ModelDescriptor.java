package io.sluice.models.descriptor;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Path;
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
    Map<String, Object> training) {

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
  public record Golden(List<List<Float>> inputs, List<List<Float>> outputs) {}

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
