package dev.sixpn.bench.dataplane;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sixpn.address.SixpnAddress;
import dev.sixpn.dataplane.Dataplane;
import dev.sixpn.dataplane.DataplaneConfig;
import dev.sixpn.dataplane.DataplaneMetrics;
import dev.sixpn.dataplane.link.Exec;
import dev.sixpn.dataplane.link.LinkNames;
import dev.sixpn.dataplane.link.Netns;
import dev.sixpn.dataplane.wireguard.PeerConfig;
import dev.sixpn.events.Endpoint;
import dev.sixpn.state.Host;
import dev.sixpn.state.Instance;
import dev.sixpn.dataplane.testing.FakeState;
import dev.sixpn.dataplane.testing.Sh;
import dev.sixpn.dataplane.testing.Topology;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * TCP throughput between two instances on two hosts over wireguard-go, with the programs
 * attached (rewrite to mesh form and back, checks on both sides, from_underlay on the underlay)
 * and without them (same
 * namespaces, veths, forwarding and WireGuard; a plain /128 route and AllowedIP instead of the
 * mesh form). iperf3, 5 s per run after 1 s omitted, 5 runs each, interleaved in ABBA order, inside the namespaces.
 */
public final class ThroughputBench {

  static final long H1 = 1;
  static final long H2 = 2;
  static final long NET = 7;

  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    int runs = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    String run = Long.toHexString(System.nanoTime() & 0xffff);
    Map<Long, String> hostNs = Map.of(H1, "sxt" + run + "h1", H2, "sxt" + run + "h2");
    Map<Long, String> underlay = Map.of(H1, "10.202.0.1", H2, "10.202.0.2");
    try (Topology topo = new Topology()) {
      Path state = Files.createTempDirectory("sixpn-bench-tput-");
      topo.directory(state);
      FakeState fake = new FakeState();
      hostNs.values().forEach(topo::netns);
      Sh.mustIn(hostNs.get(H1), "ip", "link", "add", "ut" + run, "type", "veth", "peer", "name", "ut" + run, "netns", hostNs.get(H2));
      for (long h : List.of(H1, H2)) {
        Sh.mustIn(hostNs.get(h), "ip", "addr", "add", underlay.get(h) + "/24", "dev", "ut" + run);
        Sh.mustIn(hostNs.get(h), "ip", "link", "set", "ut" + run, "up");
      }
      Instance a = FakeState.started("t" + run + "-a", NET, H1, 1, Map.of());
      Instance b = FakeState.started("t" + run + "-b", NET, H2, 1, Map.of());
      for (Instance i : List.of(a, b)) {
        String host = hostNs.get(i.host());
        topo.netns(i.instanceId());
        Sh.mustIn(host, "ip", "link", "add", LinkNames.hostSideLink(i), "mtu", "1420", "type", "veth", "peer", "name", "eth0", "mtu", "1420", "netns", i.instanceId());
        Sh.mustIn(host, "ip", "link", "set", LinkNames.hostSideLink(i), "up");
        Sh.mustIn(i.instanceId(), "ip", "link", "set", "eth0", "up");
        Sh.mustIn(i.instanceId(), "ip", "-6", "addr", "add", i.address() + "/128", "dev", "eth0", "nodad");
        Sh.mustIn(i.instanceId(), "ip", "-6", "route", "add", "default", "via", "fe80::1", "dev", "eth0");
        topo.onClose(() -> Topology.deleteTree(state.resolve("etc").resolve(i.instanceId())));
      }
      Map<Long, DataplaneConfig> cfg = Map.of(H1, config(H1, hostNs, state, run, topo), H2, config(H2, hostNs, state, run, topo));
      for (long h : List.of(H1, H2)) {
        fake.putHost(new Host(h, "ams", 0, 0, Dataplane.publicKey(cfg.get(h)).base64(), underlay.get(h) + ":51820"));
      }
      fake.put(a);
      fake.put(b);
      Dataplane d1 = Dataplane.start(cfg.get(H1), fake, fake, new DataplaneMetrics(new PrometheusRegistry()));
      Dataplane d2 = Dataplane.start(cfg.get(H2), fake, fake, new DataplaneMetrics(new PrometheusRegistry()));
      for (Dataplane d : List.of(d1, d2)) {
        d.device().process().ifPresent(topo::process);
        String ns = d.config().netns().name().orElseThrow();
        String wg = d.config().wgDevice();
        topo.onClose(() -> Sh.in(ns, "ip", "link", "del", wg));
      }
      waitForPing(a, b);

      d1.close();
      d2.close();
      // The baseline path: the instances' own addresses routed over WireGuard (a /128 route and
      // AllowedIP), in place throughout; it is used only while the programs are detached (with
      // them, packets are in mesh form before routing and never match it).
      for (Dataplane d : List.of(d1, d2)) {
        String ns = d.config().netns().name().orElseThrow();
        Instance remote = d == d1 ? b : a;
        Dataplane other = d == d1 ? d2 : d1;
        Sh.mustIn(ns, "ip", "-6", "route", "replace", remote.address() + "/128", "dev", d.config().wgDevice());
        d.device().upsertPeer(
            new PeerConfig(
                other.publicKey(),
                Endpoint.parse(underlay.get(other.config().host()) + ":51820"),
                List.of(SixpnAddress.meshPrefixOfHost(other.config().host()), remote.address() + "/128"),
                25));
      }
      // Interleaved so that load from other work on the machine hits both sides alike.
      List<Double> with = new ArrayList<>();
      List<Double> without = new ArrayList<>();
      for (int r = 0; r < runs; r++) {
        // ABBA order: neither side always runs first.
        for (boolean attached : r % 2 == 0 ? new boolean[] {true, false} : new boolean[] {false, true}) {
          programs(attached, d1, d2, a, b);
          waitForPing(a, b);
          (attached ? with : without).add(iperf(a, b, seconds));
        }
      }
      for (Dataplane d : List.of(d1, d2)) {
        try (var drops = new dev.sixpn.dataplane.maps.DropsMap(
            d.config().pinDir().resolve("maps/sixpn_drops").toString(), dev.sixpn.dataplane.bpf.MapOp.Observer.NONE)) {
          var nonZero = new java.util.TreeMap<String, Long>();
          drops.counts().forEach((r, n) -> {
            if (n > 0) {
              nonZero.put(r.label(), n);
            }
          });
          System.out.printf("drops on host %d during the runs: %s%n", d.config().host(), nonZero);
        }
      }
      double mw = median(with);
      double mo = median(without);
      System.out.printf("iperf3 TCP a(h1) -> b(h2), %d s x %d runs%n", seconds, runs);
      System.out.printf("  with programs:    %s Mbit/s, median %.0f%n", fmt(with), mw);
      System.out.printf("  without programs: %s Mbit/s, median %.0f%n", fmt(without), mo);
      System.out.printf("  ratio of medians: %.1f %%%n", 100 * mw / mo);
      List<Double> pairs = new ArrayList<>();
      for (int r = 0; r < runs; r++) {
        pairs.add(100 * with.get(r) / without.get(r));
      }
      System.out.printf("  per adjacent pair (with/without): %s %%, median %.1f %%%n", fmt(pairs), median(pairs));
    }
  }

  static void programs(boolean attached, Dataplane d1, Dataplane d2, Instance a, Instance b) {
    for (Dataplane d : List.of(d1, d2)) {
      String ns = d.config().netns().name().orElseThrow();
      String link = LinkNames.hostSideLink(d == d1 ? a : b);
      String wg = d.config().wgDevice();
      Path progs = d.config().pinDir().resolve("progs");
      String ul = d.config().underlayDevices().getFirst();
      if (attached) {
        Sh.mustIn(ns, "tc", "filter", "replace", "dev", ul, "ingress", "pref", "1", "handle", "1", "bpf", "da", "object-pinned", progs.resolve("from_underlay").toString());
        Sh.mustIn(ns, "tc", "filter", "replace", "dev", link, "ingress", "pref", "1", "handle", "1", "bpf", "da", "object-pinned", progs.resolve("from_instance").toString());
        Sh.mustIn(ns, "tc", "filter", "replace", "dev", wg, "ingress", "pref", "1", "handle", "1", "bpf", "da", "object-pinned", progs.resolve("from_mesh").toString());
      } else {
        Sh.in(ns, "tc", "filter", "del", "dev", link, "ingress"); // may already be detached
        Sh.in(ns, "tc", "filter", "del", "dev", wg, "ingress");
        Sh.in(ns, "tc", "filter", "del", "dev", ul, "ingress");
      }
    }
  }

  static DataplaneConfig config(long h, Map<Long, String> hostNs, Path state, String run, Topology topo) {
    Path pins = Path.of("/sys/fs/bpf", "sixpn-bench-" + hostNs.get(h));
    topo.pins(pins);
    return new DataplaneConfig(
        h, Netns.named(hostNs.get(h)), pins, state.resolve("h" + h), "wgt" + run + "h" + h, 51820, 25, 1420,
        state.resolve("etc"), Duration.ofMinutes(10), List.of("ut" + run));
  }

  static void waitForPing(Instance a, Instance b) throws InterruptedException {
    for (int i = 0; i < 50; i++) {
      if (Sh.in(a.instanceId(), "ping", "-6", "-c", "1", "-W", "1", b.address().toString()).ok()) {
        return;
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException(a.instanceId() + " cannot reach " + b.instanceId());
  }

  static double iperf(Instance a, Instance b, int seconds) throws Exception {
    Process server =
        Netns.named(b.instanceId())
            .command("iperf3", "-s", "-1", "-B", b.address().toString())
            .mergeStderr()
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    try {
      Thread.sleep(300);
      Exec.Result r =
          Netns.named(a.instanceId())
              .command("iperf3", "-c", b.address().toString(), "-t", String.valueOf(seconds), "-O", "1", "-J")
              .timeout(Duration.ofSeconds(seconds + 15))
              .run();
      JsonNode json = new ObjectMapper().readTree(r.stdout());
      if (!r.ok() || json.has("error")) {
        throw new IllegalStateException("iperf3 failed: " + r.stdout() + r.stderr());
      }
      return json.get("end").get("sum_received").get("bits_per_second").asDouble() / 1e6;
    } finally {
      server.destroy();
      server.waitFor();
    }
  }

  static double median(List<Double> xs) {
    List<Double> s = new ArrayList<>(xs);
    Collections.sort(s);
    return s.get(s.size() / 2);
  }

  static String fmt(List<Double> xs) {
    return xs.stream().map(x -> String.format("%.0f", x)).toList().toString();
  }
}
