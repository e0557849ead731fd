package io.sluice.models.fraud;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CreditCardCsvTest {

  @TempDir Path dir;

  @Test
  void readsCrlfLinesWithAQuotedHeaderAndDropsTime() throws IOException {
    Path file =
        write(
            quotedHeader(),
            row("406", 1, "149.62", "1"),
            row("0", -1, "2.69", "0"),
            row("1", 2, "378.66", "0"));

    CreditCardCsv.Table table = CreditCardCsv.read(file);

    assertThat(table.featureNames()).hasSize(29).doesNotContain("Time", "Class");
    assertThat(table.featureNames().get(0)).isEqualTo("V1");
    assertThat(table.featureNames().get(27)).isEqualTo("V28");
    assertThat(table.featureNames().get(28)).isEqualTo("Amount");
    assertThat(table.size()).isEqualTo(3);
    assertThat(table.labels()).containsExactly(1, 0, 0);
    assertThat(table.positives()).isEqualTo(1);
    assertThat(table.row(0)[0]).isEqualTo(1.0);
    assertThat(table.row(0)[27]).isEqualTo(28.0);
    assertThat(table.row(0)[28]).isEqualTo(149.62);
    assertThat(table.row(1)[13]).isEqualTo(-14.0);
  }

  @Test
  void readsLfLinesAndQuotedLabels() throws IOException {
    String header = String.join(",", columns());
    Path file = dir.resolve("lf.csv");
    Files.writeString(
        file, header + "\n" + row("0", 1, "1.5", "\"1\"") + "\n", StandardCharsets.UTF_8);

    CreditCardCsv.Table table = CreditCardCsv.read(file);

    assertThat(table.labels()).containsExactly(1);
    assertThat(table.row(0)[28]).isEqualTo(1.5);
  }

  @Test
  void rejectsAHeaderWithoutTheLabelColumn() throws IOException {
    List<String> columns = columns();
    columns.remove("Class");
    Path file = write(String.join(",", columns));

    assertThatThrownBy(() -> CreditCardCsv.read(file))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("expected columns [Time, V1,");
  }

  @Test
  void rejectsALabelOtherThanZeroOrOneNamingTheLine() throws IOException {
    Path file = write(quotedHeader(), row("0", 1, "1.0", "0"), row("0", 1, "1.0", "2"));

    assertThatThrownBy(() -> CreditCardCsv.read(file))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("line 3: expected Class 0 or 1, found '2'");
  }

  @Test
  void rejectsANonNumericValueNamingTheColumn() throws IOException {
    Path file = write(quotedHeader(), row("0", 1, "n/a", "0"));

    assertThatThrownBy(() -> CreditCardCsv.read(file))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("line 2: expected a finite number in column Amount, found 'n/a'");
  }

  @Test
  void rejectsARowWithMissingFields() throws IOException {
    Path file = write(quotedHeader(), "1,2,3");

    assertThatThrownBy(() -> CreditCardCsv.read(file))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("line 2: expected 31 fields, found 3");
  }

  @Test
  void readsAllRowsOfTheSharedDataFile() throws IOException {
    Path file = Path.of(System.getProperty("sluice.data.dir"), FraudModelTrainer.DATA_FILE);

    CreditCardCsv.Table table = CreditCardCsv.read(file);

    assertThat(table.size()).isEqualTo(4492);
    assertThat(table.positives()).isEqualTo(492);
    // The first normal transaction of the original data set, as PROVENANCE.md quotes it.
    double[] firstNormal = table.row(492);
    assertThat(firstNormal[0]).isEqualTo(-1.3598071336738);
    assertThat(firstNormal[28]).isEqualTo(149.62);
    assertThat(table.label(492)).isZero();
  }

  private Path write(String... lines) throws IOException {
    Path file = dir.resolve("data.csv");
    Files.writeString(file, String.join("\r\n", lines) + "\r\n", StandardCharsets.UTF_8);
    return file;
  }

  private static List<String> columns() {
    List<String> columns = new ArrayList<>();
    columns.add("Time");
    for (int i = 1; i <= 28; i++) {
      columns.add("V" + i);
    }
    columns.add("Amount");
    columns.add("Class");
    return columns;
  }

  private static String quotedHeader() {
    return String.join(",", columns().stream().map(c -> '"' + c + '"').toList());
  }

  /** A data row whose V<i> is {@code sign * i}. */
  private static String row(String time, int sign, String amount, String label) {
    List<String> fields = new ArrayList<>();
    fields.add(time);
    for (int i = 1; i <= 28; i++) {
      fields.add(Integer.toString(sign * i));
    }
    fields.add(amount);
    fields.add(label);
    return String.join(",", fields);
  }
}
