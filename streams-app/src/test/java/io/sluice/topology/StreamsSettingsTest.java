package io.sluice.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.config.ConfigLoader;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

class StreamsSettingsTest {
  private static Properties settings(Map<String, String> more) {
    Map<String, String> c =
        new HashMap<>(Map.of("bootstrap.servers", "b:9092", "application.id", "a"));
    c.putAll(more);
    return StreamsSettings.from(ConfigLoader.load(Optional.empty(), Map.of(), c));
  }

  @Test
  void anInstanceDeathCostsASixSecondSessionAndTasksHaveAStandby() {
    Properties p = settings(Map.of());
    assertThat(p.get("num.standby.replicas")).isEqualTo(1);
    assertThat(p.get("session.timeout.ms")).isEqualTo(6000);
    assertThat(p.get("heartbeat.interval.ms")).isEqualTo(1500);
    assertThat(p.get("transaction.timeout.ms")).isEqualTo(6000);
    assertThat(p.get("acceptable.recovery.lag")).isEqualTo(100L);
    assertThat(p.get("probing.rebalance.interval.ms")).isEqualTo(60_000L);
    assertThat(p).doesNotContainKey("group.protocol");
  }

  @Test
  void kafkaKeysOverrideTheFailoverDefaults() {
    Properties p =
        settings(Map.of("kafka.num.standby.replicas", "0", "kafka.session.timeout.ms", "10000"));
    assertThat(p.get("num.standby.replicas")).isEqualTo("0");
    assertThat(p.get("session.timeout.ms")).isEqualTo("10000");
  }

  @Test
  void theFailoverDefaultsAreValidStreamsSettings() {
    StreamsConfig config = new StreamsConfig(settings(Map.of()));
    assertThat(config.getInt(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG)).isEqualTo(1);
    assertThat(config.getMainConsumerConfigs("g", "c", 0))
        .containsEntry("session.timeout.ms", 6000);
  }
}
