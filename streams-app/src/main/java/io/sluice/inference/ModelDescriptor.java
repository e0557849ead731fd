package io.sluice.inference;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.imaging.Preprocessing;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * What a model version file is and how to use it, read from the JSON descriptor that the models
 * module writes beside the {@code .onnx} file.
 *
 * <p>Required fields: {@code name}, {@code version}, {@code file} (relative to the descriptor's
 * directory), {@code sha256}, {@code inputs} and {@code outputs} (each a list of {@code {name,
 * type, shape}}, with -1 for a dynamic dimension). Optional: {@code features}, {@code labels} (or
 * {@code labelsFile}, one label per line, with an optional {@code labelsSha256}), {@code
 * positiveLabel}, {@code alertThreshold}, {@code golden} ({@code {inputs, outputs}}, one flattened
 * row per example), {@code preprocessing} (how images become input rows, see {@link Preprocessing})
 * a postprocessing object ({@code {"softmax": true}} when the first output holds logits), and
 * {@code categoricals}, {@code linear} and {@code reference} (see {@code
 * models/descriptors/README.md}). Unknown fields are ignored. Instances are immutable.
 *
 * <p>{@code file} and {@code labelsFile} may start with {@value #DATA_DIR_PLACEHOLDER}, replaced by
 * the data directory given to {@link #read(Path, Path)}: pretrained models live in the data
 * directory, their descriptors in the repository.
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
 * @param preprocessing how an image becomes one input row, for image models
 * @param softmax whether the first output holds logits that a softmax turns into probabilities
 * @param categoricals text inputs encoded as one-hot columns of {@code features}, empty if none
 * @param linear the log-odds of a linear model as per-feature terms, if the model is linear
 * @param reference training-time distributions by name ({@code score} and features), for drift
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
    Optional<Golden> golden,
    Optional<Preprocessing> preprocessing,
    boolean softmax,
    List<Categorical> categoricals,
    Optional<Linear> linear,
    Map<String, Distribution> reference) {

  /** The placeholder for the data directory in {@code file} and {@code labelsFile}. */
  public static final String DATA_DIR_PLACEHOLDER = "${data.dir}";

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

  /** The only encoding of categorical inputs so far: one column per known value. */
  public static final String ONE_HOT = "one-hot";

  /**
   * A text input encoded as one column per known value; the columns are named {@code name=value} in
   * {@code features}. A value not listed sets no column.
   */
  public record Categorical(String name, String encoding, List<String> values) {
    public Categorical {
      values = List.copyOf(values);
    }
  }

  /**
   * A linear model's log-odds of {@code positiveLabel}: {@code intercept + sum_i coefficients[i] *
   * (x[i] - means[i]) / scales[i]} over the raw inputs in {@code features} order.
   */
  public record Linear(
      String positiveLabel,
      List<Double> means,
      List<Double> scales,
      List<Double> coefficients,
      double intercept) {
    public Linear {
      means = List.copyOf(means);
      scales = List.copyOf(scales);
      coefficients = List.copyOf(coefficients);
    }
  }

  /**
   * A binned training distribution: bin {@code i} holds {@code edges[i-1] < x <= edges[i]}, so
   * there is one more proportion than edges.
   */
  public record Distribution(List<Double> edges, List<Double> proportions) {
    public Distribution {
      edges = List.copyOf(edges);
      proportions = List.copyOf(proportions);
    }
  }

  public ModelDescriptor {
    categoricals = List.copyOf(categoricals);
    reference = Map.copyOf(reference);
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
    return read(descriptorJson, null);
  }

  /**
   * Reads and validates a descriptor whose paths may name the data directory as {@value
   * #DATA_DIR_PLACEHOLDER}.
   *
   * @param dataDir the data directory, or null if there is none
   * @throws ModelLoadException when the file cannot be read, is not JSON, or a field is missing or
   *     invalid; the message names the descriptor file and the field
   */
  public static ModelDescriptor read(Path descriptorJson, Path dataDir) throws ModelLoadException {
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
    return new Parser(descriptorJson, dataDir).descriptor(root);
  }

  /** Reads one descriptor; every error names the file and the JSON field. */
  private static final class Parser {
    private final Path path;
    private final Path dataDir;

    Parser(Path path, Path dataDir) {
      this.path = path;
      this.dataDir = dataDir;
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
      List<String> labels = labels(root);
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
      List<String> features = optionalStrings(root, "features");
      return new ModelDescriptor(
          path,
          text(root, "name", "name"),
          text(root, "version", "version"),
          withDataDir(text(root, "file", "file"), "file"),
          sha256,
          tensors(root, "inputs"),
          tensors(root, "outputs"),
          features,
          labels,
          positiveLabel,
          alertThreshold,
          present(root, "golden") ? Optional.of(golden(root.get("golden"))) : Optional.empty(),
          present(root, "preprocessing")
              ? Optional.of(preprocessing(root.get("preprocessing")))
              : Optional.empty(),
          present(root, "postprocessing") && softmax(root.get("postprocessing")),
          categoricals(root, features),
          present(root, "linear")
              ? Optional.of(linear(root.get("linear"), features, positiveLabel))
              : Optional.empty(),
          reference(root));
    }

    private List<Categorical> categoricals(JsonNode root, List<String> features)
        throws ModelLoadException {
      if (!present(root, "categoricals")) {
        return List.of();
      }
      JsonNode array = root.get("categoricals");
      if (!array.isArray()) {
        throw invalid("categoricals", "must be an array of {name, encoding, values}", array);
      }
      List<Categorical> categoricals = new ArrayList<>();
      for (int i = 0; i < array.size(); i++) {
        String at = "categoricals[" + i + "]";
        JsonNode node = array.get(i);
        String name = text(node, "name", at + ".name");
        String encoding = text(node, "encoding", at + ".encoding");
        if (!encoding.equals(ONE_HOT)) {
          throw invalid(at + ".encoding", "must be " + ONE_HOT, node.get("encoding"));
        }
        JsonNode valuesNode = required(node, "values", at + ".values");
        if (!valuesNode.isArray() || valuesNode.isEmpty()) {
          throw invalid(at + ".values", "must be a non-empty array of strings", valuesNode);
        }
        List<String> values = new ArrayList<>();
        for (int v = 0; v < valuesNode.size(); v++) {
          String value = valuesNode.get(v).asText();
          if (!valuesNode.get(v).isTextual() || !features.contains(name + "=" + value)) {
            throw invalid(
                at + ".values[" + v + "]",
                "must be a string whose column '" + name + "=" + value + "' is in features",
                valuesNode.get(v));
          }
          values.add(value);
        }
        categoricals.add(new Categorical(name, encoding, values));
      }
      return categoricals;
    }

    private Linear linear(JsonNode node, List<String> features, Optional<String> positiveLabel)
        throws ModelLoadException {
      if (!node.isObject()) {
        throw invalid("linear", "must be an object", node);
      }
      String label = text(node, "positiveLabel", "linear.positiveLabel");
      if (positiveLabel.isPresent() && !positiveLabel.get().equals(label)) {
        throw invalid(
            "linear.positiveLabel",
            "must be the descriptor's positiveLabel '" + positiveLabel.get() + "'",
            node.get("positiveLabel"));
      }
      List<Double> means = numbers(node, "means", "linear.means", features.size());
      List<Double> scales = numbers(node, "scales", "linear.scales", features.size());
      for (int i = 0; i < scales.size(); i++) {
        if (!(scales.get(i) > 0)) {
          throw invalid("linear.scales[" + i + "]", "must be positive", node.at("/scales/" + i));
        }
      }
      List<Double> coefficients =
          numbers(node, "coefficients", "linear.coefficients", features.size());
      JsonNode intercept = required(node, "intercept", "linear.intercept");
      if (!intercept.isNumber() || !Double.isFinite(intercept.doubleValue())) {
        throw invalid("linear.intercept", "must be a finite number", intercept);
      }
      return new Linear(label, means, scales, coefficients, intercept.doubleValue());
    }

    private Map<String, Distribution> reference(JsonNode root) throws ModelLoadException {
      if (!present(root, "reference")) {
        return Map.of();
      }
      JsonNode distributions = required(root.get("reference"), "distributions", "reference");
      if (!distributions.isObject()) {
        throw invalid("reference.distributions", "must be an object", distributions);
      }
      Map<String, Distribution> out = new LinkedHashMap<>();
      var fields = distributions.fields();
      while (fields.hasNext()) {
        var entry = fields.next();
        String at = "reference.distributions." + entry.getKey();
        JsonNode d = entry.getValue();
        List<Double> edges = numbers(d, "edges", at + ".edges", -1);
        for (int i = 1; i < edges.size(); i++) {
          if (!(edges.get(i) > edges.get(i - 1))) {
            throw invalid(at + ".edges", "must be strictly increasing", d.get("edges"));
          }
        }
        List<Double> proportions = numbers(d, "proportions", at + ".proportions", edges.size() + 1);
        double sum = 0;
        for (double p : proportions) {
          if (p < 0 || p > 1) {
            throw invalid(at + ".proportions", "must each be in [0, 1]", d.get("proportions"));
          }
          sum += p;
        }
        if (Math.abs(sum - 1) > 1e-6) {
          throw invalid(at + ".proportions", "must add up to 1", d.get("proportions"));
        }
        out.put(entry.getKey(), new Distribution(edges, proportions));
      }
      return out;
    }

    /** A list of finite numbers; {@code size} -1 means any length. */
    private List<Double> numbers(JsonNode parent, String key, String at, int size)
        throws ModelLoadException {
      JsonNode array = required(parent, key, at);
      if (!array.isArray() || (size >= 0 && array.size() != size)) {
        throw invalid(
            at,
            size >= 0
                ? "must be an array of " + size + " numbers (one per feature)"
                : "must be an array of numbers",
            array);
      }
      List<Double> values = new ArrayList<>(array.size());
      for (int i = 0; i < array.size(); i++) {
        JsonNode n = array.get(i);
        if (!n.isNumber() || !Double.isFinite(n.doubleValue())) {
          throw invalid(at + "[" + i + "]", "must be a finite number", n);
        }
        values.add(n.doubleValue());
      }
      return values;
    }

    private String withDataDir(String value, String field) throws ModelLoadException {
      if (!value.startsWith(DATA_DIR_PLACEHOLDER)) {
        return value;
      }
      if (dataDir == null) {
        throw new ModelLoadException(
            "model descriptor "
                + path
                + ": field '"
                + field
                + "' names the data directory ("
                + value
                + ") but none was given (configuration key data.dir)");
      }
      String rest = value.substring(DATA_DIR_PLACEHOLDER.length()).replaceFirst("^[/\\\\]+", "");
      return dataDir.toAbsolutePath().resolve(rest).normalize().toString();
    }

    private List<String> labels(JsonNode root) throws ModelLoadException {
      if (!present(root, "labelsFile")) {
        return optionalStrings(root, "labels");
      }
      if (present(root, "labels")) {
        throw invalid("labelsFile", "must not be given together with 'labels'", root.get("labels"));
      }
      Path file =
          path.toAbsolutePath()
              .getParent()
              .resolve(withDataDir(text(root, "labelsFile", "labelsFile"), "labelsFile"));
      byte[] bytes;
      try {
        bytes = Files.readAllBytes(file);
      } catch (IOException e) {
        throw new ModelLoadException(
            "model descriptor " + path + ": labels file " + file + " cannot be read: " + e, e);
      }
      if (present(root, "labelsSha256")) {
        String expected = text(root, "labelsSha256", "labelsSha256").toLowerCase(Locale.ROOT);
        String actual = sha256(bytes);
        if (!actual.equals(expected)) {
          throw new ModelLoadException(
              "labels file "
                  + file
                  + " has sha256 "
                  + actual
                  + ", descriptor "
                  + path
                  + " expects "
                  + expected);
        }
      }
      List<String> labels =
          new ArrayList<>(List.of(new String(bytes, StandardCharsets.UTF_8).split("\\r?\\n", -1)));
      if (!labels.isEmpty() && labels.get(labels.size() - 1).isEmpty()) {
        labels.remove(labels.size() - 1);
      }
      if (labels.isEmpty() || labels.stream().anyMatch(String::isBlank)) {
        throw new ModelLoadException(
            "model descriptor " + path + ": labels file " + file + " has an empty label");
      }
      return labels;
    }

    private static String sha256(byte[] bytes) {
      try {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("every Java platform has SHA-256", e);
      }
    }

    private Preprocessing preprocessing(JsonNode node) throws ModelLoadException {
      if (!node.isObject()) {
        throw invalid("preprocessing", "must be an object", node);
      }
      try {
        return new Preprocessing(
            Preprocessing.Resize.valueOf(
                text(node, "resize", "preprocessing.resize").toUpperCase(Locale.ROOT)),
            positiveInt(node, "width"),
            positiveInt(node, "height"),
            Preprocessing.Channels.valueOf(
                text(node, "channels", "preprocessing.channels").toUpperCase(Locale.ROOT)),
            Preprocessing.Layout.valueOf(
                text(node, "layout", "preprocessing.layout").toUpperCase(Locale.ROOT)),
            number(node, "pixelDivisor"),
            numbers(node, "mean"),
            numbers(node, "std"));
      } catch (IllegalArgumentException e) {
        throw new ModelLoadException(
            "model descriptor "
                + path
                + ": field 'preprocessing' is invalid: "
                + e.getMessage()
                + " (resize: bilinear; channels: RGB, BGR or GRAY; layout: NCHW)",
            e);
      }
    }

    private int positiveInt(JsonNode node, String field) throws ModelLoadException {
      JsonNode v = required(node, field, "preprocessing." + field);
      if (!v.isIntegralNumber() || v.intValue() < 1) {
        throw invalid("preprocessing." + field, "must be a positive integer", v);
      }
      return v.intValue();
    }

    private double number(JsonNode node, String field) throws ModelLoadException {
      JsonNode v = required(node, field, "preprocessing." + field);
      if (!v.isNumber()) {
        throw invalid("preprocessing." + field, "must be a number", v);
      }
      return v.doubleValue();
    }

    private List<Double> numbers(JsonNode node, String field) throws ModelLoadException {
      JsonNode v = required(node, field, "preprocessing." + field);
      if (!v.isArray()) {
        throw invalid("preprocessing." + field, "must be an array of numbers", v);
      }
      List<Double> values = new ArrayList<>();
      for (int i = 0; i < v.size(); i++) {
        if (!v.get(i).isNumber()) {
          throw invalid("preprocessing." + field + "[" + i + "]", "must be a number", v.get(i));
        }
        values.add(v.get(i).doubleValue());
      }
      return values;
    }

    private boolean softmax(JsonNode node) throws ModelLoadException {
      if (!node.isObject()) {
        throw invalid("postprocessing", "must be an object such as {\"softmax\": true}", node);
      }
      JsonNode v = node.get("softmax");
      if (v == null || v.isNull()) {
        return false;
      }
      if (!v.isBoolean()) {
        throw invalid("postprocessing.softmax", "must be true or false", v);
      }
      return v.booleanValue();
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
