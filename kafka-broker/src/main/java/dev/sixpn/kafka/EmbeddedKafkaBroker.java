package dev.sixpn.kafka;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
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
  private final String bootstrap;
  private boolean closed;

  private EmbeddedKafkaBroker(
      KafkaRaftServer server, Path dataDir, boolean deleteOnClose, String bootstrap) {
    this.server = server;
    this.dataDir = dataDir;
    this.deleteOnClose = deleteOnClose;
    this.bootstrap = bootstrap;
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
    try {
      Files.createDirectories(dataDir);
      int brokerPort = port == 0 ? freePort() : port;
      int controllerPort = freePort();
      Properties props = properties(dataDir, host, brokerPort, controllerPort);
      Path config = dataDir.resolve("server.properties");
      try (Writer w = Files.newBufferedWriter(config)) {
        props.store(w, "sixpn embedded KRaft broker");
      }
      format(config, dataDir, Uuid.randomUuid().toString());
      KafkaRaftServer server = new KafkaRaftServer(new KafkaConfig(props), Time.SYSTEM);
      server.startup();
      return new EmbeddedKafkaBroker(server, dataDir, deleteOnClose, hostPort(host, brokerPort));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the embedded Kafka broker in " + dataDir, e);
    }
  }

  static String hostPort(String host, int port) {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }

  /** One node's configuration; {@link KafkaCluster} overrides the node id and the quorum. */
  static Properties properties(Path dataDir, String host, int brokerPort, int controllerPort) {
    Properties p = new Properties();
    p.setProperty("process.roles", "broker,controller");
    p.setProperty("node.id", "1");
    p.setProperty("controller.quorum.voters", "1@localhost:" + controllerPort);
    p.setProperty(
        "listeners",
        "PLAINTEXT://" + hostPort(host, brokerPort) + ",CONTROLLER://localhost:" + controllerPort);
    p.setProperty("advertised.listeners", "PLAINTEXT://" + hostPort(host, brokerPort));
    p.setProperty("controller.listener.names", "CONTROLLER");
    p.setProperty("inter.broker.listener.name", "PLAINTEXT");
    p.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
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
    if (Files.exists(dataDir.resolve("log").resolve("meta.properties"))) {
      return;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int rc;
    try (PrintStream ps = new PrintStream(out, true, StandardCharsets.UTF_8)) {
      rc =
          StorageTool.execute(
              new String[] {"format", "-t", clusterId, "-c", config.toString()}, ps);
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
