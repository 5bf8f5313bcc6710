package dev.sixpn.cli;

import dev.sixpn.kafka.KafkaBroker;
import dev.sixpn.kafka.KafkaBrokers;
import dev.sixpn.kafka.KafkaCluster;
import dev.sixpn.publish.KafkaAcls;
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
          + " death of any one. Data stays in --data-dir across restarts. Stop with Ctrl-C."
    },
    subcommands = KafkaCommand.Acls.class)
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
      defaultValue = "var/kafka",
      description =
          "Log directory; with --nodes, one node-<id> below it (default: ${DEFAULT-VALUE}).")
  Path dataDir;

  @Option(
      names = "--nodes",
      defaultValue = "1",
      description =
          "Nodes, 1..9 (default: ${DEFAULT-VALUE}); more than one: separate processes, broker and"
              + " controller each, node ids 1..N.")
  int nodes;

  @Override
  public Integer call() throws InterruptedException {
    if (nodes < 1 || nodes > 9) {
      throw new SixpnCommand.UsageException("--nodes must be in 1..9, got " + nodes);
    }
    int lastPort = nodes == 1 ? port : port + 2 * nodes - 1;
    if (port < 1 || lastPort > 65535) {
      throw new SixpnCommand.UsageException(
          "--port must be in 1.." + (65535 - (lastPort - port)) + ", got " + port);
    }
    Path dir = dataDir.toAbsolutePath();
    KafkaBroker broker =
        nodes == 1
            ? KafkaBrokers.startEmbedded(dir, port)
            : KafkaCluster.start(dir, nodes, "localhost", port);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  broker.close();
                  stopped.countDown();
                },
                "kafka-shutdown"));
    if (broker instanceof KafkaCluster cluster) {
      for (int id : cluster.nodeIds()) {
        System.out.println(
            "kafka: node " + id + " pid " + cluster.pid(id) + ", log " + cluster.logFile(id));
      }
    }
    System.out.println("kafka: listening on " + broker.bootstrapServers() + ", data in " + dir);
    stopped.await();
    return 0;
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
            "Orchestration's principal, when it is not a super user: Write, Describe and Create"
                + " on the topic, IdempotentWrite on the cluster.")
    String orchestrator;

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
      if (hosts.isEmpty() && orchestrator == null && snapshotWriters.isEmpty()) {
        throw new SixpnCommand.UsageException(
            "give --host-principal, --snapshot-writer-principal and/or --orchestrator-principal");
      }
      List<AclBinding> acls = new ArrayList<>(KafkaAcls.forHosts(kafka.topic, hosts));
      for (String writer : snapshotWriters) {
        acls.addAll(KafkaAcls.forSnapshotWriter(kafka.topic, writer));
      }
      if (orchestrator != null) {
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
