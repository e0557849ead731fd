package io.sluice.models.fraud;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.sluice.models.descriptor.ModelDescriptor;
import io.sluice.models.descriptor.ModelDescriptor.Golden;
import io.sluice.models.descriptor.ModelDescriptor.TensorSpec;
import io.sluice.models.eval.RocAuc;
import io.sluice.models.eval.StratifiedSplit;
import io.sluice.models.eval.ThresholdMetrics;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tribuo.Example;
import org.tribuo.ImmutableFeatureMap;
import org.tribuo.ImmutableOutputInfo;
import org.tribuo.Model;
import org.tribuo.MutableDataset;
import org.tribuo.ONNXExportable;
import org.tribuo.Prediction;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.classification.sgd.fm.FMClassificationTrainer;
import org.tribuo.classification.sgd.linear.LinearSGDTrainer;
import org.tribuo.classification.sgd.objectives.LogMulticlass;
import org.tribuo.impl.ArrayExample;
import org.tribuo.math.optimisers.AdaGrad;
import org.tribuo.provenance.SimpleDataSourceProvenance;
import org.tribuo.util.onnx.ONNXContext;
import org.tribuo.util.onnx.ONNXNode;
import org.tribuo.util.onnx.ONNXOperators;
import org.tribuo.util.onnx.ONNXPlaceholder;

/**
 * Trains the project's fraud model, a logistic regression over {@code Amount} and {@code V1..V28}
 * of the ULB credit-card data, and writes it as ONNX with a {@link ModelDescriptor}; or, as a
 * challenger to compare with it in a replay, a factorization machine ({@link Algorithm#FM}) on the
 * same split, features and threshold rule.
 *
 * <p>The data is split 60/20/20 (train/validation/test), stratified by class with a fixed seed.
 * Features are standardised with the training split's means and standard deviations, which makes
 * SGD converge far more steadily than raw amounts do. Tribuo exports only the linear model, not its
 * input transformations, so the standardisation is written into the ONNX graph in front of it
 * ({@code Sub}, {@code Div}): the engine feeds raw values. The alert threshold is chosen on the
 * validation split ({@link ThresholdMetrics#MAX_F1_RULE}); the test split is only scored. ONNX
 * Runtime must reproduce Tribuo's probabilities on every test row to {@value #MAX_ONNX_DIFFERENCE},
 * or neither output file is replaced. Call {@link #train} as a library (the CLI does), or run
 * {@link #main}.
 */
public final class FraudModelTrainer {

  /** The data file, relative to the data directory. */
  public static final String DATA_FILE = "fraud/creditcard_adjustedl.csv";

  /** Model name, written in the descriptor. */
  public static final String MODEL_NAME = "fraud-logreg";

  /** Model version, written in the descriptor and the ONNX file. */
  public static final String MODEL_VERSION = "1";

  /** The descriptor's file name in the output directory. */
  public static final String DESCRIPTOR_FILE = MODEL_NAME + ".json";

  /** The ONNX file's name in the output directory. */
  public static final String ONNX_FILE = MODEL_NAME + "-" + MODEL_VERSION + ".onnx";

  /** The label of a fraud. */
  public static final String POSITIVE_LABEL = "1";

  /** What to train; each writes its own descriptor and ONNX file, so both can sit side by side. */
  public enum Algorithm {
    /** Logistic regression: {@value #MODEL_NAME}. */
    LOGREG(MODEL_NAME),
    /**
     * Factorization machine (Tribuo's FMClassificationTrainer, factor size 4): {@code fraud-fm}.
     */
    FM("fraud-fm");

    private final String modelName;

    Algorithm(String modelName) {
      this.modelName = modelName;
    }

    public String modelName() {
      return modelName;
    }

    /** The descriptor's file name in the output directory. */
    public String descriptorFile() {
      return modelName + ".json";
    }

    /** The ONNX file's name in the output directory. */
    public String onnxFile() {
      return modelName + "-" + MODEL_VERSION + ".onnx";
    }

