package dev.sixpn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sixpn.agent.HostAgentConfig;
import dev.sixpn.events.EventCodec;
import dev.sixpn.events.LifecycleEvent;
import dev.sixpn.events.Port;
import dev.sixpn.kafka.KafkaBroker;
import dev.sixpn.kafka.KafkaBrokers;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SixpnCommandTest {

  private static KafkaBroker broker;

  @BeforeAll
  static void start() {
    broker = KafkaBrokers.start();
  }

  @AfterAll
  static void stop() {
    broker.close();
  }

  record Run(int code, String out, String err) {}

  static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = SixpnCommand.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Run(code, out.toString(), err.toString());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "--app Bad_App | app must be a DNS label",
        "--network x | '--network'",
        "--network 0 | network must be in 1..4294967295",
        "--region regions | region 'regions' is reserved",
        "--address fdaa:0:2:0:7:0:1:2 | is in network 2",
        "--nonsense 1 | --nonsense",
        "--port http=0/tcp | ports.port must be 1-65535",
        "--port http=80/sctp | ports.protocol must be tcp or udp",
      })
  void publish_badArgument_oneLineExit2NothingPublished(String override, String expected) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "publish",
                "instance-start",
                "--bootstrap",
                broker.bootstrapServers(),
                "--topic",
                "cli-bad"));
    Map<String, String> base =
        new java.util.LinkedHashMap<>(
            Map.of("--network", "1", "--app", "web", "--region", "nrt", "--host", "7"));
    String[] kv = override.trim().split(" ", 2);
    base.put(kv[0], kv[1]);
    base.forEach(
        (k, v) -> {
          args.add(k);
          args.add(v);
        });
    Run r = run(args.toArray(String[]::new));
    assertUsageError(r, expected);
    assertTrue(r.err().startsWith("sixpn publish instance-start: "), r.err());
    assertEquals(0, readAll("cli-bad").size());
  }

  @Test
  void publish_instanceStart_allocatesAddressAndPublishes() throws Exception {
    Run r =
        run(
            "publish",
            "instance-start",
            "--bootstrap",
            broker.bootstrapServers(),
            "--topic",
            "cli-good",
            "--network",
            "1",
            "--app",
            "fearsome-bagel-43",
            "--region",
            "nrt",
            "--host",
            "7",
            "--meta",
            "v=3",
            "--port",
            "http=8080/tcp",
            "--port",
            "dns=53/udp");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("published instance.started to cli-good-"), r.out());
    List<ConsumerRecord<String, byte[]>> records = readAll("cli-good");
    assertEquals(1, records.size());
    var e = (LifecycleEvent.InstanceStarted) EventCodec.decode(records.getFirst().value());
    assertEquals("1", records.getFirst().key());
    assertEquals(1, e.address().network());
    assertEquals(7, e.address().host());
    assertEquals(Map.of("v", "3"), e.metadata());
    assertEquals(List.of(new Port("http", 8080, "tcp"), new Port("dns", 53, "udp")), e.ports());
    assertEquals(14, e.instanceId().length());
  }

  @Test
  void publish_instanceHealth_publishesTheCheck_badStatusIsUsageError() throws Exception {
    String[] base = {
      "publish",
      "instance-health",
      "--bootstrap",
      broker.bootstrapServers(),
      "--topic",
      "cli-health",
      "--network",
      "1",
      "--app",
      "web",
      "--instance-id",
      "web-1",
      "--check",
      "http-8080",
      "--status"
    };
    Run bad =
        run(
            java.util.stream.Stream.concat(List.of(base).stream(), Stream.of("down"))
                .toArray(String[]::new));
    assertUsageError(bad, "--status must be passing, warning or critical, got 'down'");
    Run ok =
        run(
            java.util.stream.Stream.concat(List.of(base).stream(), Stream.of("critical"))
                .toArray(String[]::new));
    assertEquals(0, ok.code(), ok.err());
    List<ConsumerRecord<String, byte[]>> records = readAll("cli-health");
    assertEquals(1, records.size(), "the bad status published nothing");
    var e = (LifecycleEvent.InstanceHealth) EventCodec.decode(records.getFirst().value());
    assertEquals("1", records.getFirst().key());
    assertEquals("http-8080", e.check());
    assertEquals(dev.sixpn.events.HealthStatus.CRITICAL, e.status());
  }

  @Test
  void publish_unreachableBroker_exit1WithMessage() {
    Run r =
        run(
            "publish",
            "host-leave",
            "--host",
            "3",
            "--bootstrap",
            "127.0.0.1:1",
            "--timeout",
            "PT1S");
    assertEquals(1, r.code());
    assertTrue(r.err().contains("no Kafka broker answered at 127.0.0.1:1"), r.err());
  }

  @Test
  void stateRebuildThenDump_showsPublishedInstance(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
    String state = dir.resolve("state").toString();
    Run pub =
        run(
            "publish",
            "instance-start",
            "--bootstrap",
            broker.bootstrapServers(),
            "--topic",
            "cli-state",
            "--network",
            "3",
            "--app",
            "redis-bagel-43",
            "--region",
            "ams",
            "--host",
            "2",
            "--instance-id",
            "r1");
    assertEquals(0, pub.code(), pub.err());
    Run rebuild =
        run(
            "state",
            "rebuild",
            "--bootstrap",
            broker.bootstrapServers(),
            "--topic",
            "cli-state",
            "--data-dir",
            state);
    assertEquals(0, rebuild.code(), rebuild.err());
    assertTrue(rebuild.out().contains("1 events folded, 0 quarantined"), rebuild.out());
    Run dump = run("state", "dump", "--data-dir", state, "--network", "3");
    assertEquals(0, dump.code(), dump.err());
    assertTrue(dump.out().contains("\"app\" : \"redis-bagel-43\""), dump.out());
    assertTrue(dump.out().contains("\"id\" : \"r1\""), dump.out());
    assertTrue(dump.out().contains("\"status\" : \"started\""), dump.out());
  }

  @Test
  void stateDump_missingStore_failsWithMessage(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
    Run r = run("state", "dump", "--data-dir", dir.resolve("nope").toString());
    assertEquals(1, r.code());
    assertTrue(r.err().contains("no state store at"), r.err());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "--host 0 | --host must be in 1..4294967295",
        "--host 1 --region nrt | --region, --lat, --lon and --endpoint go together",
        "--host 1 --dns-listen nonsense | --dns-listen",
        "--host 1 --dns-udp-engine fast | --dns-udp-engine",
        "--host x | '--host'",
        "--host 1 --snapshot-interval PT1M | --snapshot-every-events and --snapshot-interval need"
            + " --snapshot-writer",
        "--host 1 --no-snapshots --snapshot-writer | --no-snapshots goes with neither",
        "--host 1 --snapshot-writer --snapshot-every-events 0 | everyEvents must be >= 1",
      })
  void agent_badArgument_oneLineExit2(String args, String expected) {
    List<String> all =
        new ArrayList<>(List.of("agent", "--bootstrap", "127.0.0.1:1", "--no-dataplane"));
    all.addAll(List.of(args.trim().split(" ")));
    Run r = run(all.toArray(String[]::new));
    assertUsageError(r, expected);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "--name Laptop | name must be a DNS label",
        "--gateway 0 | host must be in 1..4294967295",
        "--network 0 | network must be in 1..4294967295",
        "--gateway-public-key AAAA | --gateway-public-key: key must be 32 bytes",
        "--gateway-endpoint nonsense | endpoint must be ip:port",
        "--gateway-endpoint 192.0.2.1:65535 | leaves no port for the peer device",
      })
  void peerCreate_badArgument_oneLineExit2NothingPublished(String override, String expected)
      throws Exception {
    Map<String, String> base =
        new java.util.LinkedHashMap<>(
            Map.of(
                "--network",
                "1",
                "--name",
                "laptop",
                "--gateway",
                "7",
                "--gateway-public-key",
                "5Zz5Bv1cPSrW6hO8NldV6Uqa/XTymJUN0xGd7EsiSCo=",
                "--gateway-endpoint",
                "192.0.2.7:51820"));
    String[] kv = override.trim().split(" ", 2);
    base.put(kv[0], kv[1]);
    List<String> args =
        new ArrayList<>(
            List.of(
                "peer", "create", "--bootstrap", broker.bootstrapServers(), "--topic", "cli-peer"));
    base.forEach(
        (k, v) -> {
          args.add(k);
          args.add(v);
        });
    Run r = run(args.toArray(String[]::new));
    assertUsageError(r, expected);
    assertEquals(0, readAll("cli-peer").size());
  }

  @Test
  void peerCreate_printsAWgQuickConfigWhosePublicKeyIsPublished() throws Exception {
    Run r =
        run(
            "peer",
            "create",
            "--bootstrap",
            broker.bootstrapServers(),
            "--topic",
            "cli-peer-ok",
            "--network",
            "3",
            "--name",
            "ci",
            "--gateway",
            "7",
            "--gateway-public-key",
            "5Zz5Bv1cPSrW6hO8NldV6Uqa/XTymJUN0xGd7EsiSCo=",
            "--gateway-endpoint",
            "192.0.2.7:51820");
    assertEquals(0, r.code(), r.err());
    String config = r.out();
    assertEquals("fdaa:0:3::3", WgQuickConfig.value(config, "DNS"));
    assertEquals("fdaa:0:3::/48", WgQuickConfig.value(config, "AllowedIPs"));
    assertEquals("192.0.2.7:51821", WgQuickConfig.value(config, "Endpoint"));
    assertEquals(
        "5Zz5Bv1cPSrW6hO8NldV6Uqa/XTymJUN0xGd7EsiSCo=", WgQuickConfig.value(config, "PublicKey"));
    dev.sixpn.address.SixpnAddress address =
        dev.sixpn.address.SixpnAddress.parse(
            WgQuickConfig.value(config, "Address").replace("/128", ""));
    String privateKey = WgQuickConfig.value(config, "PrivateKey");
    var records = readAll("cli-peer-ok");
    assertEquals(1, records.size());
    var event =
        (dev.sixpn.events.LifecycleEvent.PeerCreated)
            dev.sixpn.events.EventCodec.decode(records.getFirst().value());
    assertEquals(address, event.address());
    assertEquals(
        dev.sixpn.dataplane.wireguard.HostKeys.publicOf(
                new dev.sixpn.dataplane.wireguard.WgKey(privateKey))
            .base64(),
        event.publicKey());
    assertTrue(
        !new String(records.getFirst().value(), java.nio.charset.StandardCharsets.UTF_8)
            .contains(privateKey),
        "the private key is never published");
    assertEquals(
        "[Interface]\nPrivateKey = "
            + privateKey
            + "\n\n[Peer]\nPublicKey = 5Zz5Bv1cPSrW6hO8NldV6Uqa/XTymJUN0xGd7EsiSCo=\n"
            + "AllowedIPs = fdaa:0:3::/48\nEndpoint = 192.0.2.7:51821\nPersistentKeepalive = 25\n",
        WgQuickConfig.strip(config).replace("[Peer]", "\n[Peer]"),
        "wg setconf's part");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "--nodes 0 | --nodes must be in 1..9, got 0",
        "--nodes 3 --port 65531 | --port must be in 1..65530, got 65531",
        "--port 0 | --port must be in 1..65535, got 0",
        "--sasl-ssl --nodes 3 | --sasl-ssl runs one node",
        "--hosts 2 | --hosts needs --sasl-ssl",
        "--sasl-ssl --hosts 0 | --hosts must be in 1..1000, got 0",
      })
  void kafka_badArgument_oneLineExit2NothingStarted(String args, String expected) {
    List<String> all = new ArrayList<>(List.of("kafka"));
    all.addAll(List.of(args.trim().split(" ")));
    Run r = run(all.toArray(String[]::new));
    assertUsageError(r, expected);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "--app Bad_App | app must be a DNS label",
        "--network 0 | network must be in 1..4294967295",
        "--host 0 | host must be in 1..4294967295",
        "--instance-id a/b | instanceId must be a DNS label",
        "--host-netns sixpn-no-such-ns | --host-netns: no network namespace named",
        "--resolver-wait PT-1S | --resolver-wait must not be negative",
        "--nonsense 1 | --nonsense",
        "--check udp:53 | --check must be tcp:PORT or http://HOST:PORT/PATH",
        "--check tcp:0 | --check port must be 1-65535",
        "--check tcp:x | --check 'tcp:x': port must be 1-65535",
        "--check-interval PT0S | --check-interval must be positive",
        "--check-timeout PT-1S | --check-timeout must be positive",
        "--port http | --port: port must be name=port[/tcp|udp], got 'http'",
        "--port http=0/tcp | ports.port must be 1-65535",
        "--meta =v | metadata",
      })
  void run_badArgument_oneLineExit2(String args, String expected) {
    List<String> override = List.of(args.trim().split(" "));
    Map<String, String> options = new java.util.LinkedHashMap<>();
    options.put("--bootstrap", broker.bootstrapServers());
    options.put("--app", "web");
    options.put("--network", "1");
    options.put("--host", "7");
    options.put("--region", "nrt");
    options.put(override.get(0), override.get(1));
    List<String> all = new ArrayList<>(List.of("run"));
    options.forEach(
        (k, v) -> {
          all.add(k);
          all.add(v);
        });
    all.addAll(List.of("--", "true"));
    Run r = run(all.toArray(String[]::new));
    assertUsageError(r, expected);
  }

  @Test
  void run_metaAndPorts_areInTheInstanceItPublishes() {
    RunCommand cmd = new RunCommand();
    new picocli.CommandLine(cmd)
        .parseArgs(
            "--app",
            "web",
            "--network",
            "1",
            "--host",
            "7",
            "--region",
            "nrt",
            "--meta",
            "team=dns",
            "--port",
            "http=8080",
            "--port",
            "dns=53/udp",
            "--",
            "true");
    dev.sixpn.agent.run.InstanceRuntime.Spec spec = cmd.spec();
    assertEquals(Map.of("team", "dns"), spec.metadata());
    assertEquals(List.of(new Port("http", 8080, "tcp"), new Port("dns", 53, "udp")), spec.ports());
    assertEquals(1, spec.address().network());
    assertEquals(7, spec.address().host());
  }

  @Test
  void kafkaTrimHistory_withoutASnapshot_refusedNothingDeleted() {
    Run r =
        run(
            "kafka",
            "trim-history",
            "--bootstrap",
            broker.bootstrapServers(),
            "--topic",
            "trim-nothing");
    assertEquals(1, r.code(), r.err());
    assertTrue(
        r.err()
            .startsWith(
                "sixpn kafka trim-history: no complete snapshot in trim-nothing.snapshots:"),
        r.err());
  }

  @Test
  void run_withoutCommand_oneLineExit2() {
    Run r = run("run", "--app", "web", "--network", "1", "--host", "7", "--region", "nrt");
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("CMD"), r.err());
  }

  @Test
  void agent_dnsUdpEngine_anyCase() {
    for (String value : new String[] {"netty", "NETTY", "Netty"}) {
      var parsed =
          SixpnCommand.commandLine()
              .parseArgs("agent", "--host", "1", "--no-dataplane", "--dns-udp-engine", value);
      AgentCommand agent = (AgentCommand) parsed.subcommand().commandSpec().userObject();
      assertEquals(
          dev.sixpn.dns.server.DnsEdgeConfig.UdpEngine.NETTY,
          agent.config().dns().orElseThrow().udpEngine(),
          value);
    }
  }

  @Test
  void agent_snapshots_readByDefault_writerWithItsSchedule() {
    HostAgentConfig reader = agentConfig("agent", "--host", "1", "--no-dataplane");
    assertEquals(
        Optional.of(HostAgentConfig.Snapshots.reading("sixpn.lifecycle.snapshots")),
        reader.snapshots());
    HostAgentConfig writer =
        agentConfig(
            "agent",
            "--host",
            "1",
            "--no-dataplane",
            "--snapshot-writer",
            "--snapshot-every-events",
            "5000",
            "--snapshot-interval",
            "PT10M");
    assertEquals(
        Optional.of(
            new HostAgentConfig.Snapshots(
                "sixpn.lifecycle.snapshots", true, 5000, java.time.Duration.ofMinutes(10))),
        writer.snapshots());
    assertTrue(
        agentConfig("agent", "--host", "1", "--no-dataplane", "--no-snapshots")
            .snapshots()
            .isEmpty());
  }

  private static HostAgentConfig agentConfig(String... args) {
    return ((AgentCommand)
            SixpnCommand.commandLine().parseArgs(args).subcommand().commandSpec().userObject())
        .config();
  }

  @Test
  void agent_metrics_onLoopbackByDefault_offDisables() {
    AgentCommand byDefault =
        (AgentCommand)
            SixpnCommand.commandLine()
                .parseArgs("agent", "--host", "1", "--no-dataplane")
                .subcommand()
                .commandSpec()
                .userObject();
    assertEquals(
        new java.net.InetSocketAddress("127.0.0.1", 9464),
        byDefault.config().metrics().orElseThrow());
    AgentCommand off =
        (AgentCommand)
            SixpnCommand.commandLine()
                .parseArgs("agent", "--host", "1", "--no-dataplane", "--metrics", "off")
                .subcommand()
                .commandSpec()
                .userObject();
    assertTrue(off.config().metrics().isEmpty());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "nonsense create --help | sixpn: unknown command 'nonsense' (see 'sixpn --help')",
        "nonsense | sixpn: unknown command 'nonsense' (see 'sixpn --help')",
        "state nonsense | sixpn state: unknown command 'nonsense' (see 'sixpn state --help')",
        "state nonsense --help | sixpn state: unknown command 'nonsense'",
        "kafka nonsense --help | sixpn kafka: unknown command 'nonsense'",
        "publish nonsense --help | sixpn publish: unknown command 'nonsense'",
        "state dump --help extra | sixpn state dump: ",
      })
  void unknownCommand_evenWithHelp_oneLineExit2(String args, String expected) {
    Run r = run(args.trim().split(" "));
    assertUsageError(r, expected);
    assertTrue(r.err().startsWith(expected), r.err());
  }

  @Test
  void help_everyCommandAnswers() {
    for (String[] args :
        new String[][] {
          {"--help"},
          {"publish", "--help"},
          {"publish", "host-join", "--help"},
          {"kafka", "--help"},
          {"agent", "--help"},
          {"state", "dump", "--help"},
          {"state", "rebuild", "--help"},
          {"demo", "--help"},
          {"run", "--help"},
          {"monitor", "--help"},
          {"status", "--help"},
          {"kafka", "acls", "--help"},
          {"state", "--help"}
        }) {
      Run r = run(args);
      assertEquals(0, r.code(), String.join(" ", args));
      assertTrue(r.out().startsWith("Usage: sixpn"), r.out());
    }
  }

  /** Exit 2, nothing on stdout, one line on stderr that contains {@code expected}. */
  private static void assertUsageError(Run r, String expected) {
    assertEquals(2, r.code(), r.err());
    assertEquals("", r.out(), r.out());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertTrue(r.err().contains(expected), r.err());
  }

  private static List<ConsumerRecord<String, byte[]>> readAll(String topic) {
    var props = Map.<String, Object>of("bootstrap.servers", broker.bootstrapServers());
    List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
    try (var consumer =
        new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
      var parts =
          consumer.partitionsFor(topic, Duration.ofSeconds(5)).stream()
              .map(p -> new TopicPartition(topic, p.partition()))
              .toList();
      if (parts.isEmpty()) {
        return out;
      }
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      Map<TopicPartition, Long> end = consumer.endOffsets(parts);
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (parts.stream().anyMatch(p -> consumer.position(p) < end.get(p))
          && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(100)).forEach(out::add);
      }
    }
    return out;
  }
}
