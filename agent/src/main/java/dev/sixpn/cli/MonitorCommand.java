package dev.sixpn.cli;

import dev.sixpn.address.Ipv6Text;
import dev.sixpn.address.SixpnAddress;
import dev.sixpn.dataplane.bpf.MapOp;
import dev.sixpn.dataplane.bpf.ProgramLoader;
import dev.sixpn.dataplane.link.Netns;
import dev.sixpn.dataplane.link.NetnsExecutor;
import dev.sixpn.dataplane.maps.DropEventsRing;
import dev.sixpn.dataplane.maps.DropReason;
import dev.sixpn.dataplane.maps.LinkInfo;
import dev.sixpn.dataplane.maps.LinkMap;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.Inet6Address;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sixpn monitor}: dropped packets as they happen, one line each, from the programs' ring
 * buffer ({@link DropEventsRing}) opened through its pin, so it runs beside the agent.
 */
@Command(
    name = "monitor",
    mixinStandardHelpOptions = true,
    description = {
      "Streams the packets this host's BPF programs drop, one line each: time, reason, the"
          + " interface and instance they came from, source, destination, protocol, length. The"
          + " programs report at most 1,000 drops a second per CPU; the rest are counted and shown as"
          + " '+N suppressed'. Reads the pinned maps (works while the agent runs; one monitor at a"
          + " time). Needs root. Stop with Ctrl-C."
    })
final class MonitorCommand implements Callable<Integer> {

  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("HH:mm:ss.SSSSSS").withZone(ZoneOffset.UTC);

  @Option(
      names = "--pin-dir",
      description =
          "The host's bpffs directory (the agent's --pin-dir; default: the only"
              + " /sys/fs/bpf/sixpn-* with a drop ring).")
  Path pinDir;

  @Option(
      names = "--netns",
      description =
          "Network namespace of the host's interfaces, to name them (the demo's hosts; default:"
              + " this one).")
  String netns;

  @Option(
      names = "--reason",
      description =
          "Only drops of this reason (its metric label, e.g. cross_network), repeatable (default:"
              + " every reason).")
  List<String> reasons = new java.util.ArrayList<>();

  @Option(
      names = "--count",
      description = "Exit after this many drops (default: run until stopped).")
  Long count;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec cli;

  @Override
  public Integer call() throws Exception {
    if (count != null && count < 1) {
      throw new SixpnCommand.UsageException("--count must be ≥ 1, got " + count);
    }
    Netns ns = netns == null ? Netns.CURRENT : Netns.named(netns);
    if (!ns.exists()) {
      throw new SixpnCommand.UsageException("--netns: no network namespace named '" + netns + "'");
    }
    java.util.Set<String> known =
        java.util.Arrays.stream(DropReason.values())
            .map(DropReason::label)
            .collect(java.util.stream.Collectors.toSet());
    for (String r : reasons) {
      if (!known.contains(r)) {
        throw new SixpnCommand.UsageException(
            "--reason: unknown reason '" + r + "' (one of " + new java.util.TreeSet<>(known) + ")");
      }
    }
    ProgramLoader.Pins pins = new ProgramLoader.Pins(pinDir != null ? pinDir : onlyPinDir());
    Path ringPin = pins.map(DropEventsRing.NAME);
    if (!Files.exists(ringPin)) {
      throw new SixpnCommand.UsageException(
          "--pin-dir: no drop ring at " + ringPin + " (is the agent of this build running?)");
    }
    PrintWriter out = cli.commandLine().getOut();
    try (DropEventsRing ring = new DropEventsRing(ringPin.toString());
        LinkMap links = new LinkMap(pins.map(LinkMap.NAME).toString(), MapOp.Observer.NONE);
        NetnsExecutor interfaces = new NetnsExecutor(ns)) {
      Names names = new Names(interfaces, links);
      cli.commandLine()
          .getErr()
          .println("sixpn monitor: listening for drops in " + pins.dir() + " (Ctrl-C to stop)");
      long[] seen = {0};
      while (count == null || seen[0] < count) {
        ring.poll(
            Duration.ofMillis(500),
            e -> {
              if ((count == null || seen[0] < count)
                  && (reasons.isEmpty() || reasons.contains(e.reasonLabel()))) {
                out.println(line(e, names));
                seen[0]++;
              }
            });
        out.flush();
      }
    }
    return 0;
  }

  /** The pin directory when exactly one host on this machine has a drop ring. */
  private static Path onlyPinDir() throws IOException {
    Path root = Path.of("/sys/fs/bpf");
    List<Path> found;
    try (Stream<Path> dirs = Files.exists(root) ? Files.list(root) : Stream.empty()) {
      found =
          dirs.filter(d -> d.getFileName().toString().startsWith("sixpn-"))
              .filter(d -> Files.exists(d.resolve("maps").resolve(DropEventsRing.NAME)))
              .sorted()
              .toList();
    }
    if (found.size() != 1) {
      throw new SixpnCommand.UsageException(
          "--pin-dir is required: "
              + (found.isEmpty()
                  ? "no /sys/fs/bpf/sixpn-* has a drop ring (is the agent running?)"
                  : "several hosts here: " + found));
    }
    return found.getFirst();
  }

  static String line(DropEventsRing.DropEvent e, Names names) {
    long ageNanos = System.nanoTime() - e.timeNanos();
    Instant at = Instant.now().minusNanos(Math.max(0, ageNanos));
    StringBuilder b = new StringBuilder();
    b.append(TIME.format(at)).append(" drop ").append(e.reasonLabel());
    b.append(" from ").append(names.link(e.ifindex()));
    names.instance(e.ifindex()).ifPresent(a -> b.append(" (instance ").append(a).append(')'));
    if (e.source().isPresent()) {
      b.append(' ')
          .append(text(e.source().get()))
          .append(" -> ")
          .append(text(e.destination().orElseThrow()))
          .append(' ')
          .append(protocol(e.nextHeader()));
    } else {
      b.append(String.format(" ethertype 0x%04x", e.ethertype()));
    }
    b.append(" len ").append(e.length());
    if (e.suppressedBefore() > 0) {
      b.append(" (+").append(e.suppressedBefore()).append(" suppressed before)");
    }
    return b.toString();
  }

  private static String text(Inet6Address a) {
    return Ipv6Text.format(a.getAddress());
  }

  private static String protocol(int nextHeader) {
    return switch (nextHeader) {
      case 58 -> "icmp6";
      case 6 -> "tcp";
      case 17 -> "udp";
      default -> "proto " + nextHeader;
    };
  }

  /**
   * Interface names and instance addresses by ifindex: the name from the host namespace's interface
   * list (read again when an index is new), the instance from the links map (the address the
   * instance link may send from).
   */
  static final class Names {
    private final NetnsExecutor interfaces;
    private final LinkMap links;
    private Map<Integer, String> byIndex = Map.of();

    Names(NetnsExecutor interfaces, LinkMap links) {
      this.interfaces = interfaces;
      this.links = links;
    }

    String link(int ifindex) {
      if (!byIndex.containsKey(ifindex)) {
        Map<Integer, String> fresh = new HashMap<>();
        interfaces.interfaces().forEach((name, index) -> fresh.put(index, name));
        byIndex = fresh;
      }
      return byIndex.getOrDefault(ifindex, "ifindex " + ifindex);
    }

    Optional<SixpnAddress> instance(int ifindex) {
      return links.lookup(ifindex).map(LinkInfo::address);
    }
  }
}
