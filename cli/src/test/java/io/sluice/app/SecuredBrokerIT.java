package io.sluice.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.config.ConfigKeys;
import io.sluice.config.ConfigLoader;
import io.sluice.embedded.Certificates;
import io.sluice.embedded.EmbeddedKafka;
import io.sluice.embedded.EmbeddedRegistry;
import io.sluice.samples.FraudDemo;
import io.sluice.samples.FraudEvents;
import io.sluice.samples.OutputCollector;
import io.sluice.schemas.CardTransaction;
import io.sluice.serde.RegistrySettings;
import io.sluice.serde.RestSchemaRegistryClient;
import io.sluice.serde.SchemaRegistryClient;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fraud pipeline on a secured broker: SASL_SSL with SCRAM and mutual TLS, ACLs enforced by
 * KRaft's StandardAuthorizer, the application holding only the ACLs README's "Security" section
 * lists; the registry reached over TLS with basic auth. A wrong password or a missing ACL stops the
 * application at start with a message that names the cause, and no secret reaches its log.
 */
class SecuredBrokerIT {
  private static final Path DATA_DIR =
      Path.of(System.getProperty("sluice.data.dir", "../shared/data"));
  private static final Path README = Path.of("../README.md");
  private static final String TLS_PASSWORD = "tls-Secret-4711";
  private static final String APP_PASSWORD = "scram-Secret-0815";
  private static final String REGISTRY_PASSWORD = "registry-Secret-42";

  @TempDir static Path work;
  private static Certificates tls;
  private static EmbeddedKafka kafka;
  private static EmbeddedRegistry registryServer;
  private static TlsRegistryProxy registryProxy;
  private static SchemaRegistryClient registry;
  private static Path descriptor;

  @BeforeAll
  static void start() throws Exception {
    tls = Certificates.create(work.resolve("tls"), TLS_PASSWORD);
    kafka = new EmbeddedKafka().secured(tls).start();
    registryServer = EmbeddedRegistry.start();
    URI registryUri = URI.create(registryServer.url());
    registryProxy =
        new TlsRegistryProxy(
            "http://127.0.0.1:" + registryUri.getPort(),
            tls.brokerKeystore(),
            TLS_PASSWORD,
            "sluice",
            REGISTRY_PASSWORD);
    registry = new RestSchemaRegistryClient(RegistrySettings.of(registryServer.url()));
    descriptor = FraudDemo.ensureModel(DATA_DIR, work.resolve("models"));
  }

  @AfterAll
  static void stop() {
    if (registry != null) {
      registry.close();
    }
    if (registryProxy != null) {
      registryProxy.close();
    }
    if (registryServer != null) {
      registryServer.close();
    }
    if (kafka != null) {
      kafka.close();
    }
  }

  /** The application's configuration for user {@code user} on the secured listener. */
  private static Map<String, String> config(String app, String user, String password) {
    Map<String, String> c = new HashMap<>();
    c.put(ConfigKeys.APPLICATION_ID, app);
    c.put(ConfigKeys.BOOTSTRAP_SERVERS, kafka.secureBootstrapServers());
    c.put(ConfigKeys.STATE_DIR, work.resolve("state-" + app).toString());
    c.put(ConfigKeys.MODEL_DESCRIPTOR, descriptor.toString());
    c.put(ConfigKeys.INPUT_TOPIC, app + "-in");
    c.put(ConfigKeys.OUTPUT_TOPIC, app + "-predictions");
    c.put(ConfigKeys.ALERTS_TOPIC, app + "-alerts");
    c.put(ConfigKeys.DLQ_TOPIC, app + "-dead-letters");
    c.put(ConfigKeys.METRICS_PORT, "-1");
    c.put("kafka.security.protocol", "SASL_SSL");
    c.put("kafka.sasl.mechanism", "SCRAM-SHA-512");
    c.put(
        "kafka.sasl.jaas.config",
        "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
            + user
            + "\" password=\""
            + password
            + "\";");
    c.put("kafka.ssl.truststore.type", "PKCS12");
    c.put("kafka.ssl.truststore.location", tls.truststore().toString());
    c.put("kafka.ssl.truststore.password", TLS_PASSWORD);
    c.put("kafka.ssl.keystore.type", "PKCS12");
    c.put("kafka.ssl.keystore.location", tls.clientKeystore().toString());
    c.put("kafka.ssl.keystore.password", TLS_PASSWORD);
    c.put("kafka.ssl.key.password", TLS_PASSWORD);
    c.put(
        ConfigKeys.REGISTRY_URL, registryProxy.url() + URI.create(registryServer.url()).getPath());
    c.put(ConfigKeys.REGISTRY_USER, "sluice");
    c.put(ConfigKeys.REGISTRY_PASSWORD, REGISTRY_PASSWORD);
    c.put(ConfigKeys.REGISTRY_TRUSTSTORE, tls.truststore().toString());
    c.put("schema.registry.ssl.truststore.password", TLS_PASSWORD);
    kafka.createTopics(
        2, app + "-in", app + "-predictions", app + "-alerts", app + "-dead-letters");
    return c;
  }

