package io.sluice.kinds.classification;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.errors.DeadLetter;
import io.sluice.errors.RejectedRecordException;
import io.sluice.schemas.CardTransaction;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class FeatureMappingTest {
  /** Tribuo orders features alphabetically: Amount, V1, V10, V11, ..., V19, V2, V20, ... */
  private static final List<String> MODEL_ORDER = alphabetical();

  private static List<String> alphabetical() {
    List<String> names = new ArrayList<>();
    names.add("Amount");
    for (int i = 1; i <= 28; i++) {
      names.add("V" + i);
    }
    names.sort(null);
    return names;
  }

  private static CardTransaction tx(List<Double> features, double amount) {
    return CardTransaction.newBuilder()
        .setId("t")
        .setCardId("c")
        .setEventTime(Instant.EPOCH)
        .setAmount(amount)
        .setFeatures(features)
        .build();
  }

  private static List<Double> features(int n) {
    List<Double> f = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      f.add((double) i);
    }
    return f;
  }

  private final FeatureMapping mapping =
      FeatureMapping.parse("k", "Amount=amount, V1..V28=features[0..27]", MODEL_ORDER);

  @Test
  void extractsFeaturesInTheModelsOrderNotTheEventsOrder() throws Exception {
    float[] row = mapping.extract(tx(features(28), 99.5));
    assertThat(row).hasSize(29);
    assertThat(row[MODEL_ORDER.indexOf("Amount")]).isEqualTo(99.5f);
    assertThat(row[MODEL_ORDER.indexOf("V1")]).isEqualTo(1f);
    assertThat(row[MODEL_ORDER.indexOf("V10")]).isEqualTo(10f);
    assertThat(row[MODEL_ORDER.indexOf("V28")]).isEqualTo(28f);
  }

  @Test
  void rejectsTheWrongNumberOfFeatures() {
    assertThatThrownBy(() -> mapping.extract(tx(features(27), 1)))
        .isInstanceOfSatisfying(
            RejectedRecordException.class,
            e -> {
              assertThat(e.stage()).isEqualTo(DeadLetter.Stage.FEATURIZE);
              assertThat(e.reason()).isEqualTo("WRONG_FEATURE_COUNT");
            })
        .hasMessageContaining("27 values, expected 28");
    assertThatThrownBy(() -> mapping.extract(tx(features(29), 1)))
        .hasMessageContaining("29 values, expected 28");
  }

  @Test
  void rejectsNaNAndInfiniteValuesNamingTheFeature() {
    List<Double> f = features(28);
    f.set(2, Double.NaN);
    assertThatThrownBy(() -> mapping.extract(tx(f, 1)))
        .isInstanceOfSatisfying(
            RejectedRecordException.class, e -> assertThat(e.reason()).isEqualTo("NOT_FINITE"))
        .hasMessageContaining("'V3' (features[2]) is NaN");
    assertThatThrownBy(() -> mapping.extract(tx(features(28), Double.POSITIVE_INFINITY)))
        .hasMessageContaining("'Amount' (amount) is Infinity");
  }

  @Test
  void aMappingThatMissesAModelFeatureIsAConfigurationError() {
    assertThatThrownBy(
            () -> FeatureMapping.parse("pipeline.features", "V1..V28=features[0..27]", MODEL_ORDER))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("pipeline.features")
        .hasMessageContaining("[Amount]");
  }

  @Test
  void aMappingOfAFeatureTheModelLacksIsAConfigurationError() {
    assertThatThrownBy(
            () ->
                FeatureMapping.parse(
                    "pipeline.features", "Amount=amount,V1..V29=features[0..28]", MODEL_ORDER))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("[V29]");
  }

  @Test
  void malformedRangesAreConfigurationErrors() {
    assertThatThrownBy(
            () -> FeatureMapping.parse("k", "Amount=amount,V1..V28=features[0..26]", MODEL_ORDER))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("different lengths");
    assertThatThrownBy(() -> FeatureMapping.parse("k", "Amount", MODEL_ORDER))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("not name=path");
  }

  @Test
  void aFieldTheEventDoesNotHaveIsABadRecord() {
    FeatureMapping m = FeatureMapping.parse("k", "x=velocity", List.of("x"));
    assertThatThrownBy(() -> m.extract(tx(features(28), 1)))
        .isInstanceOfSatisfying(
            RejectedRecordException.class, e -> assertThat(e.reason()).isEqualTo("MISSING_FIELD"))
        .hasMessageContaining("no field 'velocity'");
  }

  @Test
  void followsTheFieldPositionsOfEachEventsOwnSchema() throws Exception {
    // The same fields at other positions, then a schema without 'amount', then the first again.
    Schema reordered =
        SchemaBuilder.record("Reordered")
            .fields()
            .requiredDouble("amount")
            .name("features")
            .type()
            .array()
            .items()
            .doubleType()
            .noDefault()
            .endRecord();
    Schema noAmount =
        SchemaBuilder.record("NoAmount")
            .fields()
            .name("features")
            .type()
            .array()
            .items()
            .doubleType()
            .noDefault()
            .endRecord();
    GenericRecord other = new GenericData.Record(reordered);
    other.put("amount", 7.0);
    other.put("features", features(28));
    GenericRecord missing = new GenericData.Record(noAmount);
    missing.put("features", features(28));

    assertThat(mapping.extract(tx(features(28), 99.5))[MODEL_ORDER.indexOf("Amount")])
        .isEqualTo(99.5f);
    assertThat(mapping.extract(other)[MODEL_ORDER.indexOf("Amount")]).isEqualTo(7f);
    assertThat(mapping.extract(other)[MODEL_ORDER.indexOf("V28")]).isEqualTo(28f);
    assertThatThrownBy(() -> mapping.extract(missing))
        .isInstanceOf(RejectedRecordException.class)
        .hasMessageContaining("has no field 'amount'");
    assertThat(mapping.extract(tx(features(28), 1.5))[MODEL_ORDER.indexOf("Amount")])
        .isEqualTo(1.5f);
  }
}
