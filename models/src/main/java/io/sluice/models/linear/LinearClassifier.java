package io.sluice.models.linear;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.sluice.descriptor.ModelDescriptor;
import io.sluice.descriptor.ModelDescriptor.TensorSpec;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.tribuo.Example;
import org.tribuo.ImmutableFeatureMap;
import org.tribuo.ImmutableOutputInfo;
import org.tribuo.Model;
import org.tribuo.MutableDataset;
import org.tribuo.ONNXExportable;
import org.tribuo.Prediction;
import org.tribuo.Trainer;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.classification.sgd.fm.FMClassificationTrainer;
import org.tribuo.classification.sgd.linear.LinearSGDModel;
import org.tribuo.classification.sgd.linear.LinearSGDTrainer;
import org.tribuo.classification.sgd.objectives.LogMulticlass;
import org.tribuo.impl.ArrayExample;
import org.tribuo.math.la.DenseMatrix;
import org.tribuo.math.optimisers.AdaGrad;
import org.tribuo.provenance.SimpleDataSourceProvenance;
import org.tribuo.util.onnx.ONNXContext;
import org.tribuo.util.onnx.ONNXNode;
import org.tribuo.util.onnx.ONNXOperators;
import org.tribuo.util.onnx.ONNXPlaceholder;

/**
 * A logistic regression over standardised features, trained with Tribuo and exported to ONNX with
 * the standardisation inside the graph, so that the engine feeds raw values.
 *
 * <p>Rows are given in the caller's column order ({@code inputNames}); the model's own column
 * order, {@link #features()}, is Tribuo's feature domain, which is alphabetical. Tribuo exports
 * only the linear model, not its input transformations, so {@link #export} writes {@code input →
 * Sub(mean) → Div(scale) → linear → softmax → output}. Immutable once trained.
 */
public final class LinearClassifier {

  /** Largest allowed difference between ONNX Runtime's and Tribuo's probabilities. */
  public static final double MAX_ONNX_DIFFERENCE = 1e-6;

  private static final String ONNX_DOMAIN = "io.sluice.models";

  private final List<String> inputNames;
  private final Standardizer standardizer;
  private final Model<Label> model;
  private final List<String> features;
  private final List<String> labels;
  private final int[] inputColumn;

  private LinearClassifier(List<String> inputNames, Standardizer standardizer, Model<Label> model) {
    this.inputNames = List.copyOf(inputNames);
    this.standardizer = standardizer;
    this.model = model;
    ImmutableFeatureMap domain = model.getFeatureIDMap();
    if (domain.size() != inputNames.size()) {
      throw new IllegalStateException(
          "Expected the model to know all features "
              + inputNames
              + ", found "
              + domain.size()
              + " features");
    }
    List<String> names = new ArrayList<>();
    for (int id = 0; id < domain.size(); id++) {
      names.add(domain.get(id).getName());
    }
    this.features = List.copyOf(names);
    ImmutableOutputInfo<Label> outputs = model.getOutputIDInfo();
    List<String> outputLabels = new ArrayList<>();
    for (int id = 0; id < outputs.size(); id++) {
      outputLabels.add(outputs.getOutput(id).getLabel());
    }
    this.labels = List.copyOf(outputLabels);
    this.inputColumn = new int[features.size()];
    for (int j = 0; j < features.size(); j++) {
      inputColumn[j] = inputNames.indexOf(features.get(j));
    }
  }

  /**
   * Fits the standardisation on {@code rows} and trains the model: {@link LogMulticlass} loss,
   * AdaGrad, minibatch 1.
   *
   * @param inputNames the name of each column of a row
   * @param rows raw training rows
   * @param labels the label of each row
   * @param description what the rows are, recorded in Tribuo's provenance
   */
  public static LinearClassifier train(
      List<String> inputNames,
      List<double[]> rows,
      List<String> labels,
      int epochs,
      double learningRate,
      long seed,
      String description) {
    return train(
        inputNames,
        rows,
        labels,
        description,
        new LinearSGDTrainer(
            new LogMulticlass(), new AdaGrad(learningRate, 0.1), epochs, -1, 1, seed));
  }

  /**
   * As {@link #train}, but a factorization machine (Tribuo's {@link FMClassificationTrainer}, with
   * {@code factors} factors of initial variance {@code variance}): a challenger that is not linear,
   * so it has no {@link #linear} explanation. Exported the same way, standardisation included.
   */
  public static LinearClassifier trainFactorizationMachine(
      List<String> inputNames,
      List<double[]> rows,
      List<String> labels,
      int epochs,
      double learningRate,
      long seed,
      int factors,
      double variance,
      String description) {
    return train(
        inputNames,
        rows,
        labels,
        description,
        new FMClassificationTrainer(
            new LogMulticlass(),
            new AdaGrad(learningRate, 0.1),
            epochs,
            -1,
            1,
            seed,
            factors,
            variance));
  }

