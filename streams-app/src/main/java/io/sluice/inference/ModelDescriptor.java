package io.sluice.inference;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * What a model version file is and how to use it, read from the JSON descriptor that the models
 * module writes beside the {@code .onnx} file.
 *
 * <p>Required fields: {@code name}, {@code version}, {@code file} (relative to the descriptor's
 * directory), {@code sha256}, {@code inputs} and {@code outputs} (each a list of {@code {name,
 * type, shape}}, with -1 for a dynamic dimension). Optional: {@code features}, {@code labels},
 * {@code positiveLabel}, {@code alertThreshold}, {@code golden} ({@code {inputs, outputs}}, one
 * flattened row per example). Unknown fields are ignored. Instances are immutable.
 *
 * @param path the descriptor file this was read from
 * @param name model name, e.g. {@code fraud-logreg}
 * @param version model version, e.g. {@code 1}
 * @param file the model file name, relative to the descriptor's directory
 * @param sha256 lower-case hex SHA-256 of the model file
 * @param inputs declared inputs, in order
 * @param outputs declared outputs, in order; the first is the one {@link ModelRunner#run(List)}
 *     returns for float rows
 * @param features names of the input features in tensor order, empty when not declared
 * @param labels class labels in output order, empty when not declared
 * @param positiveLabel the label whose score an alert is about, if any
 * @param alertThreshold the score at or above which an alert is raised, if any
 * @param golden known inputs and the outputs the model must give for them, if any
 */
public record ModelDescriptor(
    Path path,
    String name,
    String version,
    String file,
    String sha256,
    List<TensorSpec> inputs,
    List<TensorSpec> outputs,
    List<String> features,
    List<String> labels,
    Optional<String> positiveLabel,
    OptionalDouble alertThreshold,
    Optional<Golden> golden) {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  /**
   * One declared input or output tensor.
   *
   * @param name the tensor name in the graph
   * @param type the element type as ONNX Runtime's Java API names it, e.g. {@code FLOAT}
   * @param shape dimensions, -1 for a dynamic one
   */
  public record TensorSpec(String name, String type, List<Long> shape) {
    public TensorSpec {
      shape = List.copyOf(shape);
    }
  }

  /**
   * Known inputs and the first output's values the model must give for them.
   *
   * @param inputs one flattened row per example
   * @param outputs one flattened output row per example
   */
  public record Golden(List<float[]> inputs, List<float[]> outputs) {
    public Golden {
      inputs = List.copyOf(inputs);
      outputs = List.copyOf(outputs);
    }
  }

  public ModelDescriptor {
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
    features = List.copyOf(features);
    labels = List.copyOf(labels);
  }

  /** The model file this descriptor names, resolved against the descriptor's directory. */
  public Path modelFile() {
    Path dir = path.toAbsolutePath().getParent();
    return dir.resolve(file).normalize();
  }

  /** {@code name:version}, the way logs and messages name this model version. */
  public String id() {
    return name + ":" + version;
  }

  /**
   * Reads and validates a descriptor.
   *
   * @throws ModelLoadException when the file cannot be read, is not JSON, or a field is missing or
   *     invalid; the message names the descriptor file and the field
   */
  public static ModelDescriptor read(Path descriptorJson) throws ModelLoadException {
    JsonNode root;
    try {
      root = MAPPER.readTree(Files.readAllBytes(descriptorJson));
    } catch (NoSuchFileException e) {
      throw new ModelLoadException("model descriptor " + descriptorJson + " does not exist", e);
    } catch (JsonProcessingException e) {
      throw new ModelLoadException(
          "model descriptor " + descriptorJson + " is not valid JSON: " + e.getOriginalMessage(),
          e);
    } catch (IOException e) {
      throw new ModelLoadException(
          "model descriptor " + descriptorJson + " cannot be read: " + e.getMessage(), e);
    }
    return new Parser(descriptorJson).descriptor(root);
  }

  /** Reads one descriptor; every error names the file and the JSON field. */
  private static final class Parser {
    private final Path path;

    Parser(Path path) {
      this.path = path;
    }

    ModelDescriptor descriptor(JsonNode root) throws ModelLoadException {
      if (root == null || !root.isObject()) {
        throw new ModelLoadException(
            "model descriptor " + path + " must hold a JSON object, found " + kind(root));
      }
      String sha256 = text(root, "sha256", "sha256").toLowerCase(Locale.ROOT);
      if (sha256.length() != 64 || !sha256.chars().allMatch(HexFormat::isHexDigit)) {
        throw invalid("sha256", "must be 64 hexadecimal digits", root.get("sha256"));
      }
      List<String> labels = optionalStrings(root, "labels");
      Optional<String> positiveLabel = Optional.empty();
      if (present(root, "positiveLabel")) {
        String label = text(root, "positiveLabel", "positiveLabel");
        if (!labels.isEmpty() && !labels.contains(label)) {
          throw invalid(
              "positiveLabel", "must be one of labels " + labels, root.get("positiveLabel"));
        }
        positiveLabel = Optional.of(label);
      }
      OptionalDouble alertThreshold = OptionalDouble.empty();
      if (present(root, "alertThreshold")) {
        JsonNode node = root.get("alertThreshold");
        if (!node.isNumber() || !Double.isFinite(node.doubleValue())) {
          throw invalid("alertThreshold", "must be a finite number", node);
        }
        alertThreshold = OptionalDouble.of(node.doubleValue());
      }
      return new ModelDescriptor(
          path,
          text(root, "name", "name"),
          text(root, "version", "version"),
          text(root, "file", "file"),
          sha256,
          tensors(root, "inputs"),
          tensors(root, "outputs"),
          optionalStrings(root, "features"),
          labels,
          positiveLabel,
          alertThreshold,
          present(root, "golden") ? Optional.of(golden(root.get("golden"))) : Optional.empty());
    }

    private List<TensorSpec> tensors(JsonNode root, String field) throws ModelLoadException {
      JsonNode array = required(root, field, field);
      if (!array.isArray() || array.isEmpty()) {
        throw invalid(field, "must be a non-empty array", array);
      }
      List<TensorSpec> specs = new ArrayList<>();
      for (int i = 0; i < array.size(); i++) {
        String at = field + "[" + i + "]";
        JsonNode spec = array.get(i);
        if (!spec.isObject()) {
          throw invalid(at, "must be an object with name, type and shape", spec);
        }
        JsonNode shapeNode = required(spec, "shape", at + ".shape");
        if (!shapeNode.isArray()) {
          throw invalid(at + ".shape", "must be an array of integers", shapeNode);
        }
        List<Long> shape = new ArrayList<>();
        for (int d = 0; d < shapeNode.size(); d++) {
          JsonNode dim = shapeNode.get(d);
          if (!dim.isIntegralNumber() || (dim.longValue() < 1 && dim.longValue() != -1)) {
            throw invalid(
                at + ".shape[" + d + "]", "must be -1 (dynamic) or a positive integer", dim);
          }
          shape.add(dim.longValue());
        }
        specs.add(
            new TensorSpec(
                text(spec, "name", at + ".name"),
                text(spec, "type", at + ".type").toUpperCase(Locale.ROOT),
                shape));
      }
      return specs;
    }

    private Golden golden(JsonNode golden) throws ModelLoadException {
      if (!golden.isObject()) {
        throw invalid("golden", "must be an object with inputs and outputs", golden);
      }
      List<float[]> inputs = rows(golden, "inputs");
      List<float[]> outputs = rows(golden, "outputs");
      if (inputs.size() != outputs.size()) {
        throw invalid(
            "golden.outputs",
            "must have one row per golden input (" + inputs.size() + ")",
            golden.get("outputs"));
      }
      return new Golden(inputs, outputs);
    }

    private List<float[]> rows(JsonNode golden, String field) throws ModelLoadException {
      String at = "golden." + field;
      JsonNode array = required(golden, field, at);
      if (!array.isArray() || array.isEmpty()) {
        throw invalid(at, "must be a non-empty array of rows", array);
      }
      List<float[]> rows = new ArrayList<>();
      for (int r = 0; r < array.size(); r++) {
        JsonNode row = array.get(r);
        if (!row.isArray()) {
          throw invalid(at + "[" + r + "]", "must be an array of numbers", row);
        }
        float[] values = new float[row.size()];
        for (int i = 0; i < values.length; i++) {
          if (!row.get(i).isNumber()) {
            throw invalid(at + "[" + r + "][" + i + "]", "must be a number", row.get(i));
          }
          values[i] = row.get(i).floatValue();
        }
        rows.add(values);
      }
      return rows;
    }

    private List<String> optionalStrings(JsonNode root, String field) throws ModelLoadException {
      if (!present(root, field)) {
        return List.of();
      }
      JsonNode array = root.get(field);
      if (!array.isArray()) {
        throw invalid(field, "must be an array of strings", array);
      }
      List<String> values = new ArrayList<>();
      for (int i = 0; i < array.size(); i++) {
        if (!array.get(i).isTextual()) {
          throw invalid(field + "[" + i + "]", "must be a string", array.get(i));
        }
        values.add(array.get(i).textValue());
      }
      return values;
    }

    private String text(JsonNode parent, String key, String at) throws ModelLoadException {
      JsonNode node = required(parent, key, at);
      if (!node.isTextual() || node.textValue().isBlank()) {
        throw invalid(at, "must be a non-empty string", node);
      }
      return node.textValue();
    }

    private JsonNode required(JsonNode parent, String key, String at) throws ModelLoadException {
      if (!present(parent, key)) {
        throw new ModelLoadException(
            "model descriptor " + path + ": required field '" + at + "' is missing");
      }
      return parent.get(key);
    }

    private static boolean present(JsonNode parent, String key) {
      return parent.hasNonNull(key);
    }

    private ModelLoadException invalid(String at, String expected, JsonNode found) {
      return new ModelLoadException(
          "model descriptor "
              + path
              + ": field '"
              + at
              + "' "
              + expected
              + ", found "
              + kind(found));
    }

    private static String kind(JsonNode node) {
      if (node == null || node.isMissingNode()) {
        return "nothing";
      }
      String text = node.toString();
      return text.length() > 60 ? text.substring(0, 57) + "..." : text;
    }
  }
}
