package dev.sixpn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sixpn.kafka.KafkaBrokers;
import dev.sixpn.kafka.SecureKafkaBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The commands against a SASL_SSL broker with ACLs, credentials from --kafka-config files. */
class SecureCliIT {

  @TempDir Path dir;

  @Test
  void kafkaConfig_orchestratorPublishes_hostIsRefusedButRebuilds() throws Exception {
    try (SecureKafkaBroker broker = KafkaBrokers.startSaslSsl(List.of("host-7"))) {
      String b = broker.bootstrapServers();
      String orchestrator =
          broker
              .writeClientConfig(
                  SecureKafkaBroker.ORCHESTRATOR, dir.resolve("orchestrator.properties"))
              .toString();
      String host = broker.writeClientConfig("host-7", dir.resolve("host-7.properties")).toString();
      String[] target = {"--bootstrap", b, "--topic", "cli-secure"};

      SixpnCommandTest.Run acls =
          SixpnCommandTest.run(
              concat(
                  new String[] {"kafka", "acls", "--kafka-config", orchestrator},
                  target,
                  "--host-principal",
                  "User:host-7"));
      assertEquals(0, acls.code(), acls.err());
      assertTrue(acls.out().contains("operation=READ"), acls.out());

      SixpnCommandTest.Run published =
          SixpnCommandTest.run(
              concat(
                  new String[] {"publish", "network-create", "--kafka-config", orchestrator},
                  target,
                  "--network",
                  "1"));
      assertEquals(0, published.code(), published.err());

      SixpnCommandTest.Run refused =
          SixpnCommandTest.run(
              concat(
                  new String[] {"publish", "network-delete", "--kafka-config", host},
                  target,
                  "--network",
                  "1"));
      assertEquals(1, refused.code(), refused.out());
      assertTrue(refused.err().contains("Authorization failed"), refused.err());

      SixpnCommandTest.Run rebuilt =
          SixpnCommandTest.run(
              concat(
                  new String[] {"state", "rebuild", "--kafka-config", host},
                  target,
                  "--data-dir",
                  dir.resolve("state").toString()));
      assertEquals(0, rebuilt.code(), rebuilt.err());
      assertTrue(rebuilt.out().contains("1 events folded, 0 quarantined"), rebuilt.out());

      SixpnCommandTest.Run anonymous =
          SixpnCommandTest.run(
              concat(new String[] {"state", "rebuild"}, target, "--data-dir", dir.toString()));
      assertEquals(1, anonymous.code());
      assertTrue(anonymous.err().contains("--kafka-config"), anonymous.err());
    }
  }

