package dev.sixpn.kafka;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;

/**
 * A real single-node KRaft broker (combined broker and controller) in this JVM, from the {@code
 * kafka_2.13} artifact: the log directory is formatted with {@link StorageTool}, then {@link
 * KafkaRaftServer} is started. Takes about 3 s on this machine.
 */
final class EmbeddedKafkaBroker implements KafkaBroker {

  private final KafkaRaftServer server;
  private final Path dataDir;
  private final boolean deleteOnClose;
  private final int port;
  private final String bootstrap;
  private boolean closed;

  private EmbeddedKafkaBroker(
      KafkaRaftServer server, Path dataDir, boolean deleteOnClose, String host, int port) {
    this.server = server;
    this.dataDir = dataDir;
    this.deleteOnClose = deleteOnClose;
    this.port = port;
    this.bootstrap = hostPort(host, port);
  }

  static KafkaBroker start() {
    try {
      return start(Files.createTempDirectory("sixpn-kafka-"), 0, true);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a temporary directory for the Kafka broker", e);
    }
  }

  static KafkaBroker start(Path dataDir, int port, boolean deleteOnClose) {
    return start(dataDir, "localhost", port, deleteOnClose);
  }

  /**
   * @param host the address clients connect to; the broker listens there and advertises it
   */
  static KafkaBroker start(Path dataDir, String host, int port, boolean deleteOnClose) {
    return start(dataDir, host, port, deleteOnClose, null);
  }

  /**
   * A broker whose client listener is SASL_SSL, with SCRAM credentials for the broker, the
   * orchestrator and {@code users}, generated now.
   *
   * @throws IllegalStateException if {@code dataDir} holds a formatted log already: credentials are
   *     created when the log is formatted, and this run's passwords would not match
   */
  static SecureKafkaBroker startSaslSsl(
      Path dataDir, String host, int port, boolean deleteOnClose, Collection<String> users) {
    if (Files.exists(dataDir.resolve("log").resolve("meta.properties"))) {
      throw new IllegalStateException(
          dataDir + " holds a formatted log; a SASL_SSL broker needs a new data directory");
    }
    SaslSslSetup setup = SaslSslSetup.generate(dataDir.resolve("tls"), host, users);
    return new Secure(start(dataDir, host, port, deleteOnClose, setup), host, setup);
  }

  /** A SASL_SSL broker that can be started again on its log, address and credentials. */
  private static final class Secure implements SecureKafkaBroker {
    private final String host;
    private final SaslSslSetup setup;
    private EmbeddedKafkaBroker broker;

    Secure(EmbeddedKafkaBroker broker, String host, SaslSslSetup setup) {
      this.broker = broker;
      this.host = host;
      this.setup = setup;
    }

    @Override
    public synchronized String bootstrapServers() {
      return broker.bootstrap;
    }

    @Override
    public Map<String, Object> clientConfig(String user) {
      return setup.clientConfig(user);
    }

    @Override
    public Path writeClientConfig(String user, Path file) {
      return setup.writeClientConfig(user, file);
    }

    @Override
    public synchronized void restart() {
      if (!broker.closed) {
        throw new IllegalStateException("the broker at " + broker.bootstrap + " is running");
      }
      if (broker.deleteOnClose) {
        throw new IllegalStateException("the broker's log was deleted when it closed");
      }
      // The log is formatted already (format skips it): the SCRAM credentials are in its metadata.
      broker = start(broker.dataDir, host, broker.port, false, setup);
    }

    @Override
    public synchronized void close() {
      broker.close();
    }
  }

