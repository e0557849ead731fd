package io.sluice.descriptor;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.descriptor.ModelDescriptor.Categorical;
import io.sluice.descriptor.ModelDescriptor.Distribution;
import io.sluice.descriptor.ModelDescriptor.Golden;
import io.sluice.descriptor.ModelDescriptor.Item;
import io.sluice.descriptor.ModelDescriptor.Linear;
import io.sluice.descriptor.ModelDescriptor.Recommendation;
import io.sluice.descriptor.ModelDescriptor.ReferenceRows;
import io.sluice.descriptor.ModelDescriptor.TensorSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * Reads and validates one descriptor file; every error names the file and the JSON field, and says
 * what was expected and what was found. Used through {@link ModelDescriptor#read(Path, Path)}.
 */
final class DescriptorReader {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final Path path;
  private final Path dataDir;

  private DescriptorReader(Path path, Path dataDir) {
    this.path = path;
    this.dataDir = dataDir;
  }

  static ModelDescriptor read(Path descriptorJson, Path dataDir) throws DescriptorException {
    JsonNode root;
    try {
      root = MAPPER.readTree(Files.readAllBytes(descriptorJson));
    } catch (NoSuchFileException e) {
      throw new DescriptorException(
          "model descriptor "
              + descriptorJson
              + " does not exist"
              + resolvedAgainst(descriptorJson),
          e);
    } catch (JsonProcessingException e) {
      throw new DescriptorException(
          "model descriptor " + descriptorJson + " is not valid JSON: " + e.getOriginalMessage(),
          e);
    } catch (IOException e) {
      throw new DescriptorException(
          "model descriptor " + descriptorJson + " cannot be read: " + e.getMessage(), e);
    }
    return new DescriptorReader(descriptorJson, dataDir).descriptor(root);
  }

  /** For a relative path, the directory it was resolved against; empty for an absolute one. */
  private static String resolvedAgainst(Path path) {
    return path.isAbsolute()
        ? ""
        : " (resolved against the working directory " + Path.of("").toAbsolutePath() + ")";
  }

  ModelDescriptor descriptor(JsonNode root) throws DescriptorException {
    if (root == null || !root.isObject()) {
      throw new DescriptorException(
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
        reference(root),
        referenceRows(root),
        training(root),
        present(root, "recommendation")
            ? Optional.of(recommendation(root.get("recommendation")))
            : Optional.empty());
  }

  private Optional<ReferenceRows> referenceRows(JsonNode root) throws DescriptorException {
    JsonNode reference = root.get("reference");
    if (reference == null || !present(reference, "rows")) {
      return Optional.empty();
    }
    JsonNode count = required(reference, "count", "reference.count");
    if (!count.isIntegralNumber() || count.intValue() < 0) {
      throw invalid("reference.count", "must be a non-negative integer", count);
    }
    return Optional.of(
        new ReferenceRows(text(reference, "rows", "reference.rows"), count.intValue()));
  }

  private Map<String, Object> training(JsonNode root) throws DescriptorException {
    if (!present(root, "training")) {
      return Map.of();
    }
    JsonNode node = root.get("training");
    if (!node.isObject()) {
      throw invalid("training", "must be an object", node);
    }
    Map<String, Object> training = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      training.put(e.getKey(), MAPPER.convertValue(e.getValue(), Object.class));
    }
    return training;
  }

  private Recommendation recommendation(JsonNode node) throws DescriptorException {
    if (!node.isObject()) {
      throw invalid("recommendation", "must be an object", node);
    }
    JsonNode items = array(node, "items");
    List<Item> catalogue = new ArrayList<>(items.size());
    Map<Long, Integer> index = new LinkedHashMap<>();
    for (int i = 0; i < items.size(); i++) {
      JsonNode item = items.get(i);
      if (!item.path("id").isIntegralNumber() || !item.path("title").isTextual()) {
        throw invalid(
            "recommendation.items[" + i + "]", "must have an integer id and a text title", item);
      }
      catalogue.add(new Item(item.get("id").longValue(), item.get("title").textValue()));
      index.put(item.get("id").longValue(), i);
    }
    JsonNode popularNode = array(node, "popular");
    JsonNode countsNode = array(node, "popularCounts");
    if (countsNode.size() != popularNode.size()) {
      throw invalid(
          "recommendation.popularCounts",
          "must have one count per popular item (" + popularNode.size() + ")",
          countsNode);
    }
    List<Long> popular = new ArrayList<>();
    List<Integer> popularCounts = new ArrayList<>();
    for (int i = 0; i < popularNode.size(); i++) {
      JsonNode id = popularNode.get(i);
      if (!id.isIntegralNumber() || !index.containsKey(id.longValue())) {
        throw invalid(
            "recommendation.popular[" + i + "]", "must be an item of 'recommendation.items'", id);
      }
      JsonNode count = countsNode.get(i);
      if (!count.isIntegralNumber()) {
        throw invalid("recommendation.popularCounts[" + i + "]", "must be an integer", count);
      }
      popular.add(id.longValue());
      popularCounts.add(count.intValue());
    }
    JsonNode maxRecent = required(node, "maxRecent", "recommendation.maxRecent");
    if (!maxRecent.isIntegralNumber() || maxRecent.intValue() < 1) {
      throw invalid("recommendation.maxRecent", "must be a positive integer", maxRecent);
    }
    JsonNode decay = required(node, "decay", "recommendation.decay");
    if (!decay.isNumber() || !(decay.doubleValue() > 0)) {
      throw invalid("recommendation.decay", "must be a positive number", decay);
    }
    return new Recommendation(
        maxRecent.intValue(), decay.floatValue(), popular, popularCounts, catalogue);
  }

  private JsonNode array(JsonNode recommendation, String field) throws DescriptorException {
    JsonNode a = required(recommendation, field, "recommendation." + field);
    if (!a.isArray()) {
      throw invalid("recommendation." + field, "must be an array", a);
    }
    return a;
  }

  private List<Categorical> categoricals(JsonNode root, List<String> features)
      throws DescriptorException {
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
      if (!encoding.equals(ModelDescriptor.ONE_HOT)) {
        throw invalid(at + ".encoding", "must be " + ModelDescriptor.ONE_HOT, node.get("encoding"));
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
      throws DescriptorException {
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

  private Map<String, Distribution> reference(JsonNode root) throws DescriptorException {
    if (!present(root, "reference")) {
      return Map.of();
    }
    JsonNode distributions = required(root.get("reference"), "distributions", "reference");
    if (!distributions.isObject()) {
      throw invalid("reference.distributions", "must be an object", distributions);
    }
    Map<String, Distribution> out = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> entry : distributions.properties()) {
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
      throws DescriptorException {
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

  private String withDataDir(String value, String field) throws DescriptorException {
    if (!value.startsWith(ModelDescriptor.DATA_DIR_PLACEHOLDER)) {
      return value;
    }
    if (dataDir == null) {
      throw new DescriptorException(
          "model descriptor "
              + path
              + ": field '"
              + field
              + "' names the data directory ("
              + value
              + ") but none was given (configuration key data.dir)");
    }
    String rest =
        value
            .substring(ModelDescriptor.DATA_DIR_PLACEHOLDER.length())
            .replaceFirst("^[/\\\\]+", "");
    return dataDir.toAbsolutePath().resolve(rest).normalize().toString();
  }

  private List<String> labels(JsonNode root) throws DescriptorException {
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
      throw new DescriptorException(
          "model descriptor " + path + ": labels file " + file + " cannot be read: " + e, e);
    }
    if (present(root, "labelsSha256")) {
      String expected = text(root, "labelsSha256", "labelsSha256").toLowerCase(Locale.ROOT);
      String actual = ModelDescriptor.sha256(bytes);
      if (!actual.equals(expected)) {
        throw new DescriptorException(
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
      throw new DescriptorException(
          "model descriptor " + path + ": labels file " + file + " has an empty label");
    }
    return labels;
  }

  private Preprocessing preprocessing(JsonNode node) throws DescriptorException {
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
      throw new DescriptorException(
          "model descriptor "
              + path
              + ": field 'preprocessing' is invalid: "
              + e.getMessage()
              + " (resize: bilinear; channels: RGB, BGR or GRAY; layout: NCHW)",
          e);
    }
  }

  private int positiveInt(JsonNode node, String field) throws DescriptorException {
    JsonNode v = required(node, field, "preprocessing." + field);
    if (!v.isIntegralNumber() || v.intValue() < 1) {
      throw invalid("preprocessing." + field, "must be a positive integer", v);
    }
    return v.intValue();
  }

  private double number(JsonNode node, String field) throws DescriptorException {
    JsonNode v = required(node, field, "preprocessing." + field);
    if (!v.isNumber()) {
      throw invalid("preprocessing." + field, "must be a number", v);
    }
    return v.doubleValue();
  }

  private List<Double> numbers(JsonNode node, String field) throws DescriptorException {
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

  private boolean softmax(JsonNode node) throws DescriptorException {
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

  private List<TensorSpec> tensors(JsonNode root, String field) throws DescriptorException {
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

  private Golden golden(JsonNode golden) throws DescriptorException {
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

  private List<float[]> rows(JsonNode golden, String field) throws DescriptorException {
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

  private List<String> optionalStrings(JsonNode root, String field) throws DescriptorException {
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

  private String text(JsonNode parent, String key, String at) throws DescriptorException {
    JsonNode node = required(parent, key, at);
    if (!node.isTextual() || node.textValue().isBlank()) {
      throw invalid(at, "must be a non-empty string", node);
    }
    return node.textValue();
  }

  private JsonNode required(JsonNode parent, String key, String at) throws DescriptorException {
    if (!present(parent, key)) {
      throw new DescriptorException(
          "model descriptor " + path + ": required field '" + at + "' is missing");
    }
    return parent.get(key);
  }

  private static boolean present(JsonNode parent, String key) {
    return parent.hasNonNull(key);
  }

  private DescriptorException invalid(String at, String expected, JsonNode found) {
    return new DescriptorException(
        "model descriptor " + path + ": field '" + at + "' " + expected + ", found " + kind(found));
  }

  private static String kind(JsonNode node) {
    if (node == null || node.isMissingNode()) {
      return "nothing";
    }
    String text = node.toString();
    return text.length() > 60 ? text.substring(0, 57) + "..." : text;
  }
}
