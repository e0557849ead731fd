package io.sluice.serde;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;
import org.apache.avro.SchemaParser;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A registry client that keeps every schema it fetched by id in a directory, one {@code <id>.avsc}
 * file each, and answers from there before asking the registry: a schema id never changes its
 * schema, so what was fetched once stays true, and an instance restarted during a registry outage
 * still decodes the records whose schemas it had seen. Registering and looking up go to the
 * registry.
 *
 * <p>Thread-safe. Files are written to a temporary name and moved into place, so a crash leaves
 * either no file or a whole one; an unreadable file is ignored (and replaced at the next fetch).
 * Closing closes the wrapped client.
 */
public final class SchemaFileCache implements SchemaRegistryClient {
  private static final Logger LOG = LoggerFactory.getLogger(SchemaFileCache.class);

  private final SchemaRegistryClient registry;
  private final Path dir;
  private final Map<Integer, Schema> known = new ConcurrentHashMap<>();

  /**
   * @param registry the client to ask for schemas not in {@code dir}; owned by this cache
   * @param dir where schema files are kept; created if missing
   */
  public SchemaFileCache(SchemaRegistryClient registry, Path dir) {
    this.registry = Objects.requireNonNull(registry, "registry");
    this.dir = Objects.requireNonNull(dir, "dir");
  }

  @Override
  public int register(String subject, Schema schema) {
    return registry.register(subject, schema);
  }

  @Override
  public int lookup(String subject, Schema schema) {
    return registry.lookup(subject, schema);
  }

  @Override
  public Schema schemaById(int id) {
    Schema schema = known.get(id);
    if (schema == null) {
      schema = read(id);
    }
    if (schema == null) {
      schema = registry.schemaById(id);
      write(id, schema);
    }
    known.put(id, schema);
    return schema;
  }

  /** Whether the schema with this id is known without asking the registry. */
  public boolean isCached(int id) {
    return known.containsKey(id) || Files.isRegularFile(file(id));
  }

  private Path file(int id) {
    return dir.resolve(id + ".avsc");
  }

  private Schema read(int id) {
    Path f = file(id);
    if (!Files.isRegularFile(f)) {
      return null;
    }
    try {
      return new SchemaParser().parse(Files.readString(f, StandardCharsets.UTF_8)).mainSchema();
    } catch (IOException | SchemaParseException e) {
      LOG.warn("ignoring unreadable cached schema file {}: {}", f, e.toString());
      return null;
    }
  }

  private void write(int id, Schema schema) {
    try {
      Files.createDirectories(dir);
      Path tmp = Files.createTempFile(dir, id + "-", ".tmp");
      Files.writeString(tmp, schema.toString(), StandardCharsets.UTF_8);
      try {
        Files.move(tmp, file(id), StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file(id), StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      // The cache only helps during an outage; without it the registry is asked after a restart.
      LOG.warn("cannot keep schema id {} in {}: {}", id, dir, e.toString());
    }
  }

  @Override
  public void close() {
    registry.close();
  }

  @Override
  public String toString() {
    return registry + " (schemas cached in " + dir + ")";
  }
}
