package io.sluice.kinds.classification;

import io.sluice.errors.DeadLetter.Stage;
import io.sluice.errors.RejectedRecordException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericEnumSymbol;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.config.ConfigException;

/**
 * Where each model feature comes from in an event, and the extraction of the model's input row from
 * a decoded event. Declared in configuration as {@code name=path} pairs, where a path is a field
 * ({@code amount}) or an element of an array field ({@code features[3]}), and a range maps many at
 * once: {@code V1..V28=features[0..27]}. The entry {@code *} maps every model feature that is not
 * mapped otherwise to the field of the same name.
 *
 * <p>A categorical input that the model descriptor one-hot encodes ({@code protocol_type} with
 * columns {@code protocol_type=tcp}, {@code protocol_type=udp}, ...) is mapped by its name to a
 * text field ({@code protocol_type=proto}); the column of the field's value is set to 1 and the
 * others to 0, and a value the model does not know sets none, as for any input the training data
 * did not have.
 *
 * <p>An array field referenced by the mapping must hold exactly as many values as the mapping reads
 * from it (indexes 0 to the largest one); a shorter or longer array is a bad record, not a feature
 * to ignore. Immutable and thread-safe.
 */
public final class FeatureMapping {
  private static final Pattern RANGE_NAME = Pattern.compile("(.*?)(\\d+)\\.\\.(.*?)(\\d+)");
  private static final Pattern PATH =
      Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)(?:\\[(\\d+)(?:\\.\\.(\\d+))?\\])?");

  /** Where one feature comes from: a field, and an index if that field is an array. */
  record Source(String field, int index) {
    String describe() {
      return index < 0 ? field : field + "[" + index + "]";
    }
  }

  /** A one-hot encoded categorical input: its text field and the column of each known value. */
  private record OneHot(String name, String field, Map<String, Integer> columns) {}

  private final List<String> featureOrder;
  private final Source[] sources;
  private final List<OneHot> oneHots;
  private final Map<String, Integer> arrayLengths;
  private final String[] arrayFields;

  /**
   * Field positions in the last event schema seen, so that a row takes no field lookups by name:
   * per feature, the position of its field, or -1 if the schema has no such field. Events of one
   * input topic nearly always share one schema instance (the decoder's, per writer schema id).
   */
  private volatile Positions positions;

  private record Positions(Schema schema, int[] arrays, int[] sources, int[] oneHots) {}

  private FeatureMapping(List<String> featureOrder, Source[] sources, List<OneHot> oneHots) {
    this.featureOrder = List.copyOf(featureOrder);
    this.sources = sources;
    this.oneHots = List.copyOf(oneHots);
    Map<String, Integer> lengths = new HashMap<>();
    for (Source s : sources) {
      if (s != null && s.index() >= 0) {
        lengths.merge(s.field(), s.index() + 1, Math::max);
      }
    }
    this.arrayLengths = Map.copyOf(lengths);
    this.arrayFields = arrayLengths.keySet().toArray(String[]::new);
  }

  /**
   * Parses a mapping and orders it by the model's features.
   *
   * @param configKey the key the spec came from, named in errors
   * @param modelFeatures the model's features in input-column order
   * @throws ConfigException if the spec is malformed or does not cover the model's features
   */
  public static FeatureMapping parse(String configKey, String spec, List<String> modelFeatures) {
    return parse(configKey, spec, modelFeatures, Map.of());
  }

  /**
   * Parses a mapping for a model with one-hot encoded categorical inputs.
   *
   * @param oneHot each categorical input's known values; its columns are named {@code name=value}
   *     in {@code modelFeatures}
   * @throws ConfigException if the spec is malformed or does not cover the model's features
   */
  public static FeatureMapping parse(
      String configKey, String spec, List<String> modelFeatures, Map<String, List<String>> oneHot) {
    Map<String, Source> byName = new LinkedHashMap<>();
    boolean wildcard = false;
    for (String entry : spec.split(",")) {
      String trimmed = entry.trim();
      if (trimmed.isEmpty()) {
        continue;
      }
      if (trimmed.equals("*")) {
        wildcard = true;
        continue;
      }
      int eq = trimmed.indexOf('=');
      if (eq <= 0) {
        throw new ConfigException(configKey, spec, "entry '" + trimmed + "' is not name=path");
      }
      String name = trimmed.substring(0, eq).trim();
      String path = trimmed.substring(eq + 1).trim();
      parseEntry(configKey, spec, name, path, byName);
    }
    Map<String, String> categoryColumns = new HashMap<>();
    oneHot.forEach(
        (name, values) -> values.forEach(v -> categoryColumns.put(name + "=" + v, name)));
    if (wildcard) {
      for (String name : oneHot.keySet()) {
        byName.putIfAbsent(name, new Source(name, -1));
      }
      for (String feature : modelFeatures) {
        if (!categoryColumns.containsKey(feature)) {
          byName.putIfAbsent(feature, new Source(feature, -1));
        }
      }
    }
    List<String> missing = new ArrayList<>();
    Source[] ordered = new Source[modelFeatures.size()];
    Map<String, Map<String, Integer>> columnsByCategorical = new LinkedHashMap<>();
    for (int i = 0; i < modelFeatures.size(); i++) {
      String feature = modelFeatures.get(i);
      String categorical = categoryColumns.get(feature);
      if (categorical != null) {
        if (!byName.containsKey(categorical)) {
          missing.add(categorical);
        }
        columnsByCategorical
            .computeIfAbsent(categorical, c -> new HashMap<>())
            .put(feature.substring(categorical.length() + 1), i);
        continue;
      }
      Source s = byName.get(feature);
      if (s == null) {
        missing.add(feature);
      }
      ordered[i] = s;
    }
    if (!missing.isEmpty()) {
      throw new ConfigException(
          configKey,
          spec,
          "no mapping for the model's features " + missing.stream().distinct().toList());
    }
    List<String> unknown = new ArrayList<>(byName.keySet());
    unknown.removeAll(modelFeatures);
    unknown.removeAll(oneHot.keySet());
    if (!unknown.isEmpty()) {
      throw new ConfigException(
          configKey,
          spec,
          "maps " + unknown + " which the model does not have; its features are " + modelFeatures);
    }
    List<OneHot> oneHots = new ArrayList<>();
    for (Map.Entry<String, Map<String, Integer>> e : columnsByCategorical.entrySet()) {
      Source s = byName.get(e.getKey());
      if (s.index() >= 0) {
        throw new ConfigException(
            configKey,
            spec,
            "categorical '" + e.getKey() + "' must map to a text field, not " + s.describe());
      }
      oneHots.add(new OneHot(e.getKey(), s.field(), Map.copyOf(e.getValue())));
    }
    return new FeatureMapping(modelFeatures, ordered, oneHots);
  }

  private static void parseEntry(
      String key, String spec, String name, String path, Map<String, Source> out) {
    Matcher p = PATH.matcher(path);
    if (!p.matches()) {
      throw new ConfigException(key, spec, "'" + path + "' is not a field or field[index]");
    }
    String field = p.group(1);
    Matcher range = RANGE_NAME.matcher(name);
    if (range.matches()) {
      if (!range.group(1).equals(range.group(3)) || p.group(3) == null) {
        throw new ConfigException(
            key, spec, "range '" + name + "=" + path + "' must look like V1..V28=features[0..27]");
      }
      int firstName = Integer.parseInt(range.group(2));
      int lastName = Integer.parseInt(range.group(4));
      int firstIndex = Integer.parseInt(p.group(2));
      int lastIndex = Integer.parseInt(p.group(3));
      if (lastName - firstName != lastIndex - firstIndex || lastName < firstName) {
        throw new ConfigException(
            key, spec, "range '" + name + "=" + path + "' has different lengths on each side");
      }
      for (int i = 0; i <= lastName - firstName; i++) {
        put(key, spec, out, range.group(1) + (firstName + i), new Source(field, firstIndex + i));
      }
    } else {
      if (p.group(3) != null) {
        throw new ConfigException(key, spec, "'" + name + "' maps one feature to a range");
      }
      int index = p.group(2) == null ? -1 : Integer.parseInt(p.group(2));
      put(key, spec, out, name, new Source(field, index));
    }
  }

  private static void put(
      String key, String spec, Map<String, Source> out, String name, Source source) {
    if (out.put(name, source) != null) {
      throw new ConfigException(key, spec, "feature '" + name + "' is mapped twice");
    }
  }

  /** The model's features in input-column order. */
  public List<String> featureOrder() {
    return featureOrder;
  }

  /**
   * The model's input row for one event.
   *
   * @throws RejectedRecordException (stage featurize) for a missing field, a wrong number of
   *     values, a value that is not a number (text, for a categorical), or a NaN or infinite value
   */
  public float[] extract(GenericRecord event) throws RejectedRecordException {
    Schema schema = event.getSchema();
    Positions at = positions;
    if (at == null || at.schema() != schema) {
      at = positions(schema);
      positions = at;
    }
    for (int a = 0; a < arrayFields.length; a++) {
      String arrayField = arrayFields[a];
      Object value = field(event, schema, arrayField, at.arrays()[a]);
      if (!(value instanceof List<?> list)) {
        throw reject("WRONG_TYPE", "field '" + arrayField + "' is not an array: " + typeOf(value));
      }
      int expected = arrayLengths.get(arrayField);
      if (list.size() != expected) {
        throw reject(
            "WRONG_FEATURE_COUNT",
            "field '" + arrayField + "' has " + list.size() + " values, expected " + expected);
      }
    }
    float[] row = new float[sources.length];
    for (int i = 0; i < sources.length; i++) {
      Source s = sources[i];
      if (s == null) {
        continue; // a one-hot column, set below
      }
      Object value = field(event, schema, s.field(), at.sources()[i]);
      if (s.index() >= 0) {
        value = ((List<?>) value).get(s.index());
      }
      if (!(value instanceof Number n)) {
        throw reject(
            value == null ? "MISSING_VALUE" : "WRONG_TYPE",
            "feature '"
                + featureOrder.get(i)
                + "' ("
                + s.describe()
                + ") is "
                + typeOf(value)
                + ", expected a number");
      }
      double d = n.doubleValue();
      if (!Double.isFinite(d)) {
        throw reject(
            "NOT_FINITE", "feature '" + featureOrder.get(i) + "' (" + s.describe() + ") is " + d);
      }
      row[i] = (float) d;
    }
    for (int c = 0; c < oneHots.size(); c++) {
      OneHot categorical = oneHots.get(c);
      Object value = field(event, schema, categorical.field(), at.oneHots()[c]);
      if (!(value instanceof CharSequence) && !(value instanceof GenericEnumSymbol<?>)) {
        throw reject(
            value == null ? "MISSING_VALUE" : "WRONG_TYPE",
            "categorical '"
                + categorical.name()
                + "' ("
                + categorical.field()
                + ") is "
                + typeOf(value)
                + ", expected text");
      }
      Integer column = categorical.columns().get(value.toString());
      if (column != null) {
        row[column] = 1f;
      }
    }
    return row;
  }

  private Positions positions(Schema schema) {
    int[] arrays = new int[arrayFields.length];
    for (int a = 0; a < arrays.length; a++) {
      arrays[a] = position(schema, arrayFields[a]);
    }
    int[] columns = new int[sources.length];
    for (int i = 0; i < columns.length; i++) {
      columns[i] = sources[i] == null ? -1 : position(schema, sources[i].field());
    }
    int[] categoricals = new int[oneHots.size()];
    for (int c = 0; c < categoricals.length; c++) {
      categoricals[c] = position(schema, oneHots.get(c).field());
    }
    return new Positions(schema, arrays, columns, categoricals);
  }

  private static int position(Schema schema, String field) {
    Schema.Field f = schema.getType() == Schema.Type.RECORD ? schema.getField(field) : null;
    return f == null ? -1 : f.pos();
  }

  /** The value of {@code field}, at {@code position} in the event's schema (-1: it has none). */
  private static Object field(GenericRecord event, Schema schema, String field, int position)
      throws RejectedRecordException {
    if (position < 0) {
      throw reject(
          "MISSING_FIELD",
          "event of type " + schema.getFullName() + " has no field '" + field + "'");
    }
    return event.get(position);
  }

  private static String typeOf(Object value) {
    return value == null ? "null" : value.getClass().getSimpleName() + " " + value;
  }

  private static RejectedRecordException reject(String reason, String message) {
    return new RejectedRecordException(Stage.FEATURIZE, reason, message);
  }
}
