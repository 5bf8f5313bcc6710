package dev.sixpn.kafka;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;

/**
 * A real KRaft cluster on this machine: {@code n} nodes, each a JVM of its own ({@link KafkaNode})
 * running broker and controller together, node ids 1..n, a static quorum of all n controllers, one
 * cluster id. Node {@code i}'s data lives in {@code dir/node-i} (its log under {@code log/}, its
 * {@code server.properties} and its output in {@code node.log}), kept across restarts.
 *
 * <p>Separate processes are the point: {@link #kill} is a SIGKILL of that node's JVM, nothing in it
 * gets to flush or say goodbye. {@link #close} stops every process this started (SIGTERM, then
 * SIGKILL after {@link #STOP_GRACE}); the data is left for the caller.
 *
 * <p>Internal topics get {@code min(3, n)} replicas and {@code min.insync.replicas=min(2, n)}, as
 * the lifecycle topic does. A dead broker is fenced after {@value #SESSION_TIMEOUT_MS} ms without
 * heartbeats (Kafka's default is 9 s): its partitions get new leaders that much sooner.
 */
public final class KafkaCluster implements KafkaBroker {

  /** How long {@link #start} and {@link #restart} wait for the nodes to register. */
  public static final Duration START_TIMEOUT = Duration.ofSeconds(90);

  /** How long a node gets to stop on SIGTERM before it is killed. */
  public static final Duration STOP_GRACE = Duration.ofSeconds(20);

  static final int SESSION_TIMEOUT_MS = 3000;

  /** Heap of one node: a test cluster on a small machine, not a production broker. */
  static final String NODE_HEAP = "-Xmx512m";

  private final Path dir;
  private final List<Path> configs;
  private final Process[] processes;
  private final String bootstrap;
  private final Admin admin;
  private boolean closed;

