package io.sluice.models.intrusion;

import ai.onnxruntime.OrtException;
import io.sluice.descriptor.ModelDescriptor;
import io.sluice.descriptor.ModelDescriptor.Categorical;
import io.sluice.descriptor.ReferenceBins;
import io.sluice.descriptor.TrainingRows;
import io.sluice.eval.RocAuc;
import io.sluice.eval.ThresholdMetrics;
import io.sluice.models.eval.StratifiedSplit;
import io.sluice.models.intrusion.NslKdd.Connection;
import io.sluice.models.linear.LinearClassifier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains the project's intrusion model, a logistic regression that tells attacks from normal
 * network connections in NSL-KDD, and writes it as ONNX with a {@link ModelDescriptor}.
 *
 * <p>Training data is {@value #TRAIN_FILE} (the full {@code KDDTrain+} could not be obtained),
 * split 80/20 into train and validation, stratified with a fixed seed. The 38 numeric features are
 * used as they are; the three text features (protocol, service, TCP flag) are one-hot encoded, one
 * column {@code name=value} per value seen in the train split, and the descriptor lists them under
 * {@code categoricals} so that the engine encodes events the same way. As for the fraud model, the
 * standardisation is inside the ONNX graph. The alert threshold maximises F1 on the validation
 * split; {@value #TEST_FILE} is only scored, and its accuracy, precision and recall are recorded.
 */
public final class IntrusionModelTrainer {

  /** The training data, relative to the data directory. */
  public static final String TRAIN_FILE = "fraud/nsl-kdd/KDDTrain+_20Percent.txt";

  /** The test data, relative to the data directory. */
  public static final String TEST_FILE = "fraud/nsl-kdd/KDDTest+.txt";

  public static final String MODEL_NAME = "intrusion-logreg";
  public static final String MODEL_VERSION = "1";
  public static final String DESCRIPTOR_FILE = MODEL_NAME + ".json";
  public static final String ONNX_FILE = MODEL_NAME + "-" + MODEL_VERSION + ".onnx";

  /** The label the alerts are about. */
  public static final String POSITIVE_LABEL = NslKdd.ATTACK;

  static final double TRAIN_FRACTION = 0.8;
  static final int EPOCHS = 20;
  static final double LEARNING_RATE = 0.1;
  static final int REFERENCE_BINS = 10;
  static final int GOLDEN_NORMALS = 3;
  static final int GOLDEN_ATTACKS = 2;
  private static final String ALGORITHM =
      "logistic regression: Tribuo LinearSGDTrainer, LogMulticlass, AdaGrad (learning rate "
          + LEARNING_RATE
          + "), "
          + EPOCHS
          + " epochs, minibatch 1; numeric features as they are, protocol_type, service and flag"
          + " one-hot; standardised inside the ONNX graph, so it takes raw values";

  private static final Logger log = LoggerFactory.getLogger(IntrusionModelTrainer.class);

  private IntrusionModelTrainer() {}

  /**
   * Trains on {@code dataDir/}{@value #TRAIN_FILE}, scores {@value #TEST_FILE}, and writes {@value
   * #ONNX_FILE} and {@value #DESCRIPTOR_FILE} into {@code outDir}.
   *
   * @throws IllegalStateException if ONNX Runtime does not reproduce Tribuo on the test rows
   */
  public static IntrusionTrainingReport train(Path dataDir, Path outDir, long seed)
      throws IOException, OrtException {
    long started = System.nanoTime();
    List<Connection> all = NslKdd.read(dataDir.resolve(TRAIN_FILE));
    List<Connection> test = NslKdd.read(dataDir.resolve(TEST_FILE));
    int[] classes = all.stream().mapToInt(c -> c.label().equals(POSITIVE_LABEL) ? 1 : 0).toArray();
    StratifiedSplit split = StratifiedSplit.of(classes, TRAIN_FRACTION, 0, seed);
    List<Connection> train = subset(all, split.train());
    List<Connection> validation = subset(all, split.test());

    Encoding encoding = Encoding.of(train);
    LinearClassifier model =
        LinearClassifier.train(
            encoding.columns(),
            encoding.rows(train),
            train.stream().map(Connection::label).toList(),
            EPOCHS,
            LEARNING_RATE,
            seed,
            TRAIN_FILE + " train split, seed " + seed + ", one-hot, standardised");
    int positive = model.labels().indexOf(POSITIVE_LABEL);

    double[] validationScores = column(model.probabilities(encoding.rows(validation)), positive);
    int[] validationLabels = labels(validation);
    ThresholdMetrics atValidation = ThresholdMetrics.maxF1(validationScores, validationLabels);
    List<double[]> testRows = encoding.rows(test);
    double[] testScores = column(model.probabilities(testRows), positive);
    int[] testLabels = labels(test);
    ThresholdMetrics atTest = ThresholdMetrics.at(testScores, testLabels, atValidation.threshold());
    double testAuc = RocAuc.rocAuc(testScores, testLabels);

    Files.createDirectories(outDir);
    Path onnxFile = outDir.resolve(ONNX_FILE);
    LinearClassifier.Export export =
        model.export(onnxFile, MODEL_NAME, Long.parseLong(MODEL_VERSION), testRows);

    Map<String, Object> training = new LinkedHashMap<>();
    training.put("dataFile", TRAIN_FILE);
    training.put("testFile", TEST_FILE);
    training.put("algorithm", ALGORITHM);
    training.put("seed", seed);
    training.put("trainRows", train.size());
    training.put("validationRows", validation.size());
    training.put("testRows", test.size());
    training.put("validationRocAuc", RocAuc.rocAuc(validationScores, validationLabels));
    training.put("testRocAuc", testAuc);
    training.put("testAccuracy", atTest.accuracy());
    training.put("testPrecision", atTest.precision());
    training.put("testRecall", atTest.recall());
    training.put("thresholdRule", ThresholdMetrics.MAX_F1_RULE);
    // Every row of the training file was seen (train or validation split); its events would be
    // numbered from 1 as the sample test events are ("kdd-test-00001"), under their own prefix.
    BitSet trainedRows = new BitSet();
    trainedRows.set(1, all.size() + 1);
    training.put(
        TrainingRows.KEY,
        new TrainingRows(
                ModelDescriptor.sha256(dataDir.resolve(TRAIN_FILE)),
                "kdd-train-",
                5,
                trainedRows,
                "train and validation")
            .toMap());
    ModelDescriptor descriptor =
        model
            .descriptor(MODEL_NAME, MODEL_VERSION, onnxFile, export)
            .categoricals(encoding.categoricals(model.features()))
            .alert(POSITIVE_LABEL, atValidation.threshold())
            .linear(model.linear(POSITIVE_LABEL))
            .golden(export.golden(testLabels, GOLDEN_NORMALS, GOLDEN_ATTACKS))
            .reference("train split", train.size(), reference(train, encoding, model, positive))
            .training(training)
            .build();
    Path descriptorFile = outDir.resolve(DESCRIPTOR_FILE);
    descriptor.write(descriptorFile);

    Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
    log.info(
        "Trained {} on {} rows in {} ms: KDDTest+ accuracy {}, precision {}, recall {}, wrote {}",
        MODEL_NAME,
        train.size(),
        elapsed.toMillis(),
        atTest.accuracy(),
        atTest.precision(),
        atTest.recall(),
        descriptorFile);
    return new IntrusionTrainingReport(
        descriptorFile,
        onnxFile,
        train.size(),
        validation.size(),
        test.size(),
        model.features().size(),
        atValidation,
        atTest,
        testAuc,
        export.maxDifference(),
        elapsed);
  }

  /**
   * The model's input columns and how a connection fills them: numeric features as they are, then
   * one column {@code name=value} per categorical value seen in the training rows.
   */
  private record Encoding(List<String> columns, Map<String, List<String>> values) {

    static Encoding of(List<Connection> train) {
      List<String> columns = new ArrayList<>();
      for (String field : NslKdd.FIELDS) {
        if (!NslKdd.CATEGORICAL.contains(field)) {
          columns.add(field);
        }
      }
      Map<String, List<String>> values = new LinkedHashMap<>();
      for (String field : NslKdd.CATEGORICAL) {
        TreeSet<String> seen = new TreeSet<>();
        train.forEach(c -> seen.add(c.text(field)));
        values.put(field, List.copyOf(seen));
        seen.forEach(v -> columns.add(field + "=" + v));
      }
      return new Encoding(List.copyOf(columns), values);
    }

    List<double[]> rows(List<Connection> connections) {
      List<double[]> rows = new ArrayList<>(connections.size());
      for (Connection c : connections) {
        double[] row = new double[columns.size()];
        for (int j = 0; j < columns.size(); j++) {
          String column = columns.get(j);
          int eq = column.indexOf('=');
          row[j] =
              eq < 0
                  ? c.number(column)
                  : c.text(column.substring(0, eq)).equals(column.substring(eq + 1)) ? 1 : 0;
        }
        rows.add(row);
      }
      return rows;
    }

    /** The categoricals block, values in the model's column order. */
    List<Categorical> categoricals(List<String> modelColumns) {
      List<Categorical> categoricals = new ArrayList<>();
      for (String field : values.keySet()) {
        String prefix = field + "=";
        List<String> ordered =
            modelColumns.stream()
                .filter(c -> c.startsWith(prefix))
                .map(c -> c.substring(prefix.length()))
                .toList();
        categoricals.add(new Categorical(field, ModelDescriptor.ONE_HOT, ordered));
      }
      return categoricals;
    }
  }

  /** The train split's distributions of the attack probability and the numeric features. */
  private static Map<String, ModelDescriptor.Distribution> reference(
      List<Connection> train, Encoding encoding, LinearClassifier model, int positive) {
    Map<String, ModelDescriptor.Distribution> distributions = new LinkedHashMap<>();
    distributions.put(
        "score",
        ReferenceBins.quantiles(
            column(model.probabilities(encoding.rows(train)), positive), REFERENCE_BINS));
    for (String field : NslKdd.FIELDS) {
      if (!NslKdd.CATEGORICAL.contains(field)) {
        double[] values = train.stream().mapToDouble(c -> c.number(field)).toArray();
        distributions.put(field, ReferenceBins.quantiles(values, REFERENCE_BINS));
      }
    }
    return distributions;
  }

  private static List<Connection> subset(List<Connection> all, int[] indices) {
    List<Connection> out = new ArrayList<>(indices.length);
    for (int i : indices) {
      out.add(all.get(i));
    }
    return out;
  }

  private static int[] labels(List<Connection> connections) {
    return connections.stream().mapToInt(c -> c.label().equals(POSITIVE_LABEL) ? 1 : 0).toArray();
  }

  private static double[] column(double[][] matrix, int column) {
    double[] values = new double[matrix.length];
    for (int i = 0; i < matrix.length; i++) {
      values[i] = matrix[i][column];
    }
    return values;
  }
}