  /** Standardises the rows with their own statistics and trains {@code trainer} on them. */
  private static LinearClassifier train(
      List<String> inputNames,
      List<double[]> rows,
      List<String> labels,
      String description,
      Trainer<Label> trainer) {
    if (rows.size() != labels.size()) {
      throw new IllegalArgumentException(
          "Expected one label per row (" + rows.size() + "), found " + labels.size());
    }
    Standardizer standardizer = Standardizer.fit(inputNames, rows);
    LabelFactory labelFactory = new LabelFactory();
    MutableDataset<Label> dataset =
        new MutableDataset<>(
            new SimpleDataSourceProvenance(description, labelFactory), labelFactory);
    String[] names = inputNames.toArray(new String[0]);
    for (int i = 0; i < rows.size(); i++) {
      dataset.add(
          new ArrayExample<>(new Label(labels.get(i)), names, standardizer.apply(rows.get(i))));
    }
    return new LinearClassifier(inputNames, standardizer, trainer.train(dataset));
  }

  /** The model's input columns, in order. */
  public List<String> features() {
    return features;
  }

  /** The model's output columns (class labels), in order. */
  public List<String> labels() {
    return labels;
  }

  /** Tribuo's probabilities, one row per input row, columns in {@link #labels()} order. */
  public double[][] probabilities(List<double[]> rows) {
    String[] names = inputNames.toArray(new String[0]);
    List<Example<Label>> examples = new ArrayList<>(rows.size());
    for (double[] row : rows) {
      examples.add(new ArrayExample<>(new Label(labels.get(0)), names, standardizer.apply(row)));
    }
    List<Prediction<Label>> predictions = model.predict(examples);
    double[][] probabilities = new double[rows.size()][labels.size()];
    for (int i = 0; i < rows.size(); i++) {
      Map<String, Label> scores = predictions.get(i).getOutputScores();
      for (int j = 0; j < labels.size(); j++) {
        probabilities[i][j] = scores.get(labels.get(j)).getScore();
      }
    }
    return probabilities;
  }

  /** Raw rows as the ONNX input takes them: float, columns in {@link #features()} order. */
  public float[][] onnxInputs(List<double[]> rows) {
    float[][] inputs = new float[rows.size()][features.size()];
    for (int i = 0; i < rows.size(); i++) {
      double[] row = rows.get(i);
      for (int j = 0; j < features.size(); j++) {
        inputs[i][j] = (float) row[inputColumn[j]];
      }
    }
    return inputs;
  }

  /**
   * The log-odds of {@code positiveLabel} against the other label as a sum of per-feature terms,
   * for a binary model: Tribuo's weights of the two classes subtracted, in {@link #features()}
   * order.
   */
  public ModelDescriptor.Linear linear(String positiveLabel) {
    if (labels.size() != 2 || !labels.contains(positiveLabel)) {
      throw new IllegalStateException(
          "Expected a binary model with label " + positiveLabel + ", found labels " + labels);
    }
    int positive = labels.indexOf(positiveLabel);
    int negative = 1 - positive;
    if (!(model instanceof LinearSGDModel linearModel)) {
      throw new IllegalStateException(
          "Expected a linear model for a linear explanation, found " + model.getClass().getName());
    }
    DenseMatrix weights = linearModel.getWeightsCopy();
    if (weights.getDimension1Size() != 2 || weights.getDimension2Size() != features.size() + 1) {
      throw new IllegalStateException(
          "Expected Tribuo weights of shape [2, "
              + (features.size() + 1)
              + "] (a bias last), found ["
              + weights.getDimension1Size()
              + ", "
              + weights.getDimension2Size()
              + "]");
    }
    List<Double> means = new ArrayList<>();
    List<Double> scales = new ArrayList<>();
    List<Double> coefficients = new ArrayList<>();
    for (int j = 0; j < features.size(); j++) {
      means.add(standardizer.mean(features.get(j)));
      scales.add(standardizer.scale(features.get(j)));
      coefficients.add(weights.get(positive, j) - weights.get(negative, j));
    }
    int bias = features.size();
    return new ModelDescriptor.Linear(
        positiveLabel,
        means,
        scales,
        coefficients,
        weights.get(positive, bias) - weights.get(negative, bias));
  }

  /**
   * What {@link #export} wrote and what ONNX Runtime computed on the check rows.
   *
   * @param inputs the graph's inputs as ONNX Runtime reports them
   * @param outputs the graph's outputs as ONNX Runtime reports them
   * @param checkInputs the check rows as fed to the graph
   * @param checkOutputs ONNX Runtime's output for each check row
   * @param maxDifference largest absolute difference from Tribuo's probabilities
   */
  public record Export(
      List<TensorSpec> inputs,
      List<TensorSpec> outputs,
      float[][] checkInputs,
      float[][] checkOutputs,
      double maxDifference) {

    /**
     * Golden rows from the check rows: the first {@code negatives} labelled 0 and the first {@code
     * positives} labelled 1, with ONNX Runtime's outputs for them.
     */
    public ModelDescriptor.Golden golden(int[] checkLabels, int negatives, int positives) {
      return ModelDescriptor.Golden.firstRows(
          checkInputs, checkOutputs, checkLabels, negatives, positives);
    }
  }