  private static EmbeddedKafkaBroker start(
      Path dataDir, String host, int port, boolean deleteOnClose, SaslSslSetup security) {
    try {
      Files.createDirectories(dataDir);
      int brokerPort = port == 0 ? freePort() : port;
      int controllerPort = freePort();
      Properties props = properties(dataDir, host, brokerPort, controllerPort, security);
      Path config = dataDir.resolve("server.properties");
      // Owner-only: with SASL_SSL it holds the broker's passwords.
      Map<String, String> asMap = new java.util.LinkedHashMap<>();
      props.stringPropertyNames().forEach(k -> asMap.put(k, props.getProperty(k)));
      SaslSslSetup.writeOwnerOnly(asMap, config, "sixpn embedded KRaft broker");
      format(
          config,
          dataDir,
          Uuid.randomUuid().toString(),
          security == null ? List.of() : security.formatArguments());
      KafkaRaftServer server = new KafkaRaftServer(new KafkaConfig(props), Time.SYSTEM);
      server.startup();
      return new EmbeddedKafkaBroker(server, dataDir, deleteOnClose, host, brokerPort);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the embedded Kafka broker in " + dataDir, e);
    }
  }

  static String hostPort(String host, int port) {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }

  /** One node's configuration; {@link KafkaCluster} overrides the node id and the quorum. */
  static Properties properties(Path dataDir, String host, int brokerPort, int controllerPort) {
    return properties(dataDir, host, brokerPort, controllerPort, null);
  }

  private static Properties properties(
      Path dataDir, String host, int brokerPort, int controllerPort, SaslSslSetup security) {
    Properties p = new Properties();
    String listener = security == null ? "PLAINTEXT" : "SASL_SSL";
    p.setProperty("process.roles", "broker,controller");
    p.setProperty("node.id", "1");
    p.setProperty("controller.quorum.voters", "1@localhost:" + controllerPort);
    p.setProperty(
        "listeners",
        listener
            + "://"
            + hostPort(host, brokerPort)
            + ",CONTROLLER://localhost:"
            + controllerPort);
    p.setProperty("advertised.listeners", listener + "://" + hostPort(host, brokerPort));
    p.setProperty("controller.listener.names", "CONTROLLER");
    if (security == null) {
      p.setProperty("inter.broker.listener.name", "PLAINTEXT");
      p.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    } else {
      security.addBrokerProperties(p);
    }
    p.setProperty("log.dirs", dataDir.resolve("log").toString());
    // A single node: every internal topic has one replica.
    p.setProperty("offsets.topic.replication.factor", "1");
    p.setProperty("transaction.state.log.replication.factor", "1");
    p.setProperty("transaction.state.log.min.isr", "1");
    p.setProperty("share.coordinator.state.topic.replication.factor", "1");
    p.setProperty("share.coordinator.state.topic.min.isr", "1");
    p.setProperty("group.initial.rebalance.delay.ms", "0");
    p.setProperty("auto.create.topics.enable", "false");
    p.setProperty("num.partitions", "1");
    // Large batches from the publisher benchmark; the default 1 MiB is enough, keep it explicit.
    p.setProperty("message.max.bytes", "1048588");
    return p;
  }

  /** Formats the node's log directory for {@code clusterId}, unless it already is. */
  static void format(Path config, Path dataDir, String clusterId) {
    format(config, dataDir, clusterId, List.of());
  }

  private static void format(
      Path config, Path dataDir, String clusterId, List<String> extraArguments) {
    if (Files.exists(dataDir.resolve("log").resolve("meta.properties"))) {
      return;
    }
    List<String> args =
        new ArrayList<>(List.of("format", "-t", clusterId, "-c", config.toString()));
    args.addAll(extraArguments);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int rc;
    try (PrintStream ps = new PrintStream(out, true, StandardCharsets.UTF_8)) {
      rc = StorageTool.execute(args.toArray(String[]::new), ps);
    }
    if (rc != 0) {
      throw new IllegalStateException(
          "kafka-storage format of "
              + dataDir
              + " failed ("
              + rc
              + "): "
              + out.toString(StandardCharsets.UTF_8));
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Override
  public String bootstrapServers() {
    return bootstrap;
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    // Order: stop the server and wait for its threads before deleting the files they write.
    server.shutdown();
    server.awaitShutdown();
    if (deleteOnClose) {
      deleteTree(dataDir);
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + dir, e);
    }
  }
}
