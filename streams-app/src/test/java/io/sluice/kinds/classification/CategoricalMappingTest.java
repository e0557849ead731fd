package io.sluice.kinds.classification;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.errors.RejectedRecordException;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

/** Feature mappings of models with one-hot encoded categorical inputs, and the * entry. */
class CategoricalMappingTest {
  private static final Schema SCHEMA =
      new Schema.Parser()
          .parse(
              """
              {"type": "record", "name": "Conn", "fields": [
                {"name": "src_bytes", "type": "long"},
                {"name": "protocol_type", "type": "string"},
                {"name": "proto", "type": ["null", "string"]},
                {"name": "count", "type": "double"}]}
              """);

  /** Tribuo's alphabetical column order, one-hot columns among the numeric ones. */
  private static final List<String> COLUMNS =
      List.of("count", "protocol_type=icmp", "protocol_type=tcp", "protocol_type=udp", "src_bytes");

  private static final Map<String, List<String>> ONE_HOT =
      Map.of("protocol_type", List.of("icmp", "tcp", "udp"));

  private static GenericRecord connection(String protocol) {
    GenericRecord r = new GenericData.Record(SCHEMA);
    r.put("src_bytes", 491L);
    r.put("protocol_type", protocol);
    r.put("proto", null);
    r.put("count", 2.0);
    return r;
  }

  @Test
  void theStarMapsEveryFeatureAndCategoricalToTheFieldOfItsName() throws Exception {
    FeatureMapping m = FeatureMapping.parse("k", "*", COLUMNS, ONE_HOT);

    assertThat(m.extract(connection("tcp"))).containsExactly(2f, 0f, 1f, 0f, 491f);
    assertThat(m.extract(connection("udp"))).containsExactly(2f, 0f, 0f, 1f, 491f);
  }

  @Test
  void aValueTheModelDoesNotKnowSetsNoColumn() throws Exception {
    FeatureMapping m = FeatureMapping.parse("k", "*", COLUMNS, ONE_HOT);

    assertThat(m.extract(connection("sctp"))).containsExactly(2f, 0f, 0f, 0f, 491f);
  }

  @Test
  void aCategoricalMapsToATextFieldOfAnotherName() throws Exception {
    FeatureMapping m = FeatureMapping.parse("k", "protocol_type=proto, *", COLUMNS, ONE_HOT);
    GenericRecord r = connection("tcp");
    r.put("proto", "icmp");

    assertThat(m.extract(r)).containsExactly(2f, 1f, 0f, 0f, 491f);
  }

  @Test
  void aMissingTextValueIsABadRecord() {
    FeatureMapping m = FeatureMapping.parse("k", "protocol_type=proto, *", COLUMNS, ONE_HOT);

    assertThatThrownBy(() -> m.extract(connection("tcp")))
        .isInstanceOfSatisfying(
            RejectedRecordException.class, e -> assertThat(e.reason()).isEqualTo("MISSING_VALUE"))
        .hasMessageContaining("categorical 'protocol_type' (proto) is null, expected text");
  }

  @Test
  void aNumberWhereTextIsExpectedIsABadRecord() {
    FeatureMapping m = FeatureMapping.parse("k", "protocol_type=count, *", COLUMNS, ONE_HOT);

    assertThatThrownBy(() -> m.extract(connection("tcp")))
        .isInstanceOfSatisfying(
            RejectedRecordException.class, e -> assertThat(e.reason()).isEqualTo("WRONG_TYPE"));
  }

  @Test
  void aCategoricalWithoutAMappingIsNamed() {
    assertThatThrownBy(
            () -> FeatureMapping.parse("k", "count=count, src_bytes=src_bytes", COLUMNS, ONE_HOT))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("no mapping for the model's features [protocol_type]");
  }

  @Test
  void aCategoricalCannotComeFromAnArrayElement() {
    assertThatThrownBy(() -> FeatureMapping.parse("k", "protocol_type=x[0], *", COLUMNS, ONE_HOT))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("categorical 'protocol_type' must map to a text field, not x[0]");
  }
}
