package io.sluice.models.fraud;

import io.sluice.eval.ThresholdMetrics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * What {@link FraudModelTrainer#train} made and how well it scores.
 *
 * @param modelName the trained model's name ({@code fraud-logreg} or {@code fraud-fm})
 * @param descriptorFile the model descriptor written
 * @param onnxFile the ONNX model written
 * @param rows data rows read
 * @param frauds rows labelled fraud
 * @param trainRows rows in the training split
 * @param validationRows rows in the validation split
 * @param testRows rows in the test split
 * @param validationRocAuc ROC-AUC of the fraud probability on the validation split
 * @param testRocAuc ROC-AUC of the fraud probability on the test split
 * @param validation outcome of the alert threshold on the validation split, where it was chosen
 * @param test outcome of the same threshold on the test split
 * @param features the input tensor's column order
 * @param labels the probability output's column order
 * @param maxOnnxDifference largest absolute difference between ONNX Runtime's and Tribuo's
 *     probabilities over the test rows
 * @param elapsed wall-clock time of the whole run
 */
public record TrainingReport(
    String modelName,
    Path descriptorFile,
    Path onnxFile,
    int rows,
    int frauds,
    int trainRows,
    int validationRows,
    int testRows,
    double validationRocAuc,
    double testRocAuc,
    ThresholdMetrics validation,
    ThresholdMetrics test,
    List<String> features,
    List<String> labels,
    double maxOnnxDifference,
    Duration elapsed) {

  /** The alert threshold on the fraud probability. */
  public double threshold() {
    return validation.threshold();
  }

  /** A few lines for a person to read. */
  public String summary() {
    return String.format(
        Locale.ROOT,
        "%s: %d rows (%d frauds); split train %d / validation %d / test %d%n"
            + "ROC-AUC validation %.4f, test %.4f%n"
            + "alert threshold %.4f (max F1 on validation: precision %.3f, recall %.3f)%n"
            + "test at threshold: precision %.3f, recall %.3f, F1 %.3f"
            + " (TP %d, FP %d, FN %d, TN %d)%n"
            + "ONNX Runtime vs Tribuo on test rows: max |diff| %.2e%n"
            + "wrote %s and %s in %d ms",
        modelName,
        rows,
        frauds,
        trainRows,
        validationRows,
        testRows,
        validationRocAuc,
        testRocAuc,
        threshold(),
        validation.precision(),
        validation.recall(),
        test.precision(),
        test.recall(),
        test.f1(),
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