    /** Parses {@code logreg} or {@code fm}. */
    public static Algorithm parse(String value) {
      for (Algorithm a : values()) {
        if (a.name().equalsIgnoreCase(value)) {
          return a;
        }
      }
      throw new IllegalArgumentException(
          "Expected --algorithm logreg or fm, found '" + value + "'");
    }
  }

  /** Largest allowed difference between ONNX Runtime's and Tribuo's probabilities. */
  public static final double MAX_ONNX_DIFFERENCE = 1e-6;

  static final double TRAIN_FRACTION = 0.6;
  static final double VALIDATION_FRACTION = 0.2;
  static final int EPOCHS = 20;
  static final double LEARNING_RATE = 0.1;
  static final int GOLDEN_NORMALS = 3;
  static final int GOLDEN_FRAUDS = 2;
  private static final String ONNX_DOMAIN = "io.sluice.models";
  static final int FM_FACTORS = 4;
  static final double FM_VARIANCE = 0.1;
  private static final String LOGREG_DESCRIPTION =
      "logistic regression: Tribuo 4.3.2 LinearSGDTrainer, LogMulticlass, AdaGrad (learning rate "
          + LEARNING_RATE
          + "), "
          + EPOCHS
          + " epochs, minibatch 1; features standardised with the training split's mean and"
          + " standard deviation inside the ONNX graph, so it takes raw values";
  private static final String FM_DESCRIPTION =
      "factorization machine: Tribuo 4.3.2 FMClassificationTrainer, LogMulticlass, "
          + FM_FACTORS
          + " factors (initial variance "
          + FM_VARIANCE
          + "), AdaGrad (learning rate "
          + LEARNING_RATE
          + "), "
          + EPOCHS
          + " epochs, minibatch 1; features standardised as for the logistic regression";

  private static final Logger log = LoggerFactory.getLogger(FraudModelTrainer.class);

  private FraudModelTrainer() {}

