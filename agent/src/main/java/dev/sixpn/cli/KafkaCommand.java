package dev.sixpn.cli;

import dev.sixpn.kafka.KafkaBroker;
import dev.sixpn.kafka.KafkaBrokers;
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
      "Runs a real single-node Kafka broker (KRaft) in the foreground, for local use and the demo.",
      "Data stays in --data-dir across restarts. Stop with Ctrl-C."
    },
    subcommands = KafkaCommand.Acls.class)
final class KafkaCommand implements Callable<Integer> {

  @Option(
      names = "--port",
      defaultValue = "9092",
      description = "Client port on localhost (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(
      names = "--data-dir",
      defaultValue = "var/kafka",
      description = "Log directory (default: ${DEFAULT-VALUE}).")
  Path dataDir;

  @Override
  public Integer call() throws InterruptedException {
    if (port < 1 || port > 65535) {
      throw new SixpnCommand.UsageException("--port must be in 1..65535, got " + port);
    }
    KafkaBroker broker = KafkaBrokers.startEmbedded(dataDir.toAbsolutePath(), port);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  broker.close();
                  stopped.countDown();
                },
                "kafka-shutdown"));
    System.out.println(
        "kafka: listening on "
            + broker.bootstrapServers()
            + ", data in "
            + dataDir.toAbsolutePath());
    stopped.await();
    return 0;
  }

  @Command(
      name = "acls",
      mixinStandardHelpOptions = true,
      description = {
        "Creates the lifecycle topic's ACLs on a cluster with an authorizer: hosts may only read",
        "(Read, Describe); orchestration writes. --kafka-config gives an admin's credentials;",
        "--print shows the same ACLs as kafka-acls.sh commands instead."
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
      if (hosts.isEmpty() && orchestrator == null) {
        throw new SixpnCommand.UsageException(
            "give --host-principal and/or --orchestrator-principal");
      }
      List<AclBinding> acls = new ArrayList<>(KafkaAcls.forHosts(kafka.topic, hosts));
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
