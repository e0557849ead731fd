package io.sluice.embedded;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real schema registry (Apicurio Registry with in-memory storage, serving the Confluent Schema
 * Registry API) running as a child JVM on a free port of 127.0.0.1.
 *
 * <p>The application is the one the {@code registry-server} module builds, found through {@link
 * #APP_DIR_PROPERTY} or by searching upward from the working directory for {@value #APP_RELATIVE}.
 * {@link #start()} returns only once {@code GET /subjects} answers 200. The child's output goes to
 * {@link #logFile()}, never to our console. The instance owns the child: {@link #close()} stops it
 * and is idempotent, a shutdown hook stops it if this JVM exits first (a SIGKILL of this JVM leaves
 * it running), and {@link #url()} fails fast after close. Safe for use from any thread.
 */
public final class EmbeddedRegistry implements AutoCloseable {

  /** System property naming the {@code quarkus-app} directory of the built registry. */
  public static final String APP_DIR_PROPERTY = "sluice.registry.app.dir";

  /** Where the build leaves the registry, relative to the repository root. */
  public static final String APP_RELATIVE = "registry-server/target/quarkus-app";

  /** How long {@link #start()} waits for the registry to answer. */
  public static final Duration DEFAULT_STARTUP_TIMEOUT = Duration.ofSeconds(60);

  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedRegistry.class);
  private static final String RUN_JAR = "quarkus-run.jar";
  private static final String CCOMPAT_PATH = "/apis/ccompat/v7";
  private static final String HOST = "127.0.0.1";
  private static final Duration POLL_INTERVAL = Duration.ofMillis(100);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
  private static final int LOG_TAIL_LINES = 40;

  private final Process process;
  private final String url;
  private final int port;
  private final Path logFile;
  private final Path ownedWorkDir;
  private final Thread shutdownHook;
  private boolean closed;

  private EmbeddedRegistry(
      Process process, int port, Path logFile, Path ownedWorkDir, Thread shutdownHook) {
    this.process = process;
    this.port = port;
    this.url = "http://" + HOST + ":" + port + CCOMPAT_PATH;
    this.logFile = logFile;
    this.ownedWorkDir = ownedWorkDir;
    this.shutdownHook = shutdownHook;
  }

  /**
   * Starts the registry found by {@link #locateApp()}, logging to a temporary directory that {@link
   * #close()} deletes, and waits up to {@link #DEFAULT_STARTUP_TIMEOUT} for it.
   *
   * @throws IllegalStateException if the registry has not been built
   * @throws IOException if the child cannot be started, dies, or does not answer in time; the
   *     message names the log file and quotes its last lines
   */
  public static EmbeddedRegistry start() throws IOException, InterruptedException {
    return start(locateApp(), null, DEFAULT_STARTUP_TIMEOUT);
  }

  /**
   * Starts the registry in {@code appDir} (a Quarkus {@code quarkus-app} directory).
   *
   * @param workDir the child's working directory, where its log {@code registry.log} is kept; if
   *     null, a temporary directory that {@link #close()} deletes
   * @throws IllegalStateException if {@code appDir} holds no {@code quarkus-run.jar}
   * @throws IOException if the child cannot be started, dies, or does not answer within {@code
   *     startupTimeout}; the message names the log file and quotes its last lines
   */
  public static EmbeddedRegistry start(Path appDir, Path workDir, Duration startupTimeout)
      throws IOException, InterruptedException {
    Path runJar = requireRunJar(appDir);
    Path ownedDir = workDir == null ? Files.createTempDirectory("sluice-registry-") : null;
    Path dir = workDir == null ? ownedDir : Files.createDirectories(workDir);
    Path logFile = dir.resolve("registry.log");
    int port = freePort();
    long startNanos = System.nanoTime();
    Process process =
        new ProcessBuilder(command(runJar, port))
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(logFile.toFile())
            .start();
    Thread hook = new Thread(() -> stop(process), "sluice-registry-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    EmbeddedRegistry registry = new EmbeddedRegistry(process, port, logFile, ownedDir, hook);
    try {
      registry.awaitReady(startupTimeout);
    } catch (IOException | InterruptedException | RuntimeException e) {
      // Keep the log of a failed start: the exception points at it.
      registry.stopChild();
      throw e;
    }
    LOG.info(
        "Schema registry ready at {} in {} ms (pid {}, log {})",
        registry.url,
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos),
        process.pid(),
        logFile);
    return registry;
  }

  /**
   * Finds the built registry: the directory named by {@link #APP_DIR_PROPERTY} if set, else the
   * first {@value #APP_RELATIVE} holding {@code quarkus-run.jar} in the working directory or one of
   * its parents, so that it works from the repository root and from a module directory.
   *
   * @throws IllegalStateException if none is found; the message says where it looked and how to
   *     build it
   */
  public static Path locateApp() {
    String configured = System.getProperty(APP_DIR_PROPERTY);
    if (configured != null && !configured.isBlank()) {
      Path dir = Path.of(configured).toAbsolutePath();
      requireRunJar(dir);
      return dir;
    }
    Path cwd = Path.of("").toAbsolutePath();
    for (Path dir = cwd; dir != null; dir = dir.getParent()) {
      Path candidate = dir.resolve(APP_RELATIVE);
      if (Files.isRegularFile(candidate.resolve(RUN_JAR))) {
        return candidate;
      }
    }
    throw new IllegalStateException(
        "Schema registry not built: expected "
            + APP_RELATIVE
            + "/"
            + RUN_JAR
            + " in "
            + cwd
            + " or one of its parents, found none. Run ./mvnw install -DskipTests from the"
            + " repository root, or set -D"
            + APP_DIR_PROPERTY
            + " to the quarkus-app directory.");
  }

  /**
   * The base URL of the Confluent-compatible API, {@code http://127.0.0.1:PORT/apis/ccompat/v7}.
   */
  public String url() {
    ensureOpen();
    return url;
  }

  /** The TCP port the registry listens on (on 127.0.0.1). */
  public int port() {
    ensureOpen();
    return port;
  }

  /** The file that receives the child's stdout and stderr. */
  public Path logFile() {
    return logFile;
  }

  /** Stops the child (gracefully, then forcibly) and deletes its temporary directory if owned. */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    stopChild();
    LOG.info("Schema registry at port {} stopped (pid {})", port, process.pid());
    if (ownedWorkDir != null) {
      deleteRecursively(ownedWorkDir);
    }
  }

  private synchronized void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("EmbeddedRegistry on port " + port + " is closed");
    }
  }

  private void stopChild() {
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException shutdownInProgress) {
      // The hook is running or about to run; stopping twice is harmless.
    }
    stop(process);
  }

  private static void stop(Process process) {
    process.destroy();
    try {
      if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  private void awaitReady(Duration timeout) throws IOException, InterruptedException {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(url + "/subjects"))
            .timeout(Duration.ofSeconds(5))
            .GET()
            .build();
    long deadline = System.nanoTime() + timeout.toNanos();
    String lastOutcome = "no answer yet";
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException(
            "Schema registry exited with code "
                + process.exitValue()
                + " before answering GET "
                + url
                + "/subjects"
                + logTail());
      }
      try {
        HttpResponse<Void> response = client.send(request, HttpResponse.BodyHandlers.discarding());
        if (response.statusCode() == 200) {
          return;
        }
        lastOutcome = "HTTP " + response.statusCode();
      } catch (IOException notListeningYet) {
        lastOutcome = notListeningYet.toString();
      }
      Thread.sleep(POLL_INTERVAL.toMillis());
    }
    throw new IOException(
        "Schema registry did not answer 200 on GET "
            + url
            + "/subjects within "
            + timeout.toMillis()
            + " ms (last outcome: "
            + lastOutcome
            + ")"
            + logTail());
  }

  private String logTail() {
    String text;
    try {
      text = new String(Files.readAllBytes(logFile), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "; its log " + logFile + " cannot be read: " + e;
    }
    List<String> lines = Arrays.asList(text.split("\\R"));
    List<String> tail = lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size());
    return "; last " + tail.size() + " lines of " + logFile + ":\n" + String.join("\n", tail);
  }

  private static Path requireRunJar(Path appDir) {
    Path runJar = appDir.resolve(RUN_JAR);
    if (!Files.isRegularFile(runJar)) {
      throw new IllegalStateException(
          "Schema registry not built: expected "
              + runJar.toAbsolutePath()
              + ", found no such file. Run ./mvnw install -DskipTests from the repository root.");
    }
    return runJar;
  }

  private static List<String> command(Path runJar, int port) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // A small heap and the C1 compiler only: the registry holds a few schemas and must start fast.
    command.add("-Xmx256m");
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-XX:+UseSerialGC");
    command.add("-Dquarkus.http.host=" + HOST);
    command.add("-Dquarkus.http.port=" + port);
    command.add("-jar");
    command.add(runJar.toAbsolutePath().toString());
    return command;
  }

  private static int freePort() throws IOException {
    InetAddress loopback = InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
    try (ServerSocket socket = new ServerSocket(0, 1, loopback)) {
      return socket.getLocalPort();
    }
  }

  private static void deleteRecursively(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    } catch (IOException e) {
      LOG.warn("Cannot delete the schema registry's work directory {}", dir, e);
    }
  }
}
