package io.sluice.models.fraud;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the ULB credit-card fraud CSV ({@code "Time","V1",…,"V28","Amount","Class"}) into feature
 * rows and 0/1 labels.
 *
 * <p>Accepts CRLF or LF line endings and quoted or unquoted header names and values. The {@code
 * Time} column is dropped: in the project's subset the frauds span two days and the normal rows
 * only the first hour, so time alone would give the label away. The features keep the file's column
 * order ({@code V1..V28, Amount}); the model's own feature order is a separate matter.
 */
public final class CreditCardCsv {

  /** The column that is read but never used as a feature. */
  public static final String TIME_COLUMN = "Time";

  /** The label column: 0 for a normal transaction, 1 for a fraud. */
  public static final String LABEL_COLUMN = "Class";

  private static final List<String> EXPECTED_FEATURES = expectedFeatures();

  private CreditCardCsv() {}

  /** The rows of a credit-card CSV file: immutable, so safe to share between threads. */
  public static final class Table {
    private final List<String> featureNames;
    private final double[][] rows;
    private final int[] labels;

    Table(List<String> featureNames, double[][] rows, int[] labels) {
      this.featureNames = List.copyOf(featureNames);
      this.rows = rows;
      this.labels = labels;
    }

    /** Feature names in the order of each row's values. */
    public List<String> featureNames() {
      return featureNames;
    }

    /** Number of data rows. */
    public int size() {
      return labels.length;
    }

    /** A copy of row {@code index}'s feature values, in {@link #featureNames()} order. */
    public double[] row(int index) {
      return rows[index].clone();
    }

    /** The 0/1 label of row {@code index}. */
    public int label(int index) {
      return labels[index];
    }

    /** A copy of all labels, in row order. */
    public int[] labels() {
      return labels.clone();
    }

    /** Number of rows labelled 1. */
    public int positives() {
      int count = 0;
      for (int label : labels) {
        count += label;
      }
      return count;
    }
  }

  /**
   * Reads the whole file.
   *
   * @throws IOException if the file cannot be read
   * @throws IllegalArgumentException if the header does not hold exactly the expected columns, or a
   *     row has the wrong number of fields, a value that is not a number, or a label other than 0
   *     or 1; the message names the file and line
   */
  public static Table read(Path file) throws IOException {
    try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String headerLine = reader.readLine();
      if (headerLine == null) {
        throw new IllegalArgumentException("Empty file " + file + ", expected a header line");
      }
      List<String> header = new ArrayList<>();
      for (String field : headerLine.split(",", -1)) {
        header.add(unquote(field));
      }
      int labelColumn = header.indexOf(LABEL_COLUMN);
      int[] featureColumns = new int[EXPECTED_FEATURES.size()];
      for (int i = 0; i < featureColumns.length; i++) {
        featureColumns[i] = header.indexOf(EXPECTED_FEATURES.get(i));
      }
      List<String> expectedHeader = new ArrayList<>(EXPECTED_FEATURES);
      expectedHeader.add(0, TIME_COLUMN);
      expectedHeader.add(LABEL_COLUMN);
      if (header.size() != expectedHeader.size() || !header.containsAll(expectedHeader)) {
        throw new IllegalArgumentException(
            "Unexpected header in "
                + file
                + ": expected columns "
                + expectedHeader
                + ", found "
                + header);
      }

      List<double[]> rows = new ArrayList<>();
      List<Integer> labels = new ArrayList<>();
      int lineNumber = 1;
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        lineNumber++;
        if (line.isEmpty()) {
          continue;
        }
        String[] fields = line.split(",", -1);
        if (fields.length != header.size()) {
          throw new IllegalArgumentException(
              String.format(
                  "%s line %d: expected %d fields, found %d",
                  file, lineNumber, header.size(), fields.length));
        }
        double[] row = new double[featureColumns.length];
        for (int i = 0; i < featureColumns.length; i++) {
          row[i] =
              parseNumber(fields[featureColumns[i]], file, lineNumber, EXPECTED_FEATURES.get(i));
        }
        String label = unquote(fields[labelColumn]);
        if (!label.equals("0") && !label.equals("1")) {
          throw new IllegalArgumentException(
              String.format(
                  "%s line %d: expected %s 0 or 1, found '%s'",
                  file, lineNumber, LABEL_COLUMN, label));
        }
        rows.add(row);
        labels.add(label.equals("1") ? 1 : 0);
      }
      return new Table(
          EXPECTED_FEATURES,
          rows.toArray(new double[0][]),
          labels.stream().mapToInt(Integer::intValue).toArray());
    }
  }

  private static double parseNumber(String field, Path file, int lineNumber, String column) {
    String value = unquote(field);
    try {
      double number = Double.parseDouble(value);
      if (Double.isFinite(number)) {
        return number;
      }
    } catch (NumberFormatException e) {
      // Reported below with the file, line and column.
    }
    throw new IllegalArgumentException(
        String.format(
            "%s line %d: expected a finite number in column %s, found '%s'",
            file, lineNumber, column, value));
  }

  private static String unquote(String field) {
    String trimmed = field.strip();
    if (trimmed.length() >= 2 && trimmed.startsWith("\"") && trimmed.endsWith("\"")) {
      return trimmed.substring(1, trimmed.length() - 1);
    }
    return trimmed;
  }

  private static List<String> expectedFeatures() {
    List<String> names = new ArrayList<>();
    for (int i = 1; i <= 28; i++) {
      names.add("V" + i);
    }
    names.add("Amount");
    return List.copyOf(names);
  }
}
