package io.sluice.models.intrusion;

import io.sluice.eval.ThresholdMetrics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * What {@link IntrusionModelTrainer#train} made and how well it detects attacks.
 *
 * @param validation outcome of the alert threshold on the validation split, where it was chosen
 * @param test outcome of the same threshold on {@code KDDTest+.txt}
 * @param maxOnnxDifference largest absolute difference between ONNX Runtime's and Tribuo's
 *     probabilities over the test rows
 */
public record IntrusionTrainingReport(
    Path descriptorFile,
    Path onnxFile,
    int trainRows,
    int validationRows,
    int testRows,
    int features,
    ThresholdMetrics validation,
    ThresholdMetrics test,
    double testRocAuc,
    double maxOnnxDifference,
    Duration elapsed) {

  /** A few lines for a person to read. */
  public String summary() {
    return String.format(
        Locale.ROOT,
        "intrusion-logreg: %d input columns; train %d / validation %d rows of KDDTrain+_20Percent%n"
            + "alert threshold %.4f (max F1 on validation)%n"
            + "KDDTest+ (%d rows): accuracy %.4f, precision %.4f, recall %.4f, ROC-AUC %.4f"
            + " (TP %d, FP %d, FN %d, TN %d)%n"
            + "ONNX Runtime vs Tribuo on test rows: max |diff| %.2e%n"
            + "wrote %s and %s in %d ms",
        features,
        trainRows,
        validationRows,
        validation.threshold(),
        testRows,
        test.accuracy(),
        test.precision(),
        test.recall(),
        testRocAuc,
        test.truePositives(),
        test.falsePositives(),
        test.falseNegatives(),
        test.trueNegatives(),
        maxOnnxDifference,
        descriptorFile,
        onnxFile,
        elapsed.toMillis());
  }
}
