package io.sluice.models.fraud;

import ai.onnxruntime.OrtException;
import io.sluice.descriptor.ModelDescriptor;
import io.sluice.descriptor.ReferenceBins;
import io.sluice.descriptor.TrainingRows;
import io.sluice.eval.RocAuc;
import io.sluice.eval.ThresholdMetrics;
import io.sluice.models.eval.StratifiedSplit;
import io.sluice.models.linear.LinearClassifier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains the project's fraud model, a logistic regression over {@code Amount} and {@code V1..V28}
 * of the ULB credit-card data, and writes it as ONNX with a {@link ModelDescriptor}.
 *
 * <p>The data is split 60/20/20 (train/validation/test), stratified by class with a fixed seed.
 * Features are standardised with the training split's means and standard deviations, which makes
 * SGD converge far more steadily than raw amounts do. Tribuo exports only the linear model, not its
 * input transformations, so the standardisation is written into the ONNX graph in front of it
 * ({@code Sub}, {@code Div}): the engine feeds raw values. The alert threshold is chosen on the
 * validation split ({@link ThresholdMetrics#MAX_F1_RULE}); the test split is only scored. ONNX
 * Runtime must reproduce Tribuo's probabilities on every test row to {@value #MAX_ONNX_DIFFERENCE},
 * or neither output file is replaced. The descriptor also records the model's log-odds as a sum of
 * per-feature terms ({@code linear}, for alert explanations) and the training split's distributions
 * of the score and of every feature ({@code reference}, for drift checks). Call {@link #train} as a
 * library (the CLI does), or run {@link #main}.
 */
public final class FraudModelTrainer {

  /** The data file, relative to the data directory. */
  public static final String DATA_FILE = "fraud/creditcard_adjustedl.csv";

  /** The event id of the data file's row {@code r} is this prefix and {@code r} in 5 digits. */
  public static final String EVENT_ID_PREFIX = "tx-";

  private static final int EVENT_ID_DIGITS = 5;

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

  /** Largest allowed difference between ONNX Runtime's and Tribuo's probabilities. */
  public static final double MAX_ONNX_DIFFERENCE = LinearClassifier.MAX_ONNX_DIFFERENCE;

  /** What to train; each writes its own descriptor and ONNX file, so both can sit side by side. */
  public enum Algorithm {
    /** Logistic regression: {@value #MODEL_NAME}. */
    LOGREG(MODEL_NAME),
    /** Factorization machine (Tribuo's FMClassificationTrainer): {@code fraud-fm}. */
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

  /** Quantile bins of the reference distributions written for drift checks. */
  public static final int REFERENCE_BINS = 10;

  static final double TRAIN_FRACTION = 0.6;
  static final double VALIDATION_FRACTION = 0.2;
  static final int EPOCHS = 20;
  static final double LEARNING_RATE = 0.1;
  static final int GOLDEN_NORMALS = 3;
  static final int GOLDEN_FRAUDS = 2;
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
   * regression, writing {@link Algorithm#onnxFile()} and {@link Algorithm#descriptorFile()}. A
   * factorization machine's descriptor has no linear explanation.
   */
  public static TrainingReport train(Path dataDir, Path outDir, long seed, Algorithm algorithm)
      throws IOException, OrtException {
    String modelName = algorithm.modelName();
    long started = System.nanoTime();
    CreditCardCsv.Table table = CreditCardCsv.read(dataDir.resolve(DATA_FILE));
    StratifiedSplit split =
        StratifiedSplit.of(table.labels(), TRAIN_FRACTION, VALIDATION_FRACTION, seed);

    String provenance = DATA_FILE + " train split, seed " + seed + ", standardised";
    LinearClassifier model =
        algorithm == Algorithm.FM
            ? LinearClassifier.trainFactorizationMachine(
                table.featureNames(),
                rows(table, split.train()),
                labelNames(table, split.train()),
                EPOCHS,
                LEARNING_RATE,
                seed,
                FM_FACTORS,
                FM_VARIANCE,
                provenance)
            : LinearClassifier.train(
                table.featureNames(),
                rows(table, split.train()),
                labelNames(table, split.train()),
                EPOCHS,
                LEARNING_RATE,
                seed,
                provenance);
    List<String> features = model.features();
    List<String> labels = model.labels();
    int positiveColumn = labels.indexOf(POSITIVE_LABEL);
    if (positiveColumn < 0) {
      throw new IllegalStateException(
          "Expected the model to predict label " + POSITIVE_LABEL + ", found labels " + labels);
    }

    int[] validationRows = split.validation();
    int[] testRows = split.test();
    double[][] validationProbabilities = model.probabilities(rows(table, validationRows));
    double[][] testProbabilities = model.probabilities(rows(table, testRows));
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
    LinearClassifier.Export export =
        model.export(onnxFile, modelName, Long.parseLong(MODEL_VERSION), rows(table, testRows));

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
    training.put(TrainingRows.KEY, trainedOn(dataDir, split).toMap());
    ModelDescriptor.Builder descriptor =
        model
            .descriptor(modelName, MODEL_VERSION, onnxFile, export)
            .alert(POSITIVE_LABEL, atValidation.threshold())
            .golden(export.golden(testLabels, GOLDEN_NORMALS, GOLDEN_FRAUDS))
            .training(training);
    if (algorithm != Algorithm.FM) {
      descriptor.linear(model.linear(POSITIVE_LABEL));
    }
    descriptor.reference(
        "train split",
        split.train().length,
        reference(table, split.train(), model, positiveColumn));
    Path descriptorFile = outDir.resolve(algorithm.descriptorFile());
    descriptor.build().write(descriptorFile);

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
        modelName,
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
        export.maxDifference(),
        elapsed);
  }

  /**
   * The training rows' distributions of the fraud probability ({@code score}) and of every input
   * feature, in {@value #REFERENCE_BINS} quantile bins.
   */
  private static Map<String, ModelDescriptor.Distribution> reference(
      CreditCardCsv.Table table, int[] trainRows, LinearClassifier model, int positiveColumn) {
    List<double[]> rows = rows(table, trainRows);
    Map<String, ModelDescriptor.Distribution> distributions = new LinkedHashMap<>();
    distributions.put(
        "score",
        ReferenceBins.quantiles(column(model.probabilities(rows), positiveColumn), REFERENCE_BINS));
    List<String> names = table.featureNames();
    for (int j = 0; j < names.size(); j++) {
      double[] values = new double[rows.size()];
      for (int i = 0; i < values.length; i++) {
        values[i] = rows.get(i)[j];
      }
      distributions.put(names.get(j), ReferenceBins.quantiles(values, REFERENCE_BINS));
    }
    return distributions;
  }

  private static List<double[]> rows(CreditCardCsv.Table table, int[] indices) {
    List<double[]> rows = new ArrayList<>(indices.length);
    for (int index : indices) {
      rows.add(table.row(index));
    }
    return rows;
  }

  private static List<String> labelNames(CreditCardCsv.Table table, int[] indices) {
    List<String> labels = new ArrayList<>(indices.length);
    for (int index : indices) {
      labels.add(Integer.toString(table.label(index)));
    }
    return labels;
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

  /**
   * What the model has seen: the training and validation rows (the threshold is chosen on the
   * validation rows, so they are not held out either), for replay's leakage check.
   */
  static TrainingRows trainedOn(Path dataDir, StratifiedSplit split) throws IOException {
    BitSet rows = new BitSet();
    for (int r : split.train()) {
      rows.set(r);
    }
    for (int r : split.validation()) {
      rows.set(r);
    }
    return new TrainingRows(
        sha256(dataDir.resolve(DATA_FILE)),
        EVENT_ID_PREFIX,
        EVENT_ID_DIGITS,
        rows,
        "train and validation");
  }

  /** The event id of a row of the data file, as the sample events carry it. */
  public static String eventId(int row) {
    return String.format(Locale.ROOT, "%s%0" + EVENT_ID_DIGITS + "d", EVENT_ID_PREFIX, row);
  }

  static String sha256(Path file) throws IOException {
    return ModelDescriptor.sha256(file);
  }
}
