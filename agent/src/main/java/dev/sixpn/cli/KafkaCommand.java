package dev.sixpn.cli;

import dev.sixpn.kafka.KafkaBroker;
import dev.sixpn.kafka.KafkaBrokers;
import dev.sixpn.kafka.KafkaCluster;
import dev.sixpn.kafka.SaslSslSetup;
import dev.sixpn.kafka.SecureKafkaBroker;
import dev.sixpn.publish.KafkaAcls;
import dev.sixpn.publish.LifecycleTopic;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.common.acl.AclBinding;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "kafka",
    mixinStandardHelpOptions = true,
    description = {
      "Runs a real Kafka (KRaft) in the foreground, for local use and the demo: one broker in this"
          + " process, or with --nodes 3 a cluster of three nodes, each its own JVM, that survives the"
          + " death of any one, or with --sasl-ssl one broker with TLS, SCRAM and ACLs. Data stays in"
          + " --data-dir across restarts. Stop with Ctrl-C."
    },
    subcommands = {KafkaCommand.Acls.class, KafkaSecretsCommand.class, TrimHistoryCommand.class})
final class KafkaCommand implements Callable<Integer> {

  @Option(
      names = "--port",
      defaultValue = "9092",
      description =
          "Client port on localhost (default: ${DEFAULT-VALUE}); with --nodes N, the client ports"
              + " are port..port+N-1 and the controller ports the N after them.")
  int port;

  @Option(
      names = "--data-dir",
      description =
          "Log directory; with --nodes, one node-<id> below it (default: var/kafka, with"
              + " --sasl-ssl var/kafka-sasl-ssl).")
  Path dataDir;

  @Option(
      names = "--nodes",
      defaultValue = "1",
      description =
          "Nodes, 1..9 (default: ${DEFAULT-VALUE}); more than one: separate processes, broker and"
              + " controller each, node ids 1..N.")
  int nodes;

  @Option(
      names = "--sasl-ssl",
      description =
          "One broker whose only client listener is SASL_SSL (SCRAM-SHA-512) with ACLs. Its"
              + " certificate, every password and the client properties of orchestration"
              + " (User:orchestrator, a super user), hosts 1..--hosts (User:host-N, read only) and"
              + " the snapshot writer (User:snapshots) are generated at start into"
              + " <data-dir>/clients, which it prints. Credentials are made when the log is"
              + " formatted: --data-dir must be new.")
  boolean saslSsl;

  @Option(
      names = "--hosts",
      paramLabel = "N",
      description = "With --sasl-ssl: hosts 1..N get credentials, 1..1000 (default: 3).")
  Integer hosts;

  @Option(
      names = "--topic",
      defaultValue = LifecycleTopic.NAME,
      description =
          "With --sasl-ssl: the lifecycle topic the ACLs are for (default: ${DEFAULT-VALUE}).")
  String topic;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  /** The user the snapshot writer authenticates as under --sasl-ssl. */
  static final String SNAPSHOT_WRITER = "snapshots";

