package io.sluice.models.intrusion;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.models.intrusion.NslKdd.Connection;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NslKddTest {
  private static final Path DATA_DIR = Path.of(System.getProperty("sluice.data.dir"));

  @Test
  void readsEveryTestConnectionWithItsAttackType() throws IOException {
    List<Connection> test = NslKdd.read(DATA_DIR.resolve(IntrusionModelTrainer.TEST_FILE));

    assertThat(test).hasSize(22_544);
    assertThat(test.stream().filter(c -> c.label().equals(NslKdd.ATTACK))).hasSize(12_833);
    Connection first = test.get(0);
    assertThat(first.values()).hasSize(41);
    assertThat(first.text("protocol_type")).isEqualTo("tcp");
    assertThat(first.attackType()).isEqualTo("neptune");
  }

  @Test
  void countsTheTrainingFilesNormalConnections() throws IOException {
    List<Connection> train = NslKdd.read(DATA_DIR.resolve(IntrusionModelTrainer.TRAIN_FILE));

    assertThat(train).hasSize(25_192);
    assertThat(train.stream().filter(c -> c.label().equals(NslKdd.NORMAL))).hasSize(13_449);
    assertThat(train.get(0).number("src_bytes")).isEqualTo(491.0);
    assertThat(train.get(0).difficulty()).isEqualTo(20);
  }

  @Test
  void namesTheFileAndLineOfABadRow(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("bad.txt");
    Files.writeString(file, "0,tcp,http,SF,1,2\n");

    assertThatThrownBy(() -> NslKdd.read(file))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("bad.txt line 1")
        .hasMessageContaining("expected 43 fields, found 6");
  }
}
