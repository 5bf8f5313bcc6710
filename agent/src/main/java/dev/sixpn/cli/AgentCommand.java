package dev.sixpn.cli;

import dev.sixpn.agent.HostAgent;
import dev.sixpn.agent.HostAgentConfig;
import dev.sixpn.dataplane.Dataplane;
import dev.sixpn.dataplane.DataplaneConfig;
import dev.sixpn.dataplane.link.Netns;
import dev.sixpn.dns.forward.ResolvConf;
import dev.sixpn.dns.server.DnsEdgeConfig;
import dev.sixpn.publish.LifecycleTopic;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "agent",
    mixinStandardHelpOptions = true,
    description = {
      "Runs one host's agent in the foreground: the projector (Kafka -> RocksDB), the DNS edge"
          + " and the dataplane (eBPF + WireGuard), in the current network namespace. Stop with Ctrl-C."
    })
final class AgentCommand implements Callable<Integer> {

  @Option(names = "--host", required = true, description = "This host's id, 1..4294967295.")
  long host;

  @picocli.CommandLine.Mixin KafkaOptions kafka;

  @Option(names = "--data-dir", description = "Host directory (default: var/hosts/<host>).")
  Path dataDir;

  @Option(
      names = "--dns-listen",
      description = "DNS listen address ip:port, repeatable (default: [fdaa::3]:53).")
  List<String> dnsListen = new ArrayList<>();

  @Option(
      names = "--dns-udp-engine",
      description =
          "What serves DNS over UDP: RECVMMSG (per-core threads blocking in recvmmsg(2), the"
              + " default on Linux) or NETTY (Netty's datagram channels).")
  DnsEdgeConfig.UdpEngine dnsUdpEngine;

  @Option(names = "--no-dns", description = "Run without the DNS edge.")
  boolean noDns;

  @Option(
      names = "--upstream",
      description = "Resolver for names outside .internal, repeatable (default: /etc/resolv.conf).")
  List<String> upstreams = new ArrayList<>();

  @Option(
      names = "--dev-loopback-network",
      description =
          "DEVELOPMENT ONLY, off by default: answer loopback sources as this network. Any local process could then read that network's names.")
  Long devLoopbackNetwork;

  @Option(
      names = "--no-dataplane",
      description = "Run without BPF and WireGuard (DNS and state only).")
  boolean noDataplane;

  @Option(
      names = "--pin-dir",
      description =
          "bpffs directory for this host's programs and maps (default: /sys/fs/bpf/sixpn-<host>).")
  Path pinDir;

  @Option(names = "--wg-device", description = "WireGuard interface name (default: sixpn<host>).")
  String wgDevice;

  @Option(
      names = "--wg-port",
      defaultValue = "51820",
      description = "WireGuard UDP port (default: ${DEFAULT-VALUE}).")
  int wgPort;

  @Option(
      names = "--region",
      description =
          "This host's region for its host.joined (with --lat, --lon, --endpoint); see"
              + " --announce and --print-host-join.")
  String region;

  @Option(names = "--lat", description = "Latitude for the announcement.")
  Double latitude;

  @Option(names = "--lon", description = "Longitude for the announcement.")
  Double longitude;

  @Option(
      names = "--endpoint",
      description = "Underlay ip:port peers send WireGuard to, for the announcement.")
  String endpoint;

  /** Loopback only; each network namespace has its own, so agents in namespaces never collide. */
  static final String DEFAULT_METRICS = "127.0.0.1:9464";

  @Option(
      names = "--announce",
      description =
          "Publish this host's host.joined itself (needs write access to the topic; for"
              + " development). Without it the agent logs the `sixpn publish host-join` command"
              + " for orchestration to run.")
  boolean publishAnnouncement;

  @Option(
      names = "--print-host-join",
      description =
          "Print the `sixpn publish host-join` command for this host (creating its WireGuard key"
              + " if it has none) and exit without starting.")
  boolean printHostJoin;

  @Option(
      names = "--metrics",
      defaultValue = DEFAULT_METRICS,
      description =
          "The ip:port to serve /metrics, /healthz and /readyz on (default: ${DEFAULT-VALUE}),"
              + " or `off`.")
  String metrics;

  @Option(
      names = "--snapshot-topic",
      paramLabel = "TOPIC",
      description =
          "Topic of snapshots of the state (default: <topic>.snapshots): an empty or rebuilt store"
              + " loads the newest and replays only the log after it.")
  String snapshotTopic;

  @Option(
      names = "--no-snapshots",
      description = "Never load a snapshot: a new or rebuilt store replays the whole log.")
  boolean noSnapshots;

  @Option(
      names = "--snapshot-writer",
      description =
          "Also write snapshots (needs Write on the snapshot topic; see `sixpn kafka acls"
              + " --snapshot-writer-principal`). One or two agents of the fleet, trusted like"
              + " orchestration, since new hosts load what they write.")
  boolean snapshotWriter;

  @Option(
      names = "--snapshot-every-events",
      paramLabel = "N",
      description = "With --snapshot-writer: a snapshot after N folded events (default: 1000000).")
  Long snapshotEveryEvents;