  @Override
  public Integer call() throws Exception {
    KafkaBroker broker = start(spec.commandLine().getOut());
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  broker.close();
                  stopped.countDown();
                },
                "kafka-shutdown"));
    stopped.await();
    return 0;
  }

  /** Starts what the options say and prints where it is; the caller closes it. */
  KafkaBroker start(PrintWriter out) throws Exception {
    if (nodes < 1 || nodes > 9) {
      throw new SixpnCommand.UsageException("--nodes must be in 1..9, got " + nodes);
    }
    int lastPort = nodes == 1 ? port : port + 2 * nodes - 1;
    if (port < 1 || lastPort > 65535) {
      throw new SixpnCommand.UsageException(
          "--port must be in 1.." + (65535 - (lastPort - port)) + ", got " + port);
    }
    if (!saslSsl && hosts != null) {
      throw new SixpnCommand.UsageException("--hosts needs --sasl-ssl");
    }
    Path dir =
        (dataDir != null ? dataDir : Path.of(saslSsl ? "var/kafka-sasl-ssl" : "var/kafka"))
            .toAbsolutePath();
    if (saslSsl) {
      return startSaslSsl(dir, out);
    }
    KafkaBroker broker =
        nodes == 1
            ? KafkaBrokers.startEmbedded(dir, port)
            : KafkaCluster.start(dir, nodes, "localhost", port);
    if (broker instanceof KafkaCluster cluster) {
      for (int id : cluster.nodeIds()) {
        out.println(
            "kafka: node " + id + " pid " + cluster.pid(id) + ", log " + cluster.logFile(id));
      }
    }
    out.println("kafka: listening on " + broker.bootstrapServers() + ", data in " + dir);
    return broker;
  }

  private KafkaBroker startSaslSsl(Path dir, PrintWriter out) throws Exception {
    if (nodes != 1) {
      throw new SixpnCommand.UsageException("--sasl-ssl runs one node; leave out --nodes");
    }
    int hostCount = hosts == null ? 3 : hosts;
    if (hostCount < 1 || hostCount > 1000) {
      throw new SixpnCommand.UsageException("--hosts must be in 1..1000, got " + hostCount);
    }
    if (Files.exists(dir.resolve("log"))) {
      throw new SixpnCommand.UsageException(
          "--data-dir "
              + dir
              + " holds a log; --sasl-ssl makes its credentials when the log is formatted, so it"
              + " needs a new directory: remove it or pass another --data-dir");
    }
    List<String> hostUsers = new ArrayList<>();
    for (int h = 1; h <= hostCount; h++) {
      hostUsers.add(KafkaSecretsCommand.hostUser(h));
    }
    List<String> users = new ArrayList<>(hostUsers);
    users.add(SNAPSHOT_WRITER);
    SecureKafkaBroker broker = KafkaBrokers.startEmbeddedSaslSsl(dir, "localhost", port, users);
    try {
      List<AclBinding> acls =
          new ArrayList<>(
              KafkaAcls.forHosts(topic, hostUsers.stream().map(u -> "User:" + u).toList()));
      acls.addAll(KafkaAcls.forSnapshotWriter(topic, "User:" + SNAPSHOT_WRITER));
      KafkaAcls.apply(
          broker.bootstrapServers(),
          broker.clientConfig(SecureKafkaBroker.ORCHESTRATOR),
          acls,
          Duration.ofSeconds(30));
      Path clients = SaslSslSetup.ownerOnlyDirectory(dir.resolve("clients"));
      out.println(
          "kafka: SASL_SSL (SCRAM-SHA-512, TLS) on "
              + broker.bootstrapServers()
              + ", ACLs on "
              + topic
              + " and "
              + LifecycleTopic.snapshotTopic(topic)
              + ", data in "
              + dir);
      out.println("kafka: client properties (owner-only, they hold passwords) in " + clients + ":");
      Path orchestrator =
          broker.writeClientConfig(
              SecureKafkaBroker.ORCHESTRATOR, clients.resolve("orchestrator.properties"));
      out.println("  " + orchestrator.getFileName() + "  User:orchestrator, super user: publish");
      for (String u : hostUsers) {
        Path f = broker.writeClientConfig(u, clients.resolve(u + ".properties"));
        out.println("  " + f.getFileName() + "  User:" + u + ", reads the lifecycle and snapshots");
      }
      Path writer =
          broker.writeClientConfig(
              SNAPSHOT_WRITER, clients.resolve(SNAPSHOT_WRITER + ".properties"));
      out.println(
          "  " + writer.getFileName() + "  User:" + SNAPSHOT_WRITER + ", --snapshot-writer");
      out.println(
          "kafka: e.g. ./sixpn publish network-create --network 1 --name acme --bootstrap "
              + broker.bootstrapServers()
              + " --kafka-config "
              + orchestrator);
      return broker;
    } catch (Exception | Error e) {
      broker.close();
      throw e;
    }
  }

  @Command(
      name = "acls",
      mixinStandardHelpOptions = true,
      description = {
        "Creates the ACLs of the lifecycle topic and its snapshot topic on a cluster with an"
            + " authorizer: hosts may only read them (Read, Describe); orchestration writes the"
            + " log, the snapshot writer the snapshots. --kafka-config gives an admin's"
            + " credentials; --print shows the same ACLs as kafka-acls.sh commands instead."
      })
  static final class Acls implements Callable<Integer> {

    @Mixin KafkaOptions kafka;

    @Option(
        names = "--host-principal",
        paramLabel = "User:NAME",
        description = "A host's principal (e.g. User:host-7), repeatable: Read and Describe.")
    List<String> hosts = new ArrayList<>();

    @Option(
        names = "--orchestrator-principal",
        paramLabel = "User:NAME",
        description =
            "Orchestration's principal, when it is not a super user, repeatable (e.g. each"
                + " host's `sixpn run`): Write, Describe and Create on the topic, IdempotentWrite"
                + " on the cluster.")
    List<String> orchestrators = new ArrayList<>();

    @Option(
        names = "--snapshot-writer-principal",
        paramLabel = "User:NAME",
        description =
            "The principal of the agent(s) run with --snapshot-writer, repeatable: a host's Read"
                + " and Describe, plus Write, Create and DescribeConfigs on the snapshot topic and"
                + " IdempotentWrite on the cluster.")
    List<String> snapshotWriters = new ArrayList<>();

    @Option(names = "--print", description = "Print kafka-acls.sh commands; create nothing.")
    boolean print;

    @Option(
        names = "--timeout",
        defaultValue = "PT10S",
        description = "How long to wait for the broker, ISO-8601 (default: 10 s).")
    Duration timeout;

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      if (hosts.isEmpty() && orchestrators.isEmpty() && snapshotWriters.isEmpty()) {
        throw new SixpnCommand.UsageException(
            "give --host-principal, --snapshot-writer-principal and/or --orchestrator-principal");
      }
      List<AclBinding> acls = new ArrayList<>(KafkaAcls.forHosts(kafka.topic, hosts));
      for (String writer : snapshotWriters) {
        acls.addAll(KafkaAcls.forSnapshotWriter(kafka.topic, writer));
      }
      for (String orchestrator : orchestrators) {
        acls.addAll(KafkaAcls.forOrchestrator(kafka.topic, orchestrator));
      }
      var out = spec.commandLine().getOut();
      if (print) {
        String config = kafka.kafkaConfig == null ? null : kafka.kafkaConfig.toString();
        KafkaAcls.kafkaAclsCommands(acls, kafka.bootstrap, config).forEach(out::println);
        return 0;
      }
      KafkaAcls.apply(kafka.bootstrap, kafka.clientOverrides(), acls, timeout);
      for (AclBinding b : acls) {
        out.println("created " + b);
      }
      return 0;
    }
  }
}
