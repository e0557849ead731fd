package io.sluice.models.intrusion;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the NSL-KDD network-connection files ({@code KDDTrain+_20Percent.txt}, {@code
 * KDDTest+.txt}): no header, 43 comma-separated fields per line, which are the 41 connection
 * features named in {@link #FIELDS}, the attack type ({@code normal} for normal traffic) and the
 * difficulty level.
 */
public final class NslKdd {

  /** The 41 connection features, in file order. */
  public static final List<String> FIELDS =
      List.of(
          "duration",
          "protocol_type",
          "service",
          "flag",
          "src_bytes",
          "dst_bytes",
          "land",
          "wrong_fragment",
          "urgent",
          "hot",
          "num_failed_logins",
          "logged_in",
          "num_compromised",
          "root_shell",
          "su_attempted",
          "num_root",
          "num_file_creations",
          "num_shells",
          "num_access_files",
          "num_outbound_cmds",
          "is_host_login",
          "is_guest_login",
          "count",
          "srv_count",
          "serror_rate",
          "srv_serror_rate",
          "rerror_rate",
          "srv_rerror_rate",
          "same_srv_rate",
          "diff_srv_rate",
          "srv_diff_host_rate",
          "dst_host_count",
          "dst_host_srv_count",
          "dst_host_same_srv_rate",
          "dst_host_diff_srv_rate",
          "dst_host_same_src_port_rate",
          "dst_host_srv_diff_host_rate",
          "dst_host_serror_rate",
          "dst_host_srv_serror_rate",
          "dst_host_rerror_rate",
          "dst_host_srv_rerror_rate");

  /** The features that are text: protocol, service and TCP flag. */
  public static final List<String> CATEGORICAL = List.of("protocol_type", "service", "flag");

  /** The attack type of normal traffic. */
  public static final String NORMAL = "normal";

  /** The label of any attack, in the binary attack-detection task. */
  public static final String ATTACK = "attack";

  private static final int COLUMNS = FIELDS.size() + 2;

  private NslKdd() {}

  /**
   * One connection record.
   *
   * @param values the 41 features as written in the file, in {@link #FIELDS} order
   * @param attackType {@code normal} or the attack's name, e.g. {@code neptune}
   * @param difficulty how many of the data set authors' 21 learners got it wrong
   */
  public record Connection(List<String> values, String attackType, int difficulty) {
    public Connection {
      values = List.copyOf(values);
    }

    /** {@link #ATTACK} or {@link #NORMAL}. */
    public String label() {
      return NORMAL.equals(attackType) ? NORMAL : ATTACK;
    }

    /** The value of a feature as text. */
    public String text(String field) {
      return values.get(index(field));
    }

    /** The value of a numeric feature. */
    public double number(String field) {
      return Double.parseDouble(values.get(index(field)));
    }
  }

  /** The position of a feature in {@link #FIELDS}. */
  public static int index(String field) {
    int i = FIELDS.indexOf(field);
    if (i < 0) {
      throw new IllegalArgumentException(
          "Unknown NSL-KDD field '" + field + "', expected one of " + FIELDS);
    }
    return i;
  }

  /**
   * Reads a file.
   *
   * @throws IOException if it cannot be read, or a line does not have 43 fields or has a numeric
   *     feature that is not a number; the message names the file and line
   */
  public static List<Connection> read(Path file) throws IOException {
    List<Connection> connections = new ArrayList<>();
    try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      int lineNumber = 0;
      while ((line = reader.readLine()) != null) {
        lineNumber++;
        if (line.isBlank()) {
          continue;
        }
        String[] parts = line.split(",", -1);
        if (parts.length != COLUMNS) {
          throw new IOException(
              file
                  + " line "
                  + lineNumber
                  + ": expected "
                  + COLUMNS
                  + " fields, found "
                  + parts.length);
        }
        List<String> values = new ArrayList<>(FIELDS.size());
        for (int i = 0; i < FIELDS.size(); i++) {
          String value = parts[i].trim();
          if (!CATEGORICAL.contains(FIELDS.get(i))) {
            try {
              Double.parseDouble(value);
            } catch (NumberFormatException e) {
              throw new IOException(
                  file
                      + " line "
                      + lineNumber
                      + ": field "
                      + FIELDS.get(i)
                      + " is not a number: '"
                      + value
                      + "'",
                  e);
            }
          }
          values.add(value);
        }
        int difficulty;
        try {
          difficulty = Integer.parseInt(parts[COLUMNS - 1].trim());
        } catch (NumberFormatException e) {
          throw new IOException(
              file
                  + " line "
                  + lineNumber
                  + ": difficulty is not an integer: '"
                  + parts[COLUMNS - 1]
                  + "'",
              e);
        }
        connections.add(new Connection(values, parts[FIELDS.size()].trim(), difficulty));
      }
    }
    return connections;
  }
}
