package io.sluice.descriptor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * The JSON file that travels with an ONNX model: what the file is, how to feed it, how to read its
 * output, and how to check it. The trainers write it ({@link #write}), the engine reads it ({@link
 * #read(Path, Path)}); {@code models/descriptors/README.md} documents every field.
 *
 * <p>Required fields: {@code name}, {@code version}, {@code file} (relative to the descriptor's
 * directory), {@code sha256}, {@code inputs} and {@code outputs}. Every other block is optional and
 * is empty here when the file does not have it. Unknown fields are ignored. Instances are
 * immutable; {@link #read} and {@link #write} are thread-safe.
 *
 * <p>{@code file} and {@code labelsFile} may start with {@value #DATA_DIR_PLACEHOLDER}, replaced by
 * the data directory given to {@link #read(Path, Path)}: pretrained models live in the data
 * directory, their descriptors in the repository.
 *
 * @param path the descriptor file this was read from; null for a descriptor built in memory
 * @param name model name, e.g. {@code fraud-logreg}; stamped on every prediction
 * @param version model version, e.g. {@code 1}; stamped on every prediction
 * @param file the model file name, relative to the descriptor's directory
 * @param sha256 lower-case hex SHA-256 of the model file
 * @param inputs declared inputs, in order
 * @param outputs declared outputs, in order; the first is the one float rows are scored on
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
 * @param referenceRows which training rows {@code reference} was computed on, if recorded
 * @param training how the model was made (free-form, per model), empty if not recorded
 * @param recommendation what a recommender adds: catalogue, popularity list, recent-item weights
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
    Map<String, Distribution> reference,
    Optional<ReferenceRows> referenceRows,
    Map<String, Object> training,
    Optional<Recommendation> recommendation) {

  /** The placeholder for the data directory in {@code file} and {@code labelsFile}. */
  public static final String DATA_DIR_PLACEHOLDER = "${data.dir}";

  /** The only encoding of categorical inputs so far: one column per known value. */
  public static final String ONE_HOT = "one-hot";

  /**
   * One declared input or output tensor.
   *
   * @param name the tensor name in the graph
   * @param type the element type as ONNX Runtime's Java API names it, e.g. {@code FLOAT}
   * @param shape dimensions, -1 for a dynamic one (the batch)
   */
  public record TensorSpec(String name, String type, List<Long> shape) {
    public TensorSpec {
      shape = List.copyOf(shape);
    }
  }

  /**
   * Known inputs and the first output's values the model must give for them: {@code inputs.get(i)}
   * fed as one batch row gives {@code outputs.get(i)}. Equal when the rows hold equal values.
   *
   * @param inputs one flattened input row per example, in {@code features} order
   * @param outputs one flattened output row per example, in {@code labels} order
   */
  public record Golden(List<float[]> inputs, List<float[]> outputs) {
    public Golden {
      inputs = List.copyOf(inputs);
      outputs = List.copyOf(outputs);
    }

    /**
     * The first {@code negatives} rows labelled 0 and the first {@code positives} rows labelled 1,
     * in row order, with the model's outputs for them.
     */
    public static Golden firstRows(
        float[][] inputs, float[][] outputs, int[] labels, int negatives, int positives) {
      List<float[]> goldenInputs = new ArrayList<>();
      List<float[]> goldenOutputs = new ArrayList<>();
      int taken0 = 0;
      int taken1 = 0;
      for (int i = 0; i < labels.length; i++) {
        boolean take = labels[i] == 1 ? taken1++ < positives : taken0++ < negatives;
        if (take) {
          goldenInputs.add(inputs[i].clone());
          goldenOutputs.add(outputs[i].clone());
        }
      }
      return new Golden(goldenInputs, goldenOutputs);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Golden g && sameRows(inputs, g.inputs) && sameRows(outputs, g.outputs);
    }

    @Override
    public int hashCode() {
      int hash = 1;
      for (float[] row : inputs) {
        hash = 31 * hash + Arrays.hashCode(row);
      }
      for (float[] row : outputs) {
        hash = 31 * hash + Arrays.hashCode(row);
      }
      return hash;
    }

    @Override
    public String toString() {
      return "Golden[inputs=" + rows(inputs) + ", outputs=" + rows(outputs) + "]";
    }

    private static boolean sameRows(List<float[]> a, List<float[]> b) {
      if (a.size() != b.size()) {
        return false;
      }
      for (int i = 0; i < a.size(); i++) {
        if (!Arrays.equals(a.get(i), b.get(i))) {
          return false;
        }
      }
      return true;
    }

    private static String rows(List<float[]> rows) {
      return rows.stream().map(Arrays::toString).toList().toString();
    }
  }

  /**
   * A text input encoded as one column per known value; the columns are named {@code name=value} in
   * {@code features}. A value not listed sets no column.
   *
   * @param name the input's name, which the pipeline's feature mapping maps to an event field
   * @param encoding {@value #ONE_HOT}
   * @param values the known values, in the order their columns appear in {@code features}
   */
  public record Categorical(String name, String encoding, List<String> values) {
    public Categorical {
      values = List.copyOf(values);
    }
  }

  /**
   * A linear model's log-odds of {@code positiveLabel}: {@code intercept + sum_i coefficients[i] *
   * (x[i] - means[i]) / scales[i]} over the raw inputs in {@code features} order. Each term is the
   * feature's contribution to the score.
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
   * A binned training distribution: bin {@code i} holds {@code edges[i-1] < x <= edges[i]} (the
   * first bin open below, the last above), so there is one more proportion than edges. {@link
   * ReferenceBins} makes them and says which bin a value falls in.
   */
  public record Distribution(List<Double> edges, List<Double> proportions) {
    public Distribution {
      edges = List.copyOf(edges);
      proportions = List.copyOf(proportions);
    }
  }

  /**
   * Which rows the reference distributions were computed on.
   *
   * @param rows e.g. {@code train split}
   * @param count how many rows that is
   */
  public record ReferenceRows(String rows, int count) {}

  /**
   * How to use a recommender graph.
   *
   * @param maxRecent the width N of the recent-items input
   * @param decay the weight of the j-th most recent item is {@code decay^j} (0-based), as trained
   * @param popular item ids by training popularity, most popular first: the list for a user with no
   *     usable history
   * @param popularCounts the training ratings of each item of {@code popular}
   * @param items the catalogue: graph item index {@code i} is {@code items[i]}
   */
  public record Recommendation(
      int maxRecent,
      float decay,
      List<Long> popular,
      List<Integer> popularCounts,
      List<Item> items) {
    public Recommendation {
      popular = List.copyOf(popular);
      popularCounts = List.copyOf(popularCounts);
      items = List.copyOf(items);
    }
  }

  /** One catalogue item of a recommender. */
  public record Item(long id, String title) {}

  public ModelDescriptor {
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
    features = List.copyOf(features);
    labels = List.copyOf(labels);
    Objects.requireNonNull(positiveLabel, "positiveLabel");
    Objects.requireNonNull(alertThreshold, "alertThreshold");
    Objects.requireNonNull(golden, "golden");
    Objects.requireNonNull(preprocessing, "preprocessing");
    categoricals = List.copyOf(categoricals);
    Objects.requireNonNull(linear, "linear");
    // Insertion order is kept so that a written descriptor reads like the trainer built it.
    reference = Collections.unmodifiableMap(new LinkedHashMap<>(reference));
    Objects.requireNonNull(referenceRows, "referenceRows");
    training = Collections.unmodifiableMap(new LinkedHashMap<>(training));
    Objects.requireNonNull(recommendation, "recommendation");
  }

  /** A builder for a descriptor with the required fields; every optional block starts empty. */
  public static Builder builder(
      String name,
      String version,
      String file,
      String sha256,
      List<TensorSpec> inputs,
      List<TensorSpec> outputs) {
    return new Builder(name, version, file, sha256, inputs, outputs);
  }

  /**
   * Reads and validates a descriptor.
   *
   * @throws DescriptorException when the file cannot be read, is not JSON, or a field is missing or
   *     invalid; the message names the descriptor file and the field
   */
  public static ModelDescriptor read(Path descriptorJson) throws DescriptorException {
    return read(descriptorJson, null);
  }

  /**
   * Reads and validates a descriptor whose paths may name the data directory as {@value
   * #DATA_DIR_PLACEHOLDER}.
   *
   * @param dataDir the data directory, or null if there is none
   * @throws DescriptorException when the file cannot be read, is not JSON, or a field is missing or
   *     invalid; the message names the descriptor file and the field
   */
  public static ModelDescriptor read(Path descriptorJson, Path dataDir) throws DescriptorException {
    return DescriptorReader.read(descriptorJson, dataDir);
  }

  /**
   * Writes this descriptor as indented JSON, replacing {@code descriptorFile}. Empty optional
   * blocks are left out; labels are written as {@code labels}, never as a labels file.
   */
  public void write(Path descriptorFile) throws IOException {
    DescriptorWriter.write(this, descriptorFile);
  }

  /**
   * The model file this descriptor names, resolved against the descriptor's directory.
   *
   * @throws IllegalStateException for a descriptor built in memory, which has no directory
   */
  public Path modelFile() {
    if (path == null) {
      throw new IllegalStateException("descriptor " + id() + " was not read from a file");
    }
    return modelFile(path);
  }

  /** The model file this descriptor names, resolved against {@code descriptorFile}'s directory. */
  public Path modelFile(Path descriptorFile) {
    return descriptorFile.toAbsolutePath().getParent().resolve(file).normalize();
  }

  /** {@code name:version}, the way logs and messages name this model version. */
  public String id() {
    return name + ":" + version;
  }

  /** Lower-case hex SHA-256 of a file, as {@code sha256} holds it. */
  public static String sha256(Path file) throws IOException {
    return sha256(Files.readAllBytes(file));
  }

  /** Lower-case hex SHA-256 of some bytes, as {@code sha256} and {@code labelsSha256} hold it. */
  public static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }

  /** Builds a {@link ModelDescriptor} in memory, as the trainers do. Not thread-safe. */
  public static final class Builder {
    private Path path;
    private final String name;
    private final String version;
    private final String file;
    private final String sha256;
    private final List<TensorSpec> inputs;
    private final List<TensorSpec> outputs;
    private List<String> features = List.of();
    private List<String> labels = List.of();
    private Optional<String> positiveLabel = Optional.empty();
    private OptionalDouble alertThreshold = OptionalDouble.empty();
    private Optional<Golden> golden = Optional.empty();
    private Optional<Preprocessing> preprocessing = Optional.empty();
    private boolean softmax;
    private List<Categorical> categoricals = List.of();
    private Optional<Linear> linear = Optional.empty();
    private Map<String, Distribution> reference = Map.of();
    private Optional<ReferenceRows> referenceRows = Optional.empty();
    private Map<String, Object> training = Map.of();
    private Optional<Recommendation> recommendation = Optional.empty();

    private Builder(
        String name,
        String version,
        String file,
        String sha256,
        List<TensorSpec> inputs,
        List<TensorSpec> outputs) {
      this.name = name;
      this.version = version;
      this.file = file;
      this.sha256 = sha256;
      this.inputs = inputs;
      this.outputs = outputs;
    }

    public Builder path(Path value) {
      this.path = value;
      return this;
    }

    public Builder features(List<String> value) {
      this.features = value;
      return this;
    }

    public Builder labels(List<String> value) {
      this.labels = value;
      return this;
    }

    /** The label an alert is about and the score at or above which it is raised. */
    public Builder alert(String label, double threshold) {
      this.positiveLabel = Optional.of(label);
      this.alertThreshold = OptionalDouble.of(threshold);
      return this;
    }

    public Builder positiveLabel(String value) {
      this.positiveLabel = Optional.of(value);
      return this;
    }

    public Builder golden(Golden value) {
      this.golden = Optional.of(value);
      return this;
    }

    public Builder preprocessing(Preprocessing value) {
      this.preprocessing = Optional.of(value);
      return this;
    }

    public Builder softmax(boolean value) {
      this.softmax = value;
      return this;
    }

    public Builder categoricals(List<Categorical> value) {
      this.categoricals = value;
      return this;
    }

    public Builder linear(Linear value) {
      this.linear = Optional.of(value);
      return this;
    }

    /**
     * Reference distributions by name, computed on {@code count} rows described by {@code rows}.
     */
    public Builder reference(String rows, int count, Map<String, Distribution> distributions) {
      this.referenceRows = Optional.of(new ReferenceRows(rows, count));
      this.reference = distributions;
      return this;
    }

    public Builder training(Map<String, Object> value) {
      this.training = value;
      return this;
    }

    public Builder recommendation(Recommendation value) {
      this.recommendation = Optional.of(value);
      return this;
    }

    public ModelDescriptor build() {
      return new ModelDescriptor(
          path,
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
          preprocessing,
          softmax,
          categoricals,
          linear,
          reference,
          referenceRows,
          training,
          recommendation);
    }
  }
}
