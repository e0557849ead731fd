package io.sluice.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.schemas.Alert;
import io.sluice.schemas.CardTransaction;
import io.sluice.schemas.Prediction;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalSchemaRegistryTest {

  @Test
  void loadsTheProjectSchemasFromTheClasspath() {
    try (LocalSchemaRegistry registry = LocalSchemaRegistry.fromClasspath()) {
      for (Schema schema :
          new Schema[] {
            CardTransaction.getClassSchema(), Prediction.getClassSchema(), Alert.getClassSchema()
          }) {
        int id = registry.lookup("any-subject", schema);
        assertThat(id).isEqualTo(LocalSchemaRegistry.idOf(schema)).isPositive();
        assertThat(registry.schemaById(id).getFullName()).isEqualTo(schema.getFullName());
      }
    }
  }

  @Test
  void givesTheSameIdsInEveryInstanceWhateverTheSource(@TempDir Path directory) throws IOException {
    Files.writeString(
        directory.resolve("CardTransaction.avsc"), CardTransaction.getClassSchema().toString());
    Files.writeString(directory.resolve("notes.txt"), "not a schema");

    try (LocalSchemaRegistry fromClasspath = LocalSchemaRegistry.fromClasspath();
        LocalSchemaRegistry again = LocalSchemaRegistry.fromClasspath();
        LocalSchemaRegistry fromDirectory = LocalSchemaRegistry.fromDirectory(directory)) {
      Schema schema = CardTransaction.getClassSchema();
      int id = fromClasspath.lookup("transactions-value", schema);

      assertThat(again.lookup("transactions-value", schema)).isEqualTo(id);
      assertThat(fromDirectory.lookup("other-value", schema)).isEqualTo(id);
      assertThat(fromDirectory.register("transactions-value", schema)).isEqualTo(id);
    }
  }

  @Test
  void givesSchemasThatDifferOnlyInDocsTheSameIdAndOthersDifferentIds() {
    Schema plain = SchemaBuilder.record("R").fields().requiredInt("a").endRecord();
    Schema documented =
        SchemaBuilder.record("R").doc("A record.").fields().requiredInt("a").endRecord();
    Schema other = SchemaBuilder.record("R").fields().requiredLong("a").endRecord();

    assertThat(LocalSchemaRegistry.idOf(documented)).isEqualTo(LocalSchemaRegistry.idOf(plain));
    assertThat(LocalSchemaRegistry.idOf(other)).isNotEqualTo(LocalSchemaRegistry.idOf(plain));
  }

  @Test
  void rejectsUnknownIdsNamingTheIdAndWhatItHolds() {
    try (LocalSchemaRegistry registry = LocalSchemaRegistry.of(CardTransaction.getClassSchema())) {
      assertThatThrownBy(() -> registry.schemaById(7))
          .isInstanceOfSatisfying(
              UnknownSchemaException.class, e -> assertThat(e.schemaId()).isEqualTo(7))
          .hasMessageStartingWith("unknown schema id 7: ")
          .hasMessageContaining(
              "io.sluice.schemas.CardTransaction=id "
                  + LocalSchemaRegistry.idOf(CardTransaction.getClassSchema()));
    }
  }

  @Test
  void looksUpOnlySchemasItHoldsButRegistersNewOnes() {
    Schema added = SchemaBuilder.record("Added").fields().requiredString("s").endRecord();
    try (LocalSchemaRegistry registry = LocalSchemaRegistry.of(CardTransaction.getClassSchema())) {
      assertThatThrownBy(() -> registry.lookup("added-value", added))
          .isInstanceOf(SchemaNotRegisteredException.class)
          .hasMessageStartingWith("schema Added is not registered under subject 'added-value'");

      int id = registry.register("added-value", added);

      assertThat(registry.lookup("added-value", added)).isEqualTo(id);
      assertThat(registry.schemaById(id)).isEqualTo(added);
    }
  }

  @Test
  void rejectsADirectoryWithoutSchemas(@TempDir Path directory) {
    assertThatThrownBy(() -> LocalSchemaRegistry.fromDirectory(directory))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("holds no .avsc files");
    assertThatThrownBy(() -> LocalSchemaRegistry.fromDirectory(directory.resolve("missing")))
        .hasMessageContaining("is not a directory");
  }

  @Test
  void rejectsAnInvalidSchemaFileNamingIt(@TempDir Path directory) throws IOException {
    Files.writeString(directory.resolve("Broken.avsc"), "{\"type\": \"record\", \"name\": \"B\"}");

    assertThatThrownBy(() -> LocalSchemaRegistry.fromDirectory(directory))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Broken.avsc is not a valid Avro schema");
  }

  @Test
  void failsFastAfterClose() {
    LocalSchemaRegistry registry = LocalSchemaRegistry.of(CardTransaction.getClassSchema());
    registry.close();

    assertThatThrownBy(() -> registry.schemaById(1))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("is closed");
  }
}