  private KafkaCluster(Path dir, List<Path> configs, String bootstrap) {
    this.dir = dir;
    this.configs = configs;
    this.processes = new Process[configs.size()];
    this.bootstrap = bootstrap;
    this.admin =
        Admin.create(
            Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10000));
  }

  /** A cluster of {@code nodes} on localhost, on free ports. */
  public static KafkaCluster start(Path dir, int nodes) {
    return start(dir, nodes, "localhost", 0);
  }

  /**
   * A cluster of {@code nodes} listening on (and advertising) {@code host}.
   *
   * @param basePort client ports are {@code basePort..basePort+nodes-1}, controller ports the
   *     {@code nodes} after them; 0 for free ports
   */
  public static KafkaCluster start(Path dir, int nodes, String host, int basePort) {
    if (nodes < 1 || nodes > 9) {
      throw new IllegalArgumentException("nodes must be in 1..9, got " + nodes);
    }
    if (basePort != 0 && (basePort < 1 || basePort + 2 * nodes - 1 > 65535)) {
      throw new IllegalArgumentException(
          "basePort must leave room for " + 2 * nodes + " ports below 65536, got " + basePort);
    }
    KafkaCluster cluster;
    try {
      List<Integer> ports = ports(basePort, 2 * nodes);
      String voters =
          IntStream.rangeClosed(1, nodes)
              .mapToObj(i -> i + "@localhost:" + ports.get(nodes + i - 1))
              .collect(Collectors.joining(","));
      String clusterId = existingClusterId(dir, nodes);
      List<Path> configs = new ArrayList<>();
      List<String> bootstrap = new ArrayList<>();
      for (int i = 1; i <= nodes; i++) {
        Path nodeDir = dir.resolve("node-" + i);
        Files.createDirectories(nodeDir);
        int clientPort = ports.get(i - 1);
        Properties p =
            EmbeddedKafkaBroker.properties(nodeDir, host, clientPort, ports.get(nodes + i - 1));
        p.putAll(clusterProperties(i, nodes, voters));
        Path config = nodeDir.resolve("server.properties");
        try (Writer w = Files.newBufferedWriter(config)) {
          p.store(w, "sixpn KRaft cluster node " + i + " of " + nodes);
        }
        EmbeddedKafkaBroker.format(config, nodeDir, clusterId);
        configs.add(config);
        bootstrap.add(EmbeddedKafkaBroker.hostPort(host, clientPort));
      }
      cluster = new KafkaCluster(dir, List.copyOf(configs), String.join(",", bootstrap));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare a Kafka cluster in " + dir, e);
    }
    try {
      for (int i = 1; i <= nodes; i++) {
        cluster.spawn(i);
      }
      cluster.awaitRegistered(Set.copyOf(cluster.nodeIds()));
      return cluster;
    } catch (RuntimeException e) {
      cluster.close();
      throw e;
    }
  }

  private static Map<String, String> clusterProperties(int node, int nodes, String voters) {
    String replicas = Integer.toString(Math.min(3, nodes));
    String minIsr = Integer.toString(Math.min(2, nodes));
    return Map.ofEntries(
        Map.entry("node.id", Integer.toString(node)),
        Map.entry("controller.quorum.voters", voters),
        Map.entry("offsets.topic.replication.factor", replicas),
        Map.entry("transaction.state.log.replication.factor", replicas),
        Map.entry("transaction.state.log.min.isr", minIsr),
        Map.entry("share.coordinator.state.topic.replication.factor", replicas),
        Map.entry("share.coordinator.state.topic.min.isr", minIsr),
        Map.entry("default.replication.factor", replicas),
        Map.entry("min.insync.replicas", minIsr),
        Map.entry("unclean.leader.election.enable", "false"),
        Map.entry("broker.heartbeat.interval.ms", "500"),
        Map.entry("broker.session.timeout.ms", Integer.toString(SESSION_TIMEOUT_MS)));
  }

  /** The cluster id some node's directory was formatted with, so every node shares it. */
  private static String existingClusterId(Path dir, int nodes) throws IOException {
    for (int i = 1; i <= nodes; i++) {
      Path meta = dir.resolve("node-" + i).resolve("log").resolve("meta.properties");
      if (Files.exists(meta)) {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(meta)) {
          p.load(r);
        }
        String id = p.getProperty("cluster.id");
        if (id != null) {
          return id;
        }
      }
    }
    return Uuid.randomUuid().toString();
  }

  private static List<Integer> ports(int basePort, int count) throws IOException {
    List<Integer> out = new ArrayList<>();
    Set<Integer> seen = new HashSet<>();
    while (out.size() < count) {
      int p = basePort == 0 ? EmbeddedKafkaBroker.freePort() : basePort + out.size();
      if (seen.add(p)) {
        out.add(p);
      }
    }
    return out;
  }

  private synchronized void spawn(int node) {
    Path config = configs.get(node - 1);
    List<String> command =
        List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "--enable-native-access=ALL-UNNAMED",
            "--sun-misc-unsafe-memory-access=allow",
            NODE_HEAP,
            "-cp",
            System.getProperty("java.class.path"),
            KafkaNode.class.getName(),
            config.toString());
    Path log = logFile(node);
    try {
      processes[node - 1] =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start Kafka node " + node, e);
    }
  }

  /** Waits until every node in {@code ids} is a registered, unfenced broker. */
  private void awaitRegistered(Set<Integer> ids) {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (true) {
      for (int id : ids) {
        Process p = processes[id - 1];
        if (!p.isAlive()) {
          throw new IllegalStateException(
              "Kafka node " + id + " exited with " + p.exitValue() + "; see " + logFile(id));
        }
      }
      try {
        Set<Integer> live =
            admin.describeCluster().nodes().get(2, TimeUnit.SECONDS).stream()
                .map(Node::id)
                .collect(Collectors.toSet());
        if (live.containsAll(ids)) {
          return;
        }
      } catch (ExecutionException | TimeoutException e) {
        // Not up yet.
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while the Kafka cluster started", e);
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "Kafka nodes "
                + ids
                + " did not register within "
                + START_TIMEOUT.toSeconds()
                + " s; see "
                + dir.resolve("node-*/node.log"));
      }
      sleep(Duration.ofMillis(200));
    }
  }

  @Override
  public String bootstrapServers() {
    return bootstrap;
  }

  /** Node ids, 1..n. */
  public List<Integer> nodeIds() {
    return IntStream.rangeClosed(1, configs.size()).boxed().toList();
  }

  /** Where node {@code node}'s output goes. */
  public Path logFile(int node) {
    return configs.get(checkNode(node) - 1).resolveSibling("node.log");
  }

  /** The process id of node {@code node}, which must be running. */
  public synchronized long pid(int node) {
    return running(node).pid();
  }

  public synchronized boolean isAlive(int node) {
    Process p = processes[checkNode(node) - 1];
    return p != null && p.isAlive();
  }

  /** SIGKILLs node {@code node} and waits until its process is gone. */
  public void kill(int node) {
    Process p;
    synchronized (this) {
      p = running(node);
    }
    p.destroyForcibly();
    awaitExit(p, Duration.ofSeconds(10));
  }

  /** Starts a stopped or killed node again on its data, and waits until it registers. */
  public void restart(int node) {
    synchronized (this) {
      if (isAlive(node)) {
        throw new IllegalStateException("Kafka node " + node + " is running");
      }
      spawn(node);
    }
    awaitRegistered(Set.of(node));
  }

  /** The broker id leading {@code tp}, or -1 when it has no leader right now. */
  public int leaderOf(TopicPartition tp) {
    try {
      TopicDescription d =
          admin.describeTopics(List.of(tp.topic())).allTopicNames().get().get(tp.topic());
      for (TopicPartitionInfo p : d.partitions()) {
        if (p.partition() == tp.partition()) {
          return p.leader() == null || p.leader().isEmpty() ? -1 : p.leader().id();
        }
      }
      throw new IllegalArgumentException("no partition " + tp);
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot describe " + tp.topic(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** Stops every node this started: SIGTERM to all, then SIGKILL to what outlives the grace. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    admin.close(Duration.ofSeconds(5));
    for (Process p : processes) {
      if (p != null && p.isAlive()) {
        p.destroy();
      }
    }
    long deadline = System.nanoTime() + STOP_GRACE.toNanos();
    for (Process p : processes) {
      if (p == null) {
        continue;
      }
      long left = Math.max(0, deadline - System.nanoTime());
      if (!waitFor(p, Duration.ofNanos(left))) {
        p.destroyForcibly();
        awaitExit(p, Duration.ofSeconds(10));
      }
    }
  }

  private int checkNode(int node) {
    if (node < 1 || node > configs.size()) {
      throw new IllegalArgumentException("node must be in 1.." + configs.size() + ", got " + node);
    }
    return node;
  }

  private Process running(int node) {
    Process p = processes[checkNode(node) - 1];
    if (p == null || !p.isAlive()) {
      throw new IllegalStateException("Kafka node " + node + " is not running");
    }
    return p;
  }

  private static void awaitExit(Process p, Duration timeout) {
    if (!waitFor(p, timeout)) {
      throw new IllegalStateException("process " + p.pid() + " did not exit after SIGKILL");
    }
  }

  private static boolean waitFor(Process p, Duration timeout) {
    try {
      return p.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return !p.isAlive();
    }
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