  /**
   * Command line: {@code [--data-dir DIR] [--out-dir DIR] [--seed N] [--algorithm logreg|fm]},
   * defaulting to {@code ../shared/data}, {@code .sluice/models/fraud}, 42 and logreg. Prints the
   * report.
   */
  public static void main(String[] args) throws IOException, OrtException {
    Path dataDir = Path.of("../shared/data");
    Path outDir = Path.of(".sluice/models/fraud");
    long seed = 42;
    Algorithm algorithm = Algorithm.LOGREG;
    for (int i = 0; i < args.length; i++) {
      String option = args[i];
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException(
            "Expected a value after " + option + ", found the end of the arguments");
      }
      String value = args[++i];
      switch (option) {
        case "--data-dir" -> dataDir = Path.of(value);
        case "--out-dir" -> outDir = Path.of(value);
        case "--seed" -> seed = parseSeed(value);
        case "--algorithm" -> algorithm = Algorithm.parse(value);
        default ->
            throw new IllegalArgumentException(
                "Unknown option "
                    + option
                    + ", expected one of [--data-dir, --out-dir, --seed, --algorithm]");
      }
    }
    System.out.println(train(dataDir, outDir, seed, algorithm).summary());
  }

  private static long parseSeed(String value) {
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "Expected an integer after --seed, found '" + value + "'", e);
    }
  }

  /**
   * Trains the model on {@code dataDir/}{@value #DATA_FILE} and writes {@value #ONNX_FILE} and
   * {@value #DESCRIPTOR_FILE} into {@code outDir} (created if missing, files replaced). If ONNX
   * Runtime does not reproduce Tribuo, neither file is replaced.
   *
   * @param seed seeds both the split and the SGD shuffling; the same seed gives the same weights
   * @throws IOException if the data cannot be read or the outputs cannot be written
   * @throws OrtException if ONNX Runtime cannot load or run the exported model
   * @throws IllegalStateException if ONNX Runtime disagrees with Tribuo on the exported model
   */
  public static TrainingReport train(Path dataDir, Path outDir, long seed)
      throws IOException, OrtException {
    return train(dataDir, outDir, seed, Algorithm.LOGREG);
  }

  /**
   * Trains the given algorithm's model as {@link #train(Path, Path, long)} does the logistic
   * regression, writing {@link Algorithm#onnxFile()} and {@link Algorithm#descriptorFile()}.
   */
  public static TrainingReport train(Path dataDir, Path outDir, long seed, Algorithm algorithm)
      throws IOException, OrtException {
    String modelName = algorithm.modelName();
    long started = System.nanoTime();
    CreditCardCsv.Table table = CreditCardCsv.read(dataDir.resolve(DATA_FILE));
    StratifiedSplit split =
        StratifiedSplit.of(table.labels(), TRAIN_FRACTION, VALIDATION_FRACTION, seed);

    Standardizer standardizer = Standardizer.fit(table, split.train());

    LabelFactory labelFactory = new LabelFactory();
    MutableDataset<Label> trainSet =
        new MutableDataset<>(
            new SimpleDataSourceProvenance(
                DATA_FILE + " train split, seed " + seed + ", standardised", labelFactory),
            labelFactory);
    for (Example<Label> example : examples(table, split.train(), standardizer)) {
      trainSet.add(example);
    }
    Model<Label> model =
        switch (algorithm) {
          case LOGREG ->
              new LinearSGDTrainer(
                      new LogMulticlass(), new AdaGrad(LEARNING_RATE, 0.1), EPOCHS, -1, 1, seed)
                  .train(trainSet);
          case FM ->
              new FMClassificationTrainer(
                      new LogMulticlass(),
                      new AdaGrad(LEARNING_RATE, 0.1),
                      EPOCHS,
                      -1,
                      1,
                      seed,
                      FM_FACTORS,
                      FM_VARIANCE)
                  .train(trainSet);
        };

    ImmutableFeatureMap featureDomain = model.getFeatureIDMap();
    if (featureDomain.size() != table.featureNames().size()) {
      throw new IllegalStateException(
          "Expected the model to know all features "
              + table.featureNames()
              + ", found "
              + featureDomain.size()
              + " features");
    }
    List<String> features = new ArrayList<>();
    for (int id = 0; id < featureDomain.size(); id++) {
      features.add(featureDomain.get(id).getName());
    }
    ImmutableOutputInfo<Label> outputDomain = model.getOutputIDInfo();
    List<String> labels = new ArrayList<>();
    for (int id = 0; id < outputDomain.size(); id++) {
      labels.add(outputDomain.getOutput(id).getLabel());
    }
    int positiveColumn = labels.indexOf(POSITIVE_LABEL);
    if (positiveColumn < 0) {
      throw new IllegalStateException(
          "Expected the model to predict label " + POSITIVE_LABEL + ", found labels " + labels);
    }

    int[] validationRows = split.validation();
    int[] testRows = split.test();
    double[][] validationProbabilities =
        probabilities(model, examples(table, validationRows, standardizer), labels);
    double[][] testProbabilities =
        probabilities(model, examples(table, testRows, standardizer), labels);
    int[] validationLabels = labelsOf(table, validationRows);
    int[] testLabels = labelsOf(table, testRows);
    double[] validationScores = column(validationProbabilities, positiveColumn);
    double[] testScores = column(testProbabilities, positiveColumn);
    double validationAuc = RocAuc.rocAuc(validationScores, validationLabels);
    double testAuc = RocAuc.rocAuc(testScores, testLabels);
    ThresholdMetrics atValidation = ThresholdMetrics.maxF1(validationScores, validationLabels);
    ThresholdMetrics atTest = ThresholdMetrics.at(testScores, testLabels, atValidation.threshold());

    Files.createDirectories(outDir);
    Path onnxFile = outDir.resolve(algorithm.onnxFile());
    Path candidateFile = outDir.resolve(algorithm.onnxFile() + ".candidate");
    exportOnnx(modelName, (ONNXExportable) model, standardizer, features, candidateFile);

    float[][] testInputs = inputs(table, testRows, features);
    List<TensorSpec> inputSpecs;
    List<TensorSpec> outputSpecs;
    float[][] onnxTestOutputs;
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        OrtSession session = env.createSession(candidateFile.toString(), options)) {
      inputSpecs = specs(session.getInputInfo());
      outputSpecs = specs(session.getOutputInfo());
      onnxTestOutputs = run(env, session, testInputs);
    }
    double maxDifference = maxAbsDifference(onnxTestOutputs, testProbabilities);
    if (!(maxDifference <= MAX_ONNX_DIFFERENCE)) {
      throw new IllegalStateException(
          String.format(
              "Expected ONNX Runtime to reproduce Tribuo's probabilities on %s to %s, found a"
                  + " difference of %s",
              candidateFile, MAX_ONNX_DIFFERENCE, maxDifference));
    }
    Files.move(candidateFile, onnxFile, StandardCopyOption.REPLACE_EXISTING);

    Map<String, Object> training = new LinkedHashMap<>();
    training.put("dataFile", DATA_FILE);
    training.put("algorithm", algorithm == Algorithm.FM ? FM_DESCRIPTION : LOGREG_DESCRIPTION);
    training.put("seed", seed);
    training.put("trainRows", split.train().length);
    training.put("validationRows", validationRows.length);
    training.put("testRows", testRows.length);
    training.put("validationRocAuc", validationAuc);
    training.put("testRocAuc", testAuc);
    training.put("thresholdRule", ThresholdMetrics.MAX_F1_RULE);
    ModelDescriptor descriptor =
        new ModelDescriptor(
            modelName,
            MODEL_VERSION,
            algorithm.onnxFile(),
            sha256(onnxFile),
            inputSpecs,
            outputSpecs,
            features,
            labels,
            POSITIVE_LABEL,
            atValidation.threshold(),
            golden(testInputs, onnxTestOutputs, testLabels),
            training);
    Path descriptorFile = outDir.resolve(algorithm.descriptorFile());
    descriptor.write(descriptorFile);

    Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
    log.info(
        "Trained {} on {} rows in {} ms: test ROC-AUC {}, alert threshold {}, wrote {}",
        modelName,
        table.size(),
        elapsed.toMillis(),
        testAuc,
        atValidation.threshold(),
        descriptorFile);
    return new TrainingReport(
        descriptorFile,
        onnxFile,
        table.size(),
        table.positives(),
        split.train().length,
        validationRows.length,
        testRows.length,
        validationAuc,
        testAuc,
        atValidation,
        atTest,
        List.copyOf(features),
        List.copyOf(labels),
        maxDifference,
        elapsed);
  }

  /** Tribuo examples of the given rows, standardised, labelled with their class. */
  private static List<Example<Label>> examples(
      CreditCardCsv.Table table, int[] rows, Standardizer standardizer) {
    String[] names = table.featureNames().toArray(new String[0]);
    List<Example<Label>> examples = new ArrayList<>(rows.length);
    for (int row : rows) {
      Label label = new Label(Integer.toString(table.label(row)));
      examples.add(new ArrayExample<>(label, names, standardizer.apply(table.row(row))));
    }
    return examples;
  }

  /**
   * Writes the model as ONNX with the standardisation in front: {@code input} (raw values in {@code
   * features} order) → {@code Sub(mean)} → {@code Div(scale)} → Tribuo's linear model and softmax →
   * {@code output}. Input and output names and the metadata are the ones Tribuo's own export
   * ({@code LinearSGDModel.saveONNXModel}) gives.
   */
  private static void exportOnnx(
      String modelName,
      ONNXExportable model,
      Standardizer standardizer,
      List<String> features,
      Path onnxFile)
      throws IOException {
    double[] means = new double[features.size()];
    double[] scales = new double[features.size()];
    for (int j = 0; j < features.size(); j++) {
      means[j] = standardizer.mean(features.get(j));
      scales[j] = standardizer.scale(features.get(j));
    }
    ONNXContext onnx = new ONNXContext();
    onnx.setName(modelName);
    ONNXPlaceholder input = onnx.floatInput("input", features.size());
    ONNXPlaceholder output =
        onnx.floatOutput("output", ((Model<?>) model).getOutputIDInfo().size());
    ONNXNode standardised =
        input
            .apply(ONNXOperators.SUB, onnx.array("feature_mean", means))
            .apply(ONNXOperators.DIV, onnx.array("feature_scale", scales));
    model.writeONNXGraph(standardised).assignTo(output);
    OnnxMl.ModelProto proto =
        ONNXExportable.buildModel(
            onnx, ONNX_DOMAIN, Long.parseLong(MODEL_VERSION), (Model<?>) model);
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(onnxFile))) {
      proto.writeTo(out);
    }
  }

  /** Tribuo's probabilities, one row per example, columns in {@code labels} order. */
  private static double[][] probabilities(
      Model<Label> model, List<Example<Label>> examples, List<String> labels) {
    List<Prediction<Label>> predictions = model.predict(examples);
    double[][] probabilities = new double[examples.size()][labels.size()];
    for (int i = 0; i < examples.size(); i++) {
      Map<String, Label> scores = predictions.get(i).getOutputScores();
      for (int j = 0; j < labels.size(); j++) {
        probabilities[i][j] = scores.get(labels.get(j)).getScore();
      }
    }
    return probabilities;
  }

  /** Raw feature values as the ONNX input takes them: float, columns in {@code features} order. */
  private static float[][] inputs(CreditCardCsv.Table table, int[] rows, List<String> features) {
    int[] sourceColumn = new int[features.size()];
    for (int j = 0; j < features.size(); j++) {
      sourceColumn[j] = table.featureNames().indexOf(features.get(j));
    }
    float[][] inputs = new float[rows.length][features.size()];
    for (int i = 0; i < rows.length; i++) {
      double[] row = table.row(rows[i]);
      for (int j = 0; j < features.size(); j++) {
        inputs[i][j] = (float) row[sourceColumn[j]];
      }
    }
    return inputs;
  }

  private static float[][] run(OrtEnvironment env, OrtSession session, float[][] inputs)
      throws OrtException {
    String inputName = session.getInputNames().iterator().next();
    try (OnnxTensor tensor = OnnxTensor.createTensor(env, inputs);
        OrtSession.Result result = session.run(Map.of(inputName, tensor))) {
      return (float[][]) result.get(0).getValue();
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

  /** The first normal and fraud rows of the test split, in file order. */
  private static Golden golden(float[][] inputs, float[][] outputs, int[] labels) {
    List<List<Float>> goldenInputs = new ArrayList<>();
    List<List<Float>> goldenOutputs = new ArrayList<>();
    int normals = 0;
    int frauds = 0;
    for (int i = 0; i < labels.length; i++) {
      boolean take = labels[i] == 1 ? frauds++ < GOLDEN_FRAUDS : normals++ < GOLDEN_NORMALS;
      if (take) {
        goldenInputs.add(boxed(inputs[i]));
        goldenOutputs.add(boxed(outputs[i]));
      }
    }
    return new Golden(goldenInputs, goldenOutputs);
  }

  private static List<Float> boxed(float[] values) {
    List<Float> list = new ArrayList<>(values.length);
    for (float value : values) {
      list.add(value);
    }
    return list;
  }

  private static int[] labelsOf(CreditCardCsv.Table table, int[] rows) {
    int[] labels = new int[rows.length];
    for (int i = 0; i < rows.length; i++) {
      labels[i] = table.label(rows[i]);
    }
    return labels;
  }

  private static double[] column(double[][] matrix, int column) {
    double[] values = new double[matrix.length];
    for (int i = 0; i < matrix.length; i++) {
      values[i] = matrix[i][column];
    }
    return values;
  }

  private static double maxAbsDifference(float[][] actual, double[][] expected) {
    double max = 0;
    for (int i = 0; i < expected.length; i++) {
      for (int j = 0; j < expected[i].length; j++) {
        max = Math.max(max, Math.abs(actual[i][j] - expected[i][j]));
      }
    }
    return max;
  }

  static String sha256(Path file) throws IOException {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(digest.digest(Files.readAllBytes(file)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("Expected every JVM to provide SHA-256", e);
    }
  }
}