  /**
   * A descriptor of this model as {@link #export} wrote it to {@code onnxFile}: its file, hash and
   * signature, {@link #features()} and {@link #labels()}; the trainer adds the rest.
   */
  public ModelDescriptor.Builder descriptor(
      String modelName, String version, Path onnxFile, Export export) throws IOException {
    return ModelDescriptor.builder(
            modelName,
            version,
            onnxFile.getFileName().toString(),
            ModelDescriptor.sha256(onnxFile),
            export.inputs(),
            export.outputs())
        .features(features)
        .labels(labels);
  }

  /**
   * Writes the model as ONNX to {@code onnxFile}, but only if ONNX Runtime reproduces Tribuo's
   * probabilities on {@code checkRows} to {@value #MAX_ONNX_DIFFERENCE}; otherwise the file is left
   * as it was.
   *
   * @throws IllegalStateException if ONNX Runtime disagrees with Tribuo
   */
  public Export export(Path onnxFile, String modelName, long version, List<double[]> checkRows)
      throws IOException, OrtException {
    Path candidate = onnxFile.resolveSibling(onnxFile.getFileName() + ".candidate");
    writeOnnx(candidate, modelName, version);
    float[][] inputs = onnxInputs(checkRows);
    List<TensorSpec> inputSpecs;
    List<TensorSpec> outputSpecs;
    float[][] outputs;
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        OrtSession session = env.createSession(candidate.toString(), options)) {
      inputSpecs = specs(session.getInputInfo());
      outputSpecs = specs(session.getOutputInfo());
      String inputName = session.getInputNames().iterator().next();
      try (OnnxTensor tensor = OnnxTensor.createTensor(env, inputs);
          OrtSession.Result result = session.run(Map.of(inputName, tensor))) {
        outputs = (float[][]) result.get(0).getValue();
      }
    }
    double[][] expected = probabilities(checkRows);
    double max = 0;
    for (int i = 0; i < expected.length; i++) {
      for (int j = 0; j < expected[i].length; j++) {
        max = Math.max(max, Math.abs(outputs[i][j] - expected[i][j]));
      }
    }
    if (!(max <= MAX_ONNX_DIFFERENCE)) {
      Files.deleteIfExists(candidate);
      throw new IllegalStateException(
          String.format(
              "Expected ONNX Runtime to reproduce Tribuo's probabilities on %s to %s, found a"
                  + " difference of %s",
              candidate, MAX_ONNX_DIFFERENCE, max));
    }
    Files.move(candidate, onnxFile, StandardCopyOption.REPLACE_EXISTING);
    return new Export(inputSpecs, outputSpecs, inputs, outputs, max);
  }

  /**
   * Writes {@code input} (raw values in {@link #features()} order) → {@code Sub(mean)} → {@code
   * Div(scale)} → Tribuo's linear model and softmax → {@code output}, with the input and output
   * names and metadata of Tribuo's own export.
   */
  private void writeOnnx(Path onnxFile, String modelName, long version) throws IOException {
    double[] means = new double[features.size()];
    double[] scales = new double[features.size()];
    for (int j = 0; j < features.size(); j++) {
      means[j] = standardizer.mean(features.get(j));
      scales[j] = standardizer.scale(features.get(j));
    }
    ONNXContext onnx = new ONNXContext();
    onnx.setName(modelName);
    ONNXPlaceholder input = onnx.floatInput("input", features.size());
    ONNXPlaceholder output = onnx.floatOutput("output", model.getOutputIDInfo().size());
    ONNXNode standardised =
        input
            .apply(ONNXOperators.SUB, onnx.array("feature_mean", means))
            .apply(ONNXOperators.DIV, onnx.array("feature_scale", scales));
    // Both trainers' models are ONNXExportable (see train and trainFactorizationMachine).
    ((ONNXExportable) model).writeONNXGraph(standardised).assignTo(output);
    OnnxMl.ModelProto proto = ONNXExportable.buildModel(onnx, ONNX_DOMAIN, version, model);
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(onnxFile))) {
      proto.writeTo(out);
    }
  }

  private static List<TensorSpec> specs(Map<String, NodeInfo> nodes) {
    List<TensorSpec> specs = new ArrayList<>();
    for (NodeInfo node : nodes.values()) {
      if (!(node.getInfo() instanceof TensorInfo tensor)) {
        throw new IllegalStateException(
            "Expected tensor " + node.getName() + ", found " + node.getInfo());
      }
      List<Long> shape = new ArrayList<>();
      for (long dimension : tensor.getShape()) {
        shape.add(dimension);
      }
      specs.add(new TensorSpec(node.getName(), tensor.type.name(), shape));
    }
    return specs;
  }
}
