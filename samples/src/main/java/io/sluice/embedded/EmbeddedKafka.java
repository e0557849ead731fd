package io.sluice.embedded;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Apache Kafka broker (KRaft, combined broker and controller) running in this
 * JVM on loopback and free ports, for the demo and the integration tests.
 *
 * <p>Replication factors and min ISR of the internal topics are 1, so transactions and {@code
 * exactly_once_v2} work on the one node. Single use: {@link #start()} once, {@link #close()} stops
 * the broker and deletes its log directory. Not thread-safe; start and close from one thread.
 */
public final class EmbeddedKafka implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);

  private final Path workDir;
  private final boolean deleteOnClose;
  private KafkaRaftServer server;
  private String bootstrapServers;
  private boolean closed;
  private Certificates tls;
  private String secureBootstrapServers;
  private int fixedBrokerPort;
  private int fixedControllerPort;
  private final Properties overrides = new Properties();

  /** A broker whose data lives in a fresh temporary directory, deleted on close. */
  public EmbeddedKafka() {
    this(createTempDir(), true);
  }

  /**
   * A broker whose data lives in {@code workDir}.
   *
   * @param deleteOnClose whether {@link #close()} deletes {@code workDir}
   */
  public EmbeddedKafka(Path workDir, boolean deleteOnClose) {
    this.workDir = workDir;
    this.deleteOnClose = deleteOnClose;
  }

  /**
   * Adds a secured listener, to be called before {@link #start()}: SASL_SSL with SCRAM-SHA-512 and
   * mutual TLS (a client certificate signed by {@code tls}'s authority is required), on which
   * KRaft's {@code StandardAuthorizer} lets a user do only what ACLs allow. The plaintext listener
   * stays, for the broker itself and for a test's setup (its anonymous user is a super user). Users
   * are created with {@link #addScramUser}.
   */
  public EmbeddedKafka secured(Certificates tls) {
    if (server != null) {
      throw new IllegalStateException("secure the embedded Kafka broker before starting it");
    }
    this.tls = tls;
    return this;
  }

  /**
   * Fixed ports instead of free ones, to be called before {@link #start()}: a broker that is
   * stopped (or killed) and started again on the same directory keeps its address, as a real one
   * does.
   */
  public EmbeddedKafka ports(int brokerPort, int controllerPort) {
    if (server != null) {
      throw new IllegalStateException("set the embedded Kafka broker's ports before starting it");
    }
    this.fixedBrokerPort = brokerPort;
    this.fixedControllerPort = controllerPort;
    return this;
  }

  /** A broker setting over the embedded defaults, to be called before {@link #start()}. */
  public EmbeddedKafka brokerProperty(String key, String value) {
    if (server != null) {
      throw new IllegalStateException("configure the embedded Kafka broker before starting it");
    }
    overrides.put(key, value);
    return this;
  }

  /** The {@code bootstrap.servers} of the secured listener ({@link #secured}). */
  public String secureBootstrapServers() {
    if (secureBootstrapServers == null) {
      throw new IllegalStateException("embedded Kafka broker has no secured listener running");
    }
    return secureBootstrapServers;
  }

  /** Creates (or changes the password of) a SCRAM-SHA-512 user of the secured listener. */
  public void addScramUser(String user, String password) {
    try (Admin admin = admin()) {
      admin
          .alterUserScramCredentials(
              List.of(
                  new UserScramCredentialUpsertion(
                      user, new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), password)))
          .all()
          .get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while adding a SCRAM user", e);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("could not add SCRAM user " + user, e);
    }
  }

  /** Formats the storage and starts the broker; returns once it accepts connections. */
  public EmbeddedKafka start() {
    if (closed) {
      throw new IllegalStateException("embedded Kafka broker is closed");
    }
    if (server != null) {
      throw new IllegalStateException("embedded Kafka broker already started");
    }
    long started = System.nanoTime();
    int brokerPort = fixedBrokerPort > 0 ? fixedBrokerPort : freePort();
    int controllerPort = fixedControllerPort > 0 ? fixedControllerPort : freePort();
    Path logDir = workDir.resolve("kraft-logs");
    Optional<Path> brokerLog = BrokerLog.redirect(workDir.resolve("broker.log"));
    Properties props = brokerProperties(brokerPort, controllerPort, logDir);
    props.putAll(overrides);
    int securePort = tls == null ? -1 : freePort();
    if (tls != null) {
      addSecureListener(props, securePort, tls);
    }
    if (!Files.exists(logDir.resolve("meta.properties"))) {
      format(props); // else a restart on the same directory: already formatted, its cluster id kept
    }
    KafkaRaftServer raftServer = new KafkaRaftServer(new KafkaConfig(props), Time.SYSTEM);
    raftServer.startup();
    server = raftServer;
    bootstrapServers = "127.0.0.1:" + brokerPort;
    if (tls != null) {
      secureBootstrapServers = "127.0.0.1:" + securePort;
    }
    awaitReady();
    LOG.info(
        "embedded Kafka broker started bootstrap={} dir={} in {} ms{}",
        bootstrapServers,
        logDir,
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started),
        brokerLog.map(f -> " (log " + f + ")").orElse(""));
    return this;
  }

  /** The {@code bootstrap.servers} value for clients of this broker. */
  public String bootstrapServers() {
    if (closed || server == null) {
      throw new IllegalStateException("embedded Kafka broker is not running");
    }
    return bootstrapServers;
  }

  /** Creates topics (replication factor 1) that do not exist yet; existing ones are left as is. */
  public void createTopics(int partitions, String... topics) {
    try (Admin admin = admin()) {
      for (String topic : topics) {
        try {
          admin
              .createTopics(List.of(new NewTopic(topic, partitions, (short) 1)))
              .all()
              .get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw new IllegalStateException("could not create topic " + topic, e.getCause());
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating topics", e);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("timed out creating topics", e);
    }
  }

  /** A new admin client for this broker; the caller closes it. */
  public Admin admin() {
    return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()));
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (server != null) {
      server.shutdown();
      server.awaitShutdown();
      server = null;
      LOG.info("embedded Kafka broker stopped");
    }
    if (deleteOnClose) {
      deleteRecursively(workDir);
    }
  }

  private static Properties brokerProperties(int brokerPort, int controllerPort, Path logDir) {
    Properties p = new Properties();
    p.put("process.roles", "broker,controller");
    p.put("node.id", "1");
    p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
    p.put(
        "listeners",
        "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
    p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
    p.put("controller.listener.names", "CONTROLLER");
    p.put("inter.broker.listener.name", "PLAINTEXT");
    p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    p.put("log.dirs", logDir.toString());
    p.put("num.partitions", "1");
    p.put("default.replication.factor", "1");
    p.put("min.insync.replicas", "1");
    p.put("offsets.topic.replication.factor", "1");
    p.put("offsets.topic.num.partitions", "1");
    p.put("transaction.state.log.replication.factor", "1");
    p.put("transaction.state.log.min.isr", "1");
    p.put("transaction.state.log.num.partitions", "1");
    p.put("share.coordinator.state.topic.replication.factor", "1");
    p.put("share.coordinator.state.topic.min.isr", "1");
    // No waiting for more members to join: tests and the demo run one application instance.
    p.put("group.initial.rebalance.delay.ms", "0");
    p.put("auto.create.topics.enable", "false");
    p.put("log.flush.interval.messages", Long.toString(Long.MAX_VALUE));
    // A transaction whose producer died is aborted within 1 s of its timeout, not 10 s.
    p.put("transaction.abort.timed.out.transaction.cleanup.interval.ms", "1000");
    return p;
  }

  private static void addSecureListener(Properties p, int port, Certificates tls) {
    p.put("listeners", p.getProperty("listeners") + ",SECURE://127.0.0.1:" + port);
    p.put(
        "advertised.listeners",
        p.getProperty("advertised.listeners") + ",SECURE://127.0.0.1:" + port);
    p.put(
        "listener.security.protocol.map",
        p.getProperty("listener.security.protocol.map") + ",SECURE:SASL_SSL");
    p.put("sasl.enabled.mechanisms", "SCRAM-SHA-512");
    p.put("listener.name.secure.sasl.enabled.mechanisms", "SCRAM-SHA-512");
    // The server side of SCRAM checks against the credentials in the cluster metadata.
    p.put(
        "listener.name.secure.scram-sha-512.sasl.jaas.config",
        "org.apache.kafka.common.security.scram.ScramLoginModule required;");
    p.put("listener.name.secure.ssl.client.auth", "required");
    p.put("listener.name.secure.ssl.keystore.type", "PKCS12");
    p.put("listener.name.secure.ssl.keystore.location", tls.brokerKeystore().toString());
    p.put("listener.name.secure.ssl.keystore.password", tls.password());
    p.put("listener.name.secure.ssl.key.password", tls.password());
    p.put("listener.name.secure.ssl.truststore.type", "PKCS12");
    p.put("listener.name.secure.ssl.truststore.location", tls.truststore().toString());
    p.put("listener.name.secure.ssl.truststore.password", tls.password());
    p.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
    // The plaintext listeners (the broker's own, the controller's, a test's setup) are anonymous.
    p.put("super.users", "User:ANONYMOUS");
  }

  private void format(Properties props) {
    try {
      Files.createDirectories(workDir);
      Path config = workDir.resolve("server.properties");
      try (OutputStream out = Files.newOutputStream(config)) {
        props.store(out, "embedded Kafka broker");
      }
      ByteArrayOutputStream output = new ByteArrayOutputStream();
      int rc;
      try (PrintStream ps = new PrintStream(output, true, StandardCharsets.UTF_8)) {
        rc =
            StorageTool.execute(
                new String[] {
                  "format",
                  "--cluster-id",
                  Uuid.randomUuid().toString(),
                  "--config",
                  config.toString(),
                  "--ignore-formatted"
                },
                ps);
      }
      if (rc != 0) {
        throw new IllegalStateException(
            "formatting the embedded broker's storage failed (exit "
                + rc
                + "): "
                + output.toString(StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare the embedded broker in " + workDir, e);
    }
  }

  private void awaitReady() {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    RuntimeException last = null;
    while (System.nanoTime() < deadline) {
      try (Admin admin = admin()) {
        admin.describeCluster().nodes().get(5, TimeUnit.SECONDS);
        return;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for the broker", e);
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        last = new IllegalStateException("broker not ready: " + e.getMessage(), e);
      }
    }
    throw new IllegalStateException("embedded Kafka broker did not become ready in 60 s", last);
  }

  static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port on loopback", e);
    }
  }

  private static Path createTempDir() {
    try {
      return Files.createTempDirectory("sluice-kafka-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a temporary directory for the broker", e);
    }
  }

  /**
   * Deletes a directory and everything under it, if it exists; what cannot be deleted is logged.
   */
  public static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths
          .sorted(Comparator.reverseOrder())
          .forEach(
              path -> {
                try {
                  Files.deleteIfExists(path);
                } catch (IOException e) {
                  LOG.warn("could not delete {}: {}", path, e.toString());
                }
              });
    } catch (IOException e) {
      LOG.warn("could not delete {}: {}", dir, e.toString());
    }
  }
}
