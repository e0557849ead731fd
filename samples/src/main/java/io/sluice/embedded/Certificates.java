package io.sluice.embedded;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * TLS material for a secured embedded broker and its clients, made with the JDK's {@code keytool}:
 * a certificate authority, and key stores (PKCS12) whose certificates it signed for the broker
 * (valid for 127.0.0.1 and localhost) and for clients (mutual TLS), plus a trust store with the
 * authority. Every store has the same password. For tests and demos only: the keys are 2048-bit RSA
 * valid for two days.
 *
 * @param truststore the authority's certificate
 * @param brokerKeystore the broker's key and certificate chain
 * @param clientKeystore a client's key and certificate chain (CN=sluice-client)
 */
public record Certificates(
    Path truststore, Path brokerKeystore, Path clientKeystore, String password) {

  /** Creates the stores in {@code dir} (created if missing). */
  public static Certificates create(Path dir, String password) throws IOException {
    Files.createDirectories(dir);
    Path ca = dir.resolve("ca.p12");
    Path caPem = dir.resolve("ca.pem");
    Path trust = dir.resolve("truststore.p12");
    keytool(
        dir,
        password,
        "-genkeypair",
        "-alias",
        "ca",
        "-dname",
        "CN=sluice-test-ca",
        "-ext",
        "bc:c",
        "-keystore",
        ca.toString());
    keytool(
        dir,
        password,
        "-exportcert",
        "-rfc",
        "-alias",
        "ca",
        "-keystore",
        ca.toString(),
        "-file",
        caPem.toString());
    trustCa(dir, password, caPem, trust);
    return new Certificates(
        trust,
        signed(dir, password, ca, caPem, "sluice-broker"),
        signed(dir, password, ca, caPem, "sluice-client"),
        password);
  }

  private static Path signed(Path dir, String password, Path ca, Path caPem, String name)
      throws IOException {
    Path store = dir.resolve(name + ".p12");
    Path csr = dir.resolve(name + ".csr");
    Path pem = dir.resolve(name + ".pem");
    keytool(
        dir,
        password,
        "-genkeypair",
        "-alias",
        name,
        "-dname",
        "CN=" + name,
        "-keystore",
        store.toString());
    keytool(
        dir,
        password,
        "-certreq",
        "-alias",
        name,
        "-keystore",
        store.toString(),
        "-file",
        csr.toString());
    keytool(
        dir,
        password,
        "-gencert",
        "-rfc",
        "-alias",
        "ca",
        "-keystore",
        ca.toString(),
        "-infile",
        csr.toString(),
        "-outfile",
        pem.toString(),
        "-ext",
        "SAN=ip:127.0.0.1,dns:localhost");
    trustCa(dir, password, caPem, store);
    keytool(
        dir,
        password,
        "-importcert",
        "-alias",
        name,
        "-file",
        pem.toString(),
        "-keystore",
        store.toString());
    return store;
  }

  /** Imports the CA's certificate into {@code store}, as a trusted entry. */
  private static void trustCa(Path dir, String password, Path caPem, Path store)
      throws IOException {
    keytool(
        dir,
        password,
        "-importcert",
        "-noprompt",
        "-alias",
        "ca",
        "-file",
        caPem.toString(),
        "-keystore",
        store.toString());
  }

  private static void keytool(Path dir, String password, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    command.addAll(List.of(args));
    boolean makesKey = args[0].equals("-genkeypair");
    if (makesKey) {
      command.addAll(List.of("-keyalg", "RSA", "-keysize", "2048", "-keypass", password));
    }
    if (makesKey || args[0].equals("-gencert")) {
      command.addAll(List.of("-validity", "2"));
    }
    command.addAll(List.of("-storetype", "PKCS12", "-storepass", password));
    Process p =
        new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (p.waitFor() != 0) {
        throw new IOException("keytool " + args[0] + " failed: " + output.replace(password, "***"));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while running keytool", e);
    }
  }
}
