package io.sluice.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SchemaFileCacheTest {
  private static final Schema EVENT =
      SchemaBuilder.record("Event").namespace("t").fields().requiredLong("id").endRecord();

  @TempDir Path dir;

  /** A registry that serves one schema under id 7 while up, and fails as unreachable when down. */
  private static final class Registry implements SchemaRegistryClient {
    boolean up = true;
    final AtomicInteger fetches = new AtomicInteger();

    @Override
    public int register(String subject, Schema schema) {
      if (!up) {
        throw new SchemaRegistryException("connection refused");
      }
      return 7;
    }

    @Override
    public int lookup(String subject, Schema schema) {
      return register(subject, schema);
    }

    @Override
    public Schema schemaById(int id) {
      fetches.incrementAndGet();
      if (!up) {
        throw new SchemaRegistryException("connection refused");
      }
      if (id != 7) {
        throw new UnknownSchemaException(id, "not found");
      }
      return EVENT;
    }

    @Override
    public void close() {}
  }

  @Test
  void aSchemaFetchedOnceIsServedFromDiskAfterARestartDuringAnOutage() {
    Registry registry = new Registry();
    try (SchemaFileCache first = new SchemaFileCache(registry, dir)) {
      assertThat(first.isCached(7)).isFalse();
      assertThat(first.schemaById(7)).isEqualTo(EVENT);
      assertThat(first.schemaById(7)).isEqualTo(EVENT);
      assertThat(registry.fetches).hasValue(1);
    }
    registry.up = false;
    try (SchemaFileCache restarted = new SchemaFileCache(registry, dir)) {
      assertThat(restarted.isCached(7)).isTrue();
      assertThat(restarted.schemaById(7)).isEqualTo(EVENT);
      assertThat(registry.fetches).hasValue(1);
      assertThatThrownBy(() -> restarted.schemaById(8))
          .isInstanceOf(SchemaRegistryException.class)
          .hasMessageContaining("connection refused");
    }
  }

  @Test
  void anIdRegisteredOnceIsUsedAfterARestartDuringAnOutageAndOnlyForTheSameSchemaAndSubject() {
    Registry registry = new Registry();
    try (SchemaFileCache first = new SchemaFileCache(registry, dir)) {
      assertThat(first.register("out-value", EVENT)).isEqualTo(7);
    }
    registry.up = false;
    Schema other =
        SchemaBuilder.record("Other").namespace("t").fields().requiredLong("id").endRecord();
    try (SchemaFileCache restarted = new SchemaFileCache(registry, dir)) {
      assertThat(restarted.register("out-value", EVENT)).isEqualTo(7);
      assertThat(restarted.lookup("out-value", EVENT)).isEqualTo(7);
      assertThatThrownBy(() -> restarted.register("out-value", other))
          .isInstanceOf(SchemaRegistryException.class);
      assertThatThrownBy(() -> restarted.register("other-value", EVENT))
          .isInstanceOf(SchemaRegistryException.class);
    }
  }

  @Test
  void anUnreadableFileIsIgnoredAndReplacedByTheRegistrysAnswer() throws Exception {
    Files.writeString(dir.resolve("7.avsc"), "{not a schema");
    Registry registry = new Registry();
    try (SchemaFileCache cache = new SchemaFileCache(registry, dir)) {
      assertThat(cache.schemaById(7)).isEqualTo(EVENT);
    }
    assertThat(new org.apache.avro.Schema.Parser().parse(dir.resolve("7.avsc").toFile()))
        .isEqualTo(EVENT);
  }

  @Test
  void unknownIdsAreNotCached() {
    Registry registry = new Registry();
    try (SchemaFileCache cache = new SchemaFileCache(registry, dir)) {
      assertThatThrownBy(() -> cache.schemaById(9)).isInstanceOf(UnknownSchemaException.class);
      assertThat(cache.isCached(9)).isFalse();
    }
  }
}
