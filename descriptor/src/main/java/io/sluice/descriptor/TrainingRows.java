package io.sluice.descriptor;

import java.util.Base64;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Which events a model was trained on, compactly, so that a replay can tell how many of the records
 * it measures the model on the model has already seen: the data file's SHA-256, and the rows used
 * for fitting and for choosing the threshold (the training and validation splits) as a bit set of
 * row numbers, whose events carry the id {@code idPrefix + row} (zero-padded to {@code idDigits}).
 * Kept in the descriptor's {@code training} block under {@value #KEY}; an immutable value.
 *
 * @param dataSha256 lower-case hex SHA-256 of the data file the rows come from
 * @param idPrefix the event id of row {@code r} is this prefix followed by {@code r}
 * @param idDigits the row number's width in the id, zero-padded; 0 for no padding
 * @param rows the row numbers trained on (including validation rows)
 * @param splits which splits the rows are, for the report (e.g. "train and validation")
 */
public record TrainingRows(
    String dataSha256, String idPrefix, int idDigits, BitSet rows, String splits) {

  /** The key of this block in the descriptor's {@code training} map. */
  public static final String KEY = "trainedOn";

  public TrainingRows {
    rows = (BitSet) rows.clone();
  }

  @Override
  public BitSet rows() {
    return (BitSet) rows.clone();
  }

  /** How many rows the model was trained on. */
  public int count() {
    return rows.cardinality();
  }

  /** Whether the event with this id is one of the training rows. */
  public boolean contains(String eventId) {
    if (eventId == null || !eventId.startsWith(idPrefix)) {
      return false;
    }
    String digits = eventId.substring(idPrefix.length());
    if (digits.isEmpty() || digits.length() > 9) {
      return false;
    }
    for (int i = 0; i < digits.length(); i++) {
      if (digits.charAt(i) < '0' || digits.charAt(i) > '9') {
        return false;
      }
    }
    int row = Integer.parseInt(digits);
    return rows.get(row) && eventId(row).equals(eventId);
  }

  /** The event id of a row, as the training data's events carry it. */
  public String eventId(int row) {
    String digits = Integer.toString(row);
    return idPrefix + "0".repeat(Math.max(0, idDigits - digits.length())) + digits;
  }

  /** This block as the descriptor's JSON holds it. */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("dataSha256", dataSha256);
    m.put("idPrefix", idPrefix);
    m.put("idDigits", idDigits);
    m.put("splits", splits);
    m.put("count", count());
    m.put("rows", Base64.getEncoder().encodeToString(rows.toByteArray()));
    return m;
  }

  /**
   * The block of a descriptor's {@code training} map, if it records one.
   *
   * @throws IllegalArgumentException if the block is there but malformed
   */
  public static Optional<TrainingRows> of(Map<String, Object> training) {
    Object block = training == null ? null : training.get(KEY);
    if (block == null) {
      return Optional.empty();
    }
    if (!(block instanceof Map<?, ?> m)) {
      throw new IllegalArgumentException(
          "training." + KEY + ": expected an object, found " + block.getClass().getSimpleName());
    }
    try {
      BitSet rows = BitSet.valueOf(Base64.getDecoder().decode((String) m.get("rows")));
      TrainingRows t =
          new TrainingRows(
              (String) m.get("dataSha256"),
              (String) m.get("idPrefix"),
              ((Number) m.get("idDigits")).intValue(),
              rows,
              String.valueOf(m.get("splits")));
      Object count = m.get("count");
      if (count instanceof Number n && n.intValue() != t.count()) {
        throw new IllegalArgumentException(
            "training." + KEY + ": expected " + n + " rows as count says, found " + t.count());
      }
      return Optional.of(t);
    } catch (ClassCastException | NullPointerException e) {
      throw new IllegalArgumentException(
          "training."
              + KEY
              + ": expected dataSha256, idPrefix, idDigits and rows (base64), found "
              + m.keySet()
              + " ("
              + e.getMessage()
              + ")");
    }
  }
}