  @Test
  void kafkaSaslSsl_writesClientPropertiesThatAuthenticateEachRole() throws Exception {
    int port;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      port = s.getLocalPort();
    }
    KafkaCommand command =
        (KafkaCommand)
            SixpnCommand.commandLine()
                .parseArgs(
                    "kafka",
                    "--sasl-ssl",
                    "--port",
                    Integer.toString(port),
                    "--data-dir",
                    dir.resolve("kafka").toString(),
                    "--hosts",
                    "2",
                    "--topic",
                    "cli-kafka-secure")
                .subcommand()
                .commandSpec()
                .userObject();
    java.io.StringWriter printed = new java.io.StringWriter();
    try (var broker = command.start(new java.io.PrintWriter(printed, true))) {
      Path clients = dir.resolve("kafka").resolve("clients");
      assertTrue(printed.toString().contains(clients.toString()), printed.toString());
      for (String user : List.of("orchestrator", "host-1", "host-2", "snapshots")) {
        Path file = clients.resolve(user + ".properties");
        assertEquals(
            "rw-------",
            java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(file)),
            file.toString());
      }
      String[] target = {"--bootstrap", broker.bootstrapServers(), "--topic", "cli-kafka-secure"};
      SixpnCommandTest.Run published =
          as(clients, "orchestrator", target, "publish", "network-create", "--network", "1");
      assertEquals(0, published.code(), published.err());
      SixpnCommandTest.Run refused =
          as(clients, "host-1", target, "publish", "network-delete", "--network", "1");
      assertEquals(1, refused.code(), refused.out());
      SixpnCommandTest.Run read =
          as(
              clients,
              "host-2",
              target,
              "state",
              "rebuild",
              "--data-dir",
              dir.resolve("h2").toString());
      assertEquals(0, read.code(), read.err());
      assertTrue(read.out().contains("1 events folded"), read.out());
    }
  }

  @Test
  void kafkaConfig_setsBootstrapServers_exit2() throws Exception {
    Path file = Files.writeString(dir.resolve("bad.properties"), "bootstrap.servers=x:1\n");
    SixpnCommandTest.Run r =
        SixpnCommandTest.run(
            "publish", "host-leave", "--host", "3", "--kafka-config", file.toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("give the brokers with --bootstrap"), r.err());
  }

  @Test
  void kafkaAcls_print_kafkaAclsCommands() {
    SixpnCommandTest.Run r =
        SixpnCommandTest.run(
            "kafka",
            "acls",
            "--print",
            "--bootstrap",
            "k:9093",
            "--host-principal",
            "User:host-7",
            "--orchestrator-principal",
            "User:orchestrator");
    assertEquals(0, r.code(), r.err());
    List<String> lines = r.out().lines().toList();
    // host: 2 on each of the lifecycle and snapshot topics, 3 on the progress topic; orchestrator:
    // 8
    // on topics, 1 on the cluster
    assertEquals(16, lines.size(), r.out());
    assertEquals(
        "kafka-acls.sh --bootstrap-server k:9093 --add --allow-principal 'User:host-7'"
            + " --operation Read --topic 'sixpn.lifecycle'",
        lines.getFirst());
    assertTrue(
        r.out()
            .contains(
                "--allow-principal 'User:host-7' --operation Write --topic"
                    + " 'sixpn.lifecycle.progress'"),
        r.out());
    assertFalse(
        r.out().contains("'User:host-7' --operation Write --topic 'sixpn.lifecycle'\n"), r.out());
  }

  @Test
  void agent_printHostJoin_printsPublishCommandWithItsKey() {
    String[] args = {
      "agent",
      "--host",
      "7",
      "--data-dir",
      dir.resolve("h7").toString(),
      "--no-dataplane",
      "--region",
      "nrt",
      "--lat",
      "35.76",
      "--lon",
      "140.38",
      "--endpoint",
      "192.0.2.7:51820",
      "--print-host-join"
    };
    SixpnCommandTest.Run first = SixpnCommandTest.run(args);
    assertEquals(0, first.code(), first.err());
    assertTrue(
        first
            .out()
            .matches(
                "sixpn publish host-join --host 7 --region nrt --lat 35.76 --lon 140.38"
                    + " --public-key '[A-Za-z0-9+/]{43}=' --endpoint '192.0.2.7:51820'\\R"),
        first.out());
    assertEquals(first.out(), SixpnCommandTest.run(args).out(), "the same key on every call");
  }

  /**
   * {@code command} with the client properties {@code sixpn kafka --sasl-ssl} wrote for {@code
   * user}.
   */
  private static SixpnCommandTest.Run as(
      Path clients, String user, String[] target, String... command) {
    List<String> all = new java.util.ArrayList<>(List.of(command));
    all.addAll(List.of(target));
    all.add("--kafka-config");
    all.add(clients.resolve(user + ".properties").toString());
    return SixpnCommandTest.run(all.toArray(String[]::new));
  }

  private static String[] concat(String[] head, String[] target, String... tail) {
    List<String> all = new java.util.ArrayList<>(List.of(head));
    all.addAll(List.of(target));
    all.addAll(List.of(tail));
    return all.toArray(String[]::new);
  }
}
