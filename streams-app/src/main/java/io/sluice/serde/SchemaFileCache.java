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
import java.util.function.IntSupplier;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.SchemaParseException;
import org.apache.avro.SchemaParser;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A registry client that keeps every schema it fetched by id in a directory, one {@code <id>.avsc}
 * file each, and answers from there before asking the registry: a schema id never changes its
 * schema, so what was fetched once stays true, and an instance restarted during a registry outage
 * still decodes the records whose schemas it had seen. Registering and looking up go to the
 * registry, and the id it answers is kept too ({@code subject-<subject>-<fingerprint>.id}): when
 * the registry cannot be reached, the id it gave before for the same schema under the same subject
 * is used, so that an instance restarted during an outage can still write its outputs.
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
    return remembered(subject, schema, () -> registry.register(subject, schema));
  }

  @Override
  public int lookup(String subject, Schema schema) {
    return remembered(subject, schema, () -> registry.lookup(subject, schema));
  }

  /**
   * The registry's answer, kept on disk; when the registry fails, the answer kept before, if any
   * (else the failure).
   */
  private int remembered(String subject, Schema schema, IntSupplier ask) {
    Path f =
        dir.resolve(
            "subject-"
                + java.net.URLEncoder.encode(subject, StandardCharsets.UTF_8)
                + "-"
                + Long.toHexString(SchemaNormalization.parsingFingerprint64(schema))
                + ".id");
    try {
      int id = ask.getAsInt();
      if (!Integer.valueOf(id).equals(readId(f))) {
        write(f, Integer.toString(id));
      }
      return id;
    } catch (SchemaRegistryException e) {
      Integer kept = readId(f);
      if (kept == null) {
        throw e;
      }
      // Once per subject and process: the serializers keep the id they got.
      LOG.warn(
          "schema registry unreachable ({}); using the id kept on disk for subject {}: {}",
          e.getMessage(),
          subject,
          kept);
      return kept;
    }
  }

  private static Integer readId(Path f) {
    try {
      return Files.isRegularFile(f)
          ? Integer.valueOf(Files.readString(f, StandardCharsets.UTF_8).trim())
          : null;
    } catch (IOException | NumberFormatException e) {
      LOG.warn("ignoring unreadable cached schema id file {}: {}", f, e.toString());
      return null;
    }
  }

  @Override
  public Schema schemaById(int id) {
    Schema schema = known.get(id);
    if (schema == null) {
      schema = read(id);
    }
    if (schema == null) {
      schema = registry.schemaById(id);
      write(file(id), schema.toString());
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

  private void write(Path file, String text) {
    try {
      Files.createDirectories(dir);
      Path tmp = Files.createTempFile(dir, "schema-", ".tmp");
      Files.writeString(tmp, text, StandardCharsets.UTF_8);
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      // The cache only helps during an outage; without it the registry is asked after a restart.
      LOG.warn("cannot keep {} in {}: {}", file.getFileName(), dir, e.toString());
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
