package dev.sixpn.kafka;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * What a SASL_SSL broker and its clients need, generated at run time so no secret is in the
 * repository: a self-signed certificate for the broker (keytool from this JDK), its PEM for clients
 * to trust, and a random SCRAM password per user.
 *
 * <p>The controller listener is SSL with client certificates: the broker authenticates to its own
 * controller as {@code User:broker} (the certificate's CN), so no anonymous principal needs to be a
 * super user.
 */
final class SaslSslSetup {

  static final String BROKER_USER = "broker";
  static final String MECHANISM = "SCRAM-SHA-512";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Path keystore;
  private final String keystorePassword;
  private final Path certificate;
  private final Map<String, String> passwords;

  private SaslSslSetup(
      Path keystore, String keystorePassword, Path certificate, Map<String, String> passwords) {
    this.keystore = keystore;
    this.keystorePassword = keystorePassword;
    this.certificate = certificate;
    this.passwords = passwords;
  }

  /**
   * @param dir where the keystore and certificate go (created, owner-only)
   * @param host the address clients connect to, added to the certificate's names
   * @param users SCRAM users besides the broker and the orchestrator
   */
  static SaslSslSetup generate(Path dir, String host, Collection<String> users) {
    Map<String, String> passwords = new LinkedHashMap<>();
    passwords.put(BROKER_USER, secret());
    passwords.put(SecureKafkaBroker.ORCHESTRATOR, secret());
    for (String u : users) {
      if (!u.matches("[A-Za-z0-9._-]{1,64}")) {
        throw new IllegalArgumentException("user must match [A-Za-z0-9._-]{1,64}, got '" + u + "'");
      }
      passwords.putIfAbsent(u, secret());
    }
    try {
      Files.createDirectories(dir);
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
      Path keystore = dir.resolve("broker.p12");
      Path certificate = dir.resolve("broker.pem");
      String password = secret();
      keytool(
          password,
          "-genkeypair",
          "-alias",
          BROKER_USER,
          "-keyalg",
          "EC",
          "-groupname",
          "secp256r1",
          "-dname",
          "CN=" + BROKER_USER,
          "-validity",
          "30",
          "-ext",
          "SAN=" + subjectAltNames(host),
          "-storetype",
          "PKCS12",
          "-keystore",
          keystore.toString(),
          "-storepass:env",
          "SIXPN_STOREPASS");
      keytool(
          password,
          "-exportcert",
          "-rfc",
          "-alias",
          BROKER_USER,
          "-keystore",
          keystore.toString(),
          "-storepass:env",
          "SIXPN_STOREPASS",
          "-file",
          certificate.toString());
      return new SaslSslSetup(keystore, password, certificate, passwords);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the broker's TLS material in " + dir, e);
    }
  }

  private static String subjectAltNames(String host) {
    List<String> names = new ArrayList<>(List.of("dns:localhost", "ip:127.0.0.1", "ip:::1"));
    String name = host.matches("[0-9.]+") || host.indexOf(':') >= 0 ? "ip:" + host : "dns:" + host;
    if (!names.contains(name)) {
      names.add(name);
    }
    return String.join(",", names);
  }

  /** Runs keytool with the store password in its environment, never on its command line. */
  private static void keytool(String storePassword, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("SIXPN_STOREPASS", storePassword);
    Process p = pb.start();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (InputStream in = p.getInputStream()) {
      in.transferTo(out);
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException("keytool " + args[0] + " did not finish within 60 s");
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while keytool " + args[0] + " ran", e);
    }
    if (p.exitValue() != 0) {
      throw new IOException(
          "keytool "
              + args[0]
              + " failed ("
              + p.exitValue()
              + "): "
              + out.toString(StandardCharsets.UTF_8).strip());
    }
  }

  private static String secret() {
    byte[] b = new byte[24];
    RANDOM.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  /** Broker settings: the listeners' protocols, TLS, SCRAM and the authorizer. */
  void addBrokerProperties(Properties p) {
    p.setProperty("listener.security.protocol.map", "SASL_SSL:SASL_SSL,CONTROLLER:SSL");
    p.setProperty("inter.broker.listener.name", "SASL_SSL");
    p.setProperty("sasl.enabled.mechanisms", MECHANISM);
    p.setProperty("sasl.mechanism.inter.broker.protocol", MECHANISM);
    p.setProperty(
        "listener.name.sasl_ssl."
            + MECHANISM.toLowerCase(java.util.Locale.ROOT)
            + ".sasl.jaas.config",
        jaas(BROKER_USER));
    p.setProperty("ssl.keystore.type", "PKCS12");
    p.setProperty("ssl.keystore.location", keystore.toString());
    p.setProperty("ssl.keystore.password", keystorePassword);
    p.setProperty("ssl.truststore.type", "PEM");
    p.setProperty("ssl.truststore.location", certificate.toString());
    p.setProperty("listener.name.controller.ssl.client.auth", "required");
    // CN=broker -> User:broker on the controller listener; SASL listeners use the SASL name.
    p.setProperty("ssl.principal.mapping.rules", "RULE:^CN=([^,]+)$/$1/,DEFAULT");
    p.setProperty(
        "authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
    p.setProperty("super.users", "User:" + BROKER_USER + ";User:" + SecureKafkaBroker.ORCHESTRATOR);
    p.setProperty("allow.everyone.if.no.acl.found", "false");
  }

  /** {@code kafka-storage format} arguments that create every user's SCRAM credential. */
  List<String> formatArguments() {
    List<String> args = new ArrayList<>();
    passwords.forEach(
        (user, password) -> {
          args.add("--add-scram");
          args.add(MECHANISM + "=[name=" + user + ",password=" + password + "]");
        });
    return args;
  }

  Map<String, Object> clientConfig(String user) {
    if (!passwords.containsKey(user)) {
      throw new IllegalArgumentException(
          "user must be one of " + passwords.keySet() + ", got '" + user + "'");
    }
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("security.protocol", "SASL_SSL");
    c.put("sasl.mechanism", MECHANISM);
    c.put("sasl.jaas.config", jaas(user));
    c.put("ssl.truststore.type", "PEM");
    c.put("ssl.truststore.location", certificate.toString());
    return c;
  }

  static Path writeOwnerOnly(Map<String, ?> properties, Path file, String comment) {
    Properties p = new Properties();
    properties.forEach((k, v) -> p.setProperty(k, String.valueOf(v)));
    try {
      Files.deleteIfExists(file);
      Files.createFile(
          file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      try (Writer w = Files.newBufferedWriter(file)) {
        p.store(w, comment);
      }
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  private String jaas(String user) {
    return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
        + user
        + "\" password=\""
        + passwords.get(user)
        + "\";";
  }
}
