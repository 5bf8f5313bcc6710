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
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * What a SASL_SSL broker and its clients need, generated at run time so no secret is in the
 * repository: a self-signed certificate for the broker (keytool from this JDK), its PEM for clients
 * to trust, and a random SCRAM password per user. The brokers of a cluster share it: one
 * certificate names them all, and every node formats its log with the same credentials.
 *
 * <p>The controller listener is SSL with client certificates: the broker authenticates to its own
 * controller as {@code User:broker} (the certificate's CN), so no anonymous principal needs to be a
 * super user.
 */
public final class SaslSslSetup {

  static final String BROKER_USER = "broker";
  static final String MECHANISM = "SCRAM-SHA-512";

  /** An embedded broker's certificate lives as long as a test run or a local session. */
  static final int EMBEDDED_VALIDITY_DAYS = 30;

  /** A deployed cluster's (docker compose) is renewed by generating its secrets anew. */
  public static final int DEPLOYED_VALIDITY_DAYS = 365;

  private static final SecureRandom RANDOM = new SecureRandom();

  private final Path keystore;
  private final String keystorePassword;
  private final String certificatePem;
  private final Map<String, String> passwords;

  private SaslSslSetup(
      Path keystore,
      String keystorePassword,
      String certificatePem,
      Map<String, String> passwords) {
    this.keystore = keystore;
    this.keystorePassword = keystorePassword;
    this.certificatePem = certificatePem;
    this.passwords = passwords;
  }

  static SaslSslSetup generate(Path dir, String host, Collection<String> users) {
    return generate(dir, List.of(host), users, EMBEDDED_VALIDITY_DAYS);
  }

  /**
   * @param dir where the keystore and certificate go (created, owner-only)
   * @param hosts the names or addresses clients connect to the brokers by, the certificate's
   *     subject alternative names besides localhost
   * @param users SCRAM users besides the broker and the orchestrator
   * @param validityDays how long the certificate is valid
   * @throws IllegalArgumentException if a user or host is not a plain name
   * @throws UncheckedIOException if keytool fails or {@code dir} cannot be written
   */
  public static SaslSslSetup generate(
      Path dir, List<String> hosts, Collection<String> users, int validityDays) {
    for (String h : hosts) {
      if (!h.matches("[A-Za-z0-9.:-]{1,253}")) {
        throw new IllegalArgumentException(
            "broker host must be a host name or address, got '" + h + "'");
      }
    }
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
      ownerOnlyDirectory(dir);
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
          Integer.toString(validityDays),
          "-ext",
          "SAN=" + subjectAltNames(hosts),
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
      // keytool honours the umask; the directory is owner-only, the key must be wherever it goes.
      Files.setPosixFilePermissions(keystore, PosixFilePermissions.fromString("rw-------"));
      return new SaslSslSetup(keystore, password, Files.readString(certificate), passwords);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the broker's TLS material in " + dir, e);
    }
  }

  private static String subjectAltNames(List<String> hosts) {
    List<String> names = new ArrayList<>(List.of("dns:localhost", "ip:127.0.0.1", "ip:::1"));
    for (String host : hosts) {
      String name =
          host.matches("[0-9.]+") || host.indexOf(':') >= 0 ? "ip:" + host : "dns:" + host;
      if (!names.contains(name)) {
        names.add(name);
      }
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
    addBrokerProperties(p, List.of("SASL_SSL"));
  }

  /**
   * Broker settings for SASL_SSL {@code listeners} (the first carries inter-broker traffic) and an
   * SSL listener named CONTROLLER: the protocols, TLS, SCRAM and the authorizer.
   */
  private void addBrokerProperties(Properties p, List<String> listeners) {
    StringBuilder map = new StringBuilder();
    for (String l : listeners) {
      map.append(l).append(":SASL_SSL,");
      // Every SASL listener needs its JAAS entry; the broker's credentials are used on the first.
      p.setProperty(
          "listener.name."
              + l.toLowerCase(Locale.ROOT)
              + "."
              + MECHANISM.toLowerCase(Locale.ROOT)
              + ".sasl.jaas.config",
          jaas(BROKER_USER));
    }
    p.setProperty("listener.security.protocol.map", map + "CONTROLLER:SSL");
    p.setProperty("inter.broker.listener.name", listeners.getFirst());
    p.setProperty("sasl.enabled.mechanisms", MECHANISM);
    p.setProperty("sasl.mechanism.inter.broker.protocol", MECHANISM);
    p.setProperty("ssl.keystore.type", "PKCS12");
    p.setProperty("ssl.keystore.location", keystore.toString());
    p.setProperty("ssl.keystore.password", keystorePassword);
    p.setProperty("ssl.truststore.type", "PEM");
    p.setProperty("ssl.truststore.certificates", certificatePem);
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
    // The certificate itself rather than a path: the file works wherever it is copied to.
    c.put("ssl.truststore.type", "PEM");
    c.put("ssl.truststore.certificates", certificatePem);
    return c;
  }

  /** The users with credentials, the broker and the orchestrator first. */
  public List<String> users() {
    return List.copyOf(passwords.keySet());
  }

  /**
   * Writes the settings a broker adds to its server.properties for SASL_SSL {@code listeners} (see
   * {@link #addBrokerProperties(Properties, List)}), owner-only: it holds the keystore's and the
   * broker's passwords, and the keystore's path as generated.
   */
  public Path writeBrokerConfig(List<String> listeners, Path file) {
    requireListenerNames(listeners);
    Properties p = new Properties();
    addBrokerProperties(p, listeners);
    Map<String, String> asMap = new LinkedHashMap<>();
    p.stringPropertyNames().stream().sorted().forEach(k -> asMap.put(k, p.getProperty(k)));
    return writeOwnerOnly(asMap, file, "sixpn SASL_SSL broker settings (secret)");
  }

  /**
   * Writes {@link #formatArguments}, one per line, owner-only: what {@code kafka-storage format}
   * takes so the log starts with every user's SCRAM credential.
   */
  public Path writeFormatArguments(Path file) {
    try {
      Files.write(newOwnerOnlyFile(file), formatArguments());
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  /**
   * @throws IllegalArgumentException unless {@code listeners} names at least one listener, each
   *     upper case and none CONTROLLER (the SSL controller listener's name)
   */
  public static void requireListenerNames(List<String> listeners) {
    if (listeners.isEmpty()) {
      throw new IllegalArgumentException("listeners must name at least one listener");
    }
    for (String l : listeners) {
      if (!l.matches("[A-Z][A-Z0-9_]{0,31}") || l.equals("CONTROLLER")) {
        throw new IllegalArgumentException(
            "listener must be an upper-case listener name other than CONTROLLER, got '" + l + "'");
      }
    }
  }

  /** Creates {@code dir} if need be and makes it owner-only (it holds secrets). */
  public static Path ownerOnlyDirectory(Path dir) {
    try {
      Files.createDirectories(dir);
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + dir, e);
    }
  }

  /** {@code file} anew, empty and owner-only from its creation (never readable by others). */
  private static Path newOwnerOnlyFile(Path file) throws IOException {
    Files.deleteIfExists(file);
    return Files.createFile(
        file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
  }

  /** Writes {@link #clientConfig} for {@code user}, owner-only. */
  public Path writeClientConfig(String user, Path file) {
    return writeOwnerOnly(clientConfig(user), file, "sixpn Kafka client: User:" + user);
  }

  static Path writeOwnerOnly(Map<String, ?> properties, Path file, String comment) {
    Properties p = new Properties();
    properties.forEach((k, v) -> p.setProperty(k, String.valueOf(v)));
    try {
      try (Writer w = Files.newBufferedWriter(newOwnerOnlyFile(file))) {
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
