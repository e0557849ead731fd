package io.sluice.serde;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.SchemaParseException;
import org.apache.avro.SchemaParser;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link SchemaRegistryClient} without a server, for running without a Schema Registry: it knows
 * the schemas it was given (the {@code .avsc} files on the classpath or in a directory) and those
 * registered with it since.
 *
 * <p>A schema's id is derived from the 64-bit Rabin fingerprint of its Parsing Canonical Form
 * ({@link #idOf(Schema)}), so every instance, in every process, gives the same schema the same id;
 * two schemas that differ only in docs, defaults or aliases share an id. Subjects are accepted and
 * ignored: a schema's id is the same under every subject. Thread-safe.
 */
public final class LocalSchemaRegistry implements SchemaRegistryClient {
  private static final Logger log = LoggerFactory.getLogger(LocalSchemaRegistry.class);

  /** The classpath folder that holds the project's {@code .avsc} files (the schemas jar). */
  public static final String CLASSPATH_FOLDER = "avro";

  private static final String SUFFIX = ".avsc";

  private final String source;
  private final Map<Integer, Schema> schemasById = new ConcurrentHashMap<>();
  private final AtomicBoolean closed = new AtomicBoolean();

  private LocalSchemaRegistry(String source, Collection<Schema> schemas) {
    this.source = source;
    schemas.forEach(this::add);
    log.info(
        "Local schema registry holds {} schema(s) from {}: {}",
        schemasById.size(),
        source,
        this.describe());
  }

  /**
   * A registry of every {@code avro/*.avsc} resource visible to this class's class loader: the
   * schemas module ships its schemas there.
   *
   * @throws IllegalStateException if there are none
   * @throws IllegalArgumentException if one does not parse, naming the file
   */
  public static LocalSchemaRegistry fromClasspath() {
    List<Schema> schemas = new ArrayList<>();
    try {
      Enumeration<URL> folders =
          LocalSchemaRegistry.class.getClassLoader().getResources(CLASSPATH_FOLDER);
      while (folders.hasMoreElements()) {
        schemas.addAll(readFolder(folders.nextElement()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot list classpath folder '" + CLASSPATH_FOLDER + "/': " + e.getMessage(), e);
    }
    if (schemas.isEmpty()) {
      throw new IllegalStateException(
          "found no "
              + SUFFIX
              + " files in classpath folder '"
              + CLASSPATH_FOLDER
              + "/', expected the sluice-schemas jar on the classpath");
    }
    return new LocalSchemaRegistry("classpath folder '" + CLASSPATH_FOLDER + "/'", schemas);
  }

  /**
   * A registry of every {@code *.avsc} file directly in {@code directory}.
   *
   * @throws IllegalArgumentException if it is not a directory, holds none, or one does not parse
   */
  public static LocalSchemaRegistry fromDirectory(Path directory) {
    if (!Files.isDirectory(directory)) {
      throw new IllegalArgumentException(
          "schema directory " + directory.toAbsolutePath() + " is not a directory");
    }
    List<Schema> schemas = new ArrayList<>();
    for (Path file : avscFiles(directory)) {
      try (InputStream in = Files.newInputStream(file)) {
        schemas.add(parse(in, file.toString()));
      } catch (IOException e) {
        throw new UncheckedIOException(
            "cannot read schema file " + file + ": " + e.getMessage(), e);
      }
    }
    if (schemas.isEmpty()) {
      throw new IllegalArgumentException(
          "schema directory " + directory.toAbsolutePath() + " holds no " + SUFFIX + " files");
    }
    return new LocalSchemaRegistry("directory " + directory.toAbsolutePath(), schemas);
  }

  /** A registry of the given schemas. */
  public static LocalSchemaRegistry of(Schema... schemas) {
    return new LocalSchemaRegistry("the caller", List.of(schemas));
  }

  /**
   * The id this class gives {@code schema}: a positive int folded from the 64-bit Rabin fingerprint
   * of its Parsing Canonical Form.
   */
  public static int idOf(Schema schema) {
    long fingerprint = SchemaNormalization.parsingFingerprint64(schema);
    int id = (int) (fingerprint ^ (fingerprint >>> 32)) & Integer.MAX_VALUE;
    // Registries hand out ids from 1; keep 0 free so it never looks like an unset id.
    return id == 0 ? 1 : id;
  }

  /** Adds {@code schema} (if new) and returns its id; the subject is ignored. */
  @Override
  public int register(String subject, Schema schema) {
    ensureOpen();
    return add(schema);
  }

  /** The id of {@code schema} if this registry holds it; the subject is ignored. */
  @Override
  public int lookup(String subject, Schema schema) {
    ensureOpen();
    int id = idOf(schema);
    if (!schemasById.containsKey(id)) {
      throw new SchemaNotRegisteredException(
          subject,
          schema.getFullName(),
          "the local schema registry (from " + source + ") holds " + describe());
    }
    return id;
  }

  @Override
  public Schema schemaById(int id) {
    ensureOpen();
    Schema schema = schemasById.get(id);
    if (schema == null) {
      throw new UnknownSchemaException(
          id, "the local schema registry (from " + source + ") holds " + describe());
    }
    return schema;
  }

  @Override
  public void close() {
    closed.set(true);
  }

  @Override
  public String toString() {
    return "LocalSchemaRegistry[" + source + "]";
  }

  private int add(Schema schema) {
    Objects.requireNonNull(schema, "schema");
    int id = idOf(schema);
    Schema known = schemasById.putIfAbsent(id, schema);
    if (known != null
        && !SchemaNormalization.toParsingForm(known)
            .equals(SchemaNormalization.toParsingForm(schema))) {
      throw new IllegalStateException(
          "schemas "
              + known.getFullName()
              + " and "
              + schema.getFullName()
              + " differ but both fold to local schema id "
              + id
              + "; rename a field or type of one");
    }
    return id;
  }

  /** E.g. "[io.sluice.schemas.Alert=id 123, ...]", sorted by name, for error messages. */
  private String describe() {
    Comparator<Map.Entry<Integer, Schema>> byName =
        Comparator.comparing((Map.Entry<Integer, Schema> entry) -> entry.getValue().getFullName())
            .thenComparing(Map.Entry::getKey);
    return schemasById.entrySet().stream()
        .sorted(byName)
        .map(entry -> entry.getValue().getFullName() + "=id " + entry.getKey())
        .toList()
        .toString();
  }

  private void ensureOpen() {
    if (closed.get()) {
      throw new IllegalStateException(this + " is closed");
    }
  }

  private static List<Schema> readFolder(URL folder) throws IOException {
    List<Schema> schemas = new ArrayList<>();
    switch (folder.getProtocol()) {
      case "file" -> {
        Path directory;
        try {
          directory = Paths.get(folder.toURI());
        } catch (URISyntaxException e) {
          throw new IOException("cannot read classpath folder " + folder, e);
        }
        for (Path file : avscFiles(directory)) {
          try (InputStream in = Files.newInputStream(file)) {
            schemas.add(parse(in, file.toString()));
          }
        }
      }
      case "jar" -> {
        JarURLConnection connection = (JarURLConnection) folder.openConnection();
        // Our own handle, closed below; a cached one would be shared with the class loader.
        connection.setUseCaches(false);
        try (JarFile jar = connection.getJarFile()) {
          String prefix = connection.getEntryName() + "/";
          for (JarEntry entry :
              jar.stream().sorted(Comparator.comparing(JarEntry::getName)).toList()) {
            String name = entry.getName();
            if (name.startsWith(prefix)
                && name.endsWith(SUFFIX)
                && name.indexOf('/', prefix.length()) < 0) {
              try (InputStream in = jar.getInputStream(entry)) {
                schemas.add(parse(in, connection.getJarFileURL() + "!/" + name));
              }
            }
          }
        }
      }
      default ->
          throw new IOException(
              "cannot list classpath folder "
                  + folder
                  + ": unsupported protocol "
                  + folder.getProtocol());
    }
    return schemas;
  }

  private static List<Path> avscFiles(Path directory) {
    try (Stream<Path> files = Files.list(directory)) {
      return files
          .filter(
              file -> file.getFileName().toString().endsWith(SUFFIX) && Files.isRegularFile(file))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot list schema directory " + directory + ": " + e.getMessage(), e);
    }
  }

  private static Schema parse(InputStream in, String origin) throws IOException {
    try {
      return new SchemaParser().parse(in).mainSchema();
    } catch (SchemaParseException e) {
      throw new IllegalArgumentException(
          "schema file " + origin + " is not a valid Avro schema: " + e.getMessage(), e);
    }
  }
}