  /**
   * README's ACL list for an application, its placeholders filled in, for {@code User:user}; the
   * line naming {@code leaveOut} (if not null) is left out.
   */
  static List<AclBinding> readmeAcls(Map<String, String> c, String user, String leaveOut)
      throws Exception {
    String readme = Files.readString(README);
    Matcher block =
        Pattern.compile("<!-- acls -->\\s*```\\n(.*?)```", Pattern.DOTALL).matcher(readme);
    assertThat(block.find()).as("README's ACL block").isTrue();
    List<AclBinding> acls = new ArrayList<>();
    for (String line : block.group(1).split("\n")) {
      if (line.isBlank() || line.startsWith("#") || (leaveOut != null && line.contains(leaveOut))) {
        continue;
      }
      String[] f = line.trim().split("\\s+");
      String name =
          f[2].replace("<application.id>", c.get(ConfigKeys.APPLICATION_ID))
              .replace("<pipeline.input.topic>", c.get(ConfigKeys.INPUT_TOPIC))
              .replace("<pipeline.output.topic>", c.get(ConfigKeys.OUTPUT_TOPIC))
              .replace("<pipeline.alerts.topic>", c.get(ConfigKeys.ALERTS_TOPIC))
              .replace("<pipeline.dlq.topic>", c.get(ConfigKeys.DLQ_TOPIC));
      for (String op : f[3].split(",")) {
        acls.add(
            new AclBinding(
                new ResourcePattern(
                    ResourceType.fromString(f[0]), name, PatternType.fromString(f[1])),
                new AccessControlEntry(
                    "User:" + user, "*", AclOperation.fromString(op), AclPermissionType.ALLOW)));
      }
    }
    return acls;
  }

  private static void grant(List<AclBinding> acls) throws Exception {
    try (Admin admin = kafka.admin()) {
      admin.createAcls(acls).all().get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void theFraudPipelineRunsWithOnlyTheReadmesAclsAndNoSecretInItsLog() throws Exception {
    kafka.addScramUser("fraud-app", APP_PASSWORD);
    Map<String, String> c = config("secure-fraud", "fraud-app", APP_PASSWORD);
    grant(readmeAcls(c, "fraud-app", null));
    Path file = work.resolve("secure.properties");
    ChildJvm.writeProperties(file, c, "secured broker test");
    Path log = work.resolve("secure.log");
    List<CardTransaction> events = FraudEvents.read(DATA_DIR).subList(0, 200);
    Process app = ChildJvm.run(file, log);
    try (OutputCollector out =
        new OutputCollector(
            kafka.bootstrapServers(),
            registry,
            "secure-fraud-predictions",
            "secure-fraud-alerts",
            "secure-fraud-dead-letters")) {
      FraudDemo.produce(kafka.bootstrapServers(), registry, "secure-fraud-in", events, false);
      assertThat(out.awaitOutputs(events.size(), Duration.ofMinutes(2)))
          .as("%s; log:%n%s", out.describe(), ChildJvm.tail(log, 60))
          .isTrue();
      out.poll(Duration.ofSeconds(1));
      FraudScenario.assertEachScoredOnce(out, events);
    } finally {
      app.destroy();
      app.waitFor(60, TimeUnit.SECONDS);
      app.destroyForcibly();
    }
    String written = Files.readString(log);
    assertThat(written).contains("pipeline fraud running");
    assertThat(written).doesNotContain(APP_PASSWORD, TLS_PASSWORD, REGISTRY_PASSWORD);
  }

  @Test
  void aWrongPasswordStopsTheStartNamingTheAuthenticationFailure() throws Exception {
    kafka.addScramUser("fraud-wrong", APP_PASSWORD);
    Map<String, String> c = config("secure-wrong", "fraud-wrong", "not-" + APP_PASSWORD);
    grant(readmeAcls(c, "fraud-wrong", null));
    assertThatThrownBy(() -> startAndClose(c))
        .hasMessageContaining("Authentication failed")
        .hasMessageNotContaining(APP_PASSWORD);
  }

  @Test
  void aMissingAclStopsTheStartNamingWhatWasRefused() throws Exception {
    kafka.addScramUser("fraud-nogroup", APP_PASSWORD);
    Map<String, String> c = config("secure-nogroup", "fraud-nogroup", APP_PASSWORD);
    grant(readmeAcls(c, "fraud-nogroup", "GROUP"));
    assertThatThrownBy(() -> startAndClose(c))
        .hasMessageContaining("Not authorized to access group")
        .hasMessageNotContaining(APP_PASSWORD);
  }

  private static void startAndClose(Map<String, String> c) {
    try (SluiceApplication app =
        SluiceApplication.create(
            ConfigLoader.load(Optional.empty(), Map.of(), c), new SimpleMeterRegistry())) {
      app.start();
    }
  }
}