  @Option(
      names = "--snapshot-interval",
      paramLabel = "DURATION",
      description =
          "With --snapshot-writer: a snapshot at least this often while events arrive, ISO-8601,"
              + " ±10% (default: PT1H).")
  Duration snapshotInterval;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    HostAgentConfig config = config();
    if (printHostJoin) {
      if (config.announce().isEmpty()) {
        throw new SixpnCommand.UsageException(
            "--print-host-join needs --region, --lat, --lon and --endpoint");
      }
      String key =
          Dataplane.publicKey(
                  config.dataplane().orElse(DataplaneConfig.defaults(host, config.dataDir())))
              .base64();
      spec.commandLine().getOut().println(config.announce().get().hostJoinCommand(host, key));
      return 0;
    }
    HostAgent agent = HostAgent.start(config);
    Runtime.getRuntime().addShutdownHook(new Thread(agent::close, "agent-shutdown"));
    System.out.println("agent: host " + host + " running, state in " + config.stateDir());
    agent.awaitTermination();
    if (agent.failure().isPresent()) {
      // The agent would go on serving a state that no longer follows the log: exit, so the
      // supervisor restarts it (the store keeps what was committed).
      System.err.println("agent: projector stopped: " + agent.failure().get());
      return 1;
    }
    return 0;
  }

  HostAgentConfig config() {
    if (host < 1 || host > 0xffff_ffffL) {
      throw new SixpnCommand.UsageException("--host must be in 1..4294967295, got " + host);
    }
    Path dir = dataDir != null ? dataDir : Path.of("var", "hosts", Long.toString(host));
    Optional<DnsEdgeConfig> dns = Optional.empty();
    if (!noDns) {
      DnsEdgeConfig c = DnsEdgeConfig.defaults();
      List<InetSocketAddress> listen =
          dnsListen.isEmpty() ? c.listen() : parseAll("--dns-listen", dnsListen);
      List<InetSocketAddress> up =
          upstreams.isEmpty()
              ? ResolvConf.nameservers(ResolvConf.DEFAULT)
              : parseAll("--upstream", upstreams);
      // Never forward to ourselves: that would loop.
      c =
          c.withListen(listen)
              .withUpstreams(
                  up.stream().filter(u -> !listen.contains(u)).toList(), Duration.ofSeconds(1));
      if (dnsUdpEngine != null) {
        c = c.withUdpEngine(dnsUdpEngine);
      }
      if (devLoopbackNetwork != null) {
        c = c.withDevLoopbackNetwork(OptionalLong.of(devLoopbackNetwork));
      }
      dns = Optional.of(c);
    }
    Optional<DataplaneConfig> dataplane = Optional.empty();
    if (!noDataplane) {
      DataplaneConfig d = DataplaneConfig.defaults(host, dir);
      dataplane =
          Optional.of(
              new DataplaneConfig(
                  host,
                  Netns.CURRENT,
                  pinDir != null ? pinDir : Path.of("/sys/fs/bpf/sixpn-" + host),
                  dir,
                  wgDevice != null ? wgDevice : "sixpn" + host,
                  wgPort,
                  d.keepaliveSeconds(),
                  d.mtu(),
                  d.netnsEtc(),
                  d.resync()));
    }
    Optional<HostAgentConfig.Announcement> announce = Optional.empty();
    if (region != null || latitude != null || longitude != null || endpoint != null) {
      if (region == null || latitude == null || longitude == null || endpoint == null) {
        throw new SixpnCommand.UsageException("--region, --lat, --lon and --endpoint go together");
      }
      announce =
          Optional.of(
              new HostAgentConfig.Announcement(
                  region, latitude, longitude, endpoint, publishAnnouncement));
    } else if (publishAnnouncement) {
      throw new SixpnCommand.UsageException(
          "--announce needs --region, --lat, --lon and --endpoint");
    }
    Optional<InetSocketAddress> metricsAddress =
        metrics.equalsIgnoreCase("off")
            ? Optional.empty()
            : Optional.of(parse("--metrics", metrics));
    return new HostAgentConfig(
        host,
        kafka.bootstrap,
        kafka.topic,
        dir,
        dns,
        dataplane,
        announce,
        metricsAddress,
        kafka.clientOverrides(),
        snapshots());
  }

  private Optional<HostAgentConfig.Snapshots> snapshots() {
    if (!snapshotWriter && (snapshotEveryEvents != null || snapshotInterval != null)) {
      throw new SixpnCommand.UsageException(
          "--snapshot-every-events and --snapshot-interval need --snapshot-writer");
    }
    if (noSnapshots) {
      if (snapshotWriter || snapshotTopic != null) {
        throw new SixpnCommand.UsageException(
            "--no-snapshots goes with neither --snapshot-writer nor --snapshot-topic");
      }
      return Optional.empty();
    }
    try {
      return Optional.of(
          new HostAgentConfig.Snapshots(
              snapshotTopic != null ? snapshotTopic : LifecycleTopic.snapshotTopic(kafka.topic),
              snapshotWriter,
              snapshotEveryEvents != null
                  ? snapshotEveryEvents
                  : HostAgentConfig.Snapshots.DEFAULT_EVERY_EVENTS,
              snapshotInterval != null
                  ? snapshotInterval
                  : HostAgentConfig.Snapshots.DEFAULT_INTERVAL));
    } catch (IllegalArgumentException e) {
      throw new SixpnCommand.UsageException("--snapshot-…: " + e.getMessage());
    }
  }

  private static List<InetSocketAddress> parseAll(String option, List<String> values) {
    List<InetSocketAddress> out = new ArrayList<>();
    for (String v : values) {
      out.add(parse(option, v));
    }
    return out;
  }

  private static InetSocketAddress parse(String option, String value) {
    try {
      return DnsEdgeConfig.parseAddress(value);
    } catch (IllegalArgumentException e) {
      throw new SixpnCommand.UsageException(option + ": " + e.getMessage());
    }
  }
}
