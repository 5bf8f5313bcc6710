package dev.sixpn.dataplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sixpn.address.SixpnAddress;
import dev.sixpn.dataplane.bpf.Bpf;
import dev.sixpn.dataplane.bpf.ProgramLoader;
import dev.sixpn.dataplane.bpf.TcxLinks;
import dev.sixpn.dataplane.link.Exec;
import dev.sixpn.dataplane.link.LinkNames;
import dev.sixpn.dataplane.link.Netns;
import dev.sixpn.dataplane.link.NetnsExecutor;
import dev.sixpn.dataplane.link.Prefixes;
import dev.sixpn.dataplane.maps.DropEventsRing;
import dev.sixpn.dataplane.maps.DropReason;
import dev.sixpn.dataplane.maps.LinkInfo;
import dev.sixpn.dataplane.maps.LocalInstance;
import dev.sixpn.dataplane.reconcile.Desired;
import dev.sixpn.dataplane.testing.FakeState;
import dev.sixpn.dataplane.testing.Privileges;
import dev.sixpn.dataplane.testing.Sh;
import dev.sixpn.dataplane.testing.Topology;
import dev.sixpn.dataplane.wireguard.PeerConfig;
import dev.sixpn.dataplane.wireguard.WgKey;
import dev.sixpn.events.Endpoint;
import dev.sixpn.state.Host;
import dev.sixpn.state.Instance;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Two hosts x two networks x two instances, all real: network namespaces, veths, the BPF programs
 * attached as tcx links, wireguard-go over a veth underlay, the reconciler fed by a fake projected
 * state. Hosts are namespaces {@code sx<run>h1/h2} joined by a veth with IPv4 and IPv6 underlay
 * addresses (h1 publishes its IPv4 endpoint, h2 its IPv6 one); every instance is its own namespace
 * behind a veth into its host.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MeshEndToEndTest {

  static final long H1 = 0x11;
  static final long H2 = 0x22;
  static final long N1 = 0x100a;
  static final long N2 = 0x200b;

  final String run =
      HexFormat.of().toHexDigits((short) ThreadLocalRandom.current().nextInt()).toLowerCase();
  final Topology topo = new Topology();
  final FakeState state = new FakeState();
  final Map<Long, String> hostNs = Map.of(H1, "sx" + run + "h1", H2, "sx" + run + "h2");

  /** Underlay endpoints: h1 publishes an IPv4 one, h2 an IPv6 one (both families exercised). */
  final Map<Long, String> endpoint = Map.of(H1, "10.201.0.1:51820", H2, "[fd00:201::2]:51820");

  final Map<Long, DataplaneConfig> configs = new HashMap<>();
  final Map<Long, Dataplane> dataplanes = new HashMap<>();
  final Map<Long, PrometheusRegistry> registries = new HashMap<>();

  /** Instance id to instance, in creation order. */
  final Map<String, Instance> instances = new LinkedHashMap<>();

  Path stateRoot;

  @BeforeAll
  void setUp() throws Exception {
    Privileges.requireKernelAndTools("ip", "tc", "bpftool", "nsenter", "ping", "wireguard-go");
    stateRoot = Files.createTempDirectory("sixpn-dp-e2e-");
    topo.directory(stateRoot);
    Path etcNetns = Path.of("/etc/netns");
    if (!Files.exists(etcNetns)) {
      // Made by the dataplane's first resolver file; removed again if nothing else is in it.
      topo.onClose(
          () -> {
            try {
              Files.deleteIfExists(etcNetns);
            } catch (java.io.IOException notEmpty) {
              System.err.println("cleanup: /etc/netns kept: " + notEmpty);
            }
          });
    }
    for (long h : List.of(H1, H2)) {
      topo.netns(hostNs.get(h));
    }
    // Underlay: one veth between the two host namespaces.
    Sh.mustIn(
        hostNs.get(H1),
        "ip",
        "link",
        "add",
        "ul" + run,
        "type",
        "veth",
        "peer",
        "name",
        "ul" + run,
        "netns",
        hostNs.get(H2));
    for (long h : List.of(H1, H2)) {
      Sh.mustIn(
          hostNs.get(h),
          "ip",
          "addr",
          "add",
          "10.201.0." + (h == H1 ? 1 : 2) + "/24",
          "dev",
          "ul" + run);
      Sh.mustIn(
          hostNs.get(h),
          "ip",
          "-6",
          "addr",
          "add",
          "fd00:201::" + (h == H1 ? 1 : 2) + "/64",
          "dev",
          "ul" + run,
          "nodad");
      Sh.mustIn(hostNs.get(h), "ip", "link", "set", "ul" + run, "up");
    }
    for (long h : List.of(H1, H2)) {
      for (long n : List.of(N1, N2)) {
        for (int k = 1; k <= 2; k++) {
          Instance i = FakeState.started(id(h, n, k), n, h, k, Map.of());
          instances.put(i.instanceId(), i);
          createInstanceNamespace(i);
        }
      }
    }
    for (long h : List.of(H1, H2)) {
      configs.put(h, config(h));
      state.putHost(
          new Host(
              h, "ams", 52.37, 4.9, Dataplane.publicKey(configs.get(h)).base64(), endpoint.get(h)));
    }
    instances.values().forEach(state::put);
    for (long h : List.of(H1, H2)) {
      start(h);
    }
  }

  String id(long host, long network, int k) {
    return "sx"
        + run
        + "-h"
        + (host == H1 ? 1 : 2)
        + "-n"
        + (network == N1 ? 1 : 2)
        + "-"
        + (char) ('a' + k - 1);
  }

  DataplaneConfig config(long h) {
    String name = hostNs.get(h);
    Path pins = Path.of("/sys/fs/bpf", "sixpn-test-" + name);
    topo.pins(pins);
    return new DataplaneConfig(
        h,
        Netns.named(name),
        pins,
        stateRoot.resolve(name),
        "wg" + run + (h == H1 ? "h1" : "h2"),
        51820,
        5,
        1420,
        Path.of("/etc/netns"),
        Duration.ofSeconds(30));
  }

  void start(long h) {
    PrometheusRegistry registry = new PrometheusRegistry();
    registries.put(h, registry);
    Dataplane dp =
        Dataplane.start(configs.get(h), state, state, new DataplaneMetrics(registry), () -> true);
    dataplanes.put(h, dp);
    dp.device().process().ifPresent(topo::process);
    String wg = configs.get(h).wgDevice();
    topo.onClose(() -> Sh.in(hostNs.get(h), "ip", "link", "del", wg));
  }

  void createInstanceNamespace(Instance i) {
    String ns = i.instanceId();
    String host = hostNs.get(i.host());
    String link = LinkNames.hostSideLink(i);
    topo.netns(ns);
    topo.onClose(() -> Topology.deleteTree(Path.of("/etc/netns", ns)));
    Sh.mustIn(
        host, "ip", "link", "add", link, "mtu", "1420", "type", "veth", "peer", "name", "eth0",
        "mtu", "1420", "netns", ns);
    Sh.mustIn(host, "ip", "link", "set", link, "up");
    Sh.mustIn(ns, "ip", "link", "set", "eth0", "up");
    Sh.mustIn(ns, "ip", "-6", "addr", "add", i.address() + "/128", "dev", "eth0", "nodad");
    Sh.mustIn(ns, "ip", "-6", "route", "add", "default", "via", "fe80::1", "dev", "eth0");
  }

  @AfterAll
  void tearDown() {
    for (Dataplane dp : dataplanes.values()) {
      try {
        dp.close();
      } catch (RuntimeException e) {
        System.err.println("closing dataplane: " + e);
      }
    }
    topo.close();
  }

  // ---------------------------------------------------------------------------------------------

  Instance inst(long h, long n, int k) {
    return instances.get(id(h, n, k));
  }

  boolean ping(Instance from, SixpnAddress to, String source) {
    List<String> cmd =
        new ArrayList<>(List.of("ping", "-6", "-n", "-q", "-c", "2", "-i", "0.2", "-W", "1"));
    if (source != null) {
      cmd.addAll(List.of("-I", source));
    }
    cmd.add(to.toString());
    return Sh.in(from.instanceId(), cmd.toArray(String[]::new)).ok();
  }

  static void eventually(String what, Duration timeout, BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + timeout + ": " + what);
      }
      Thread.sleep(100);
    }
  }

  void assertReachable(Instance from, Instance to) throws Exception {
    eventually(
        from.instanceId() + " pings " + to.instanceId(),
        Duration.ofSeconds(8),
        () -> ping(from, to.address(), null));
    assertTrue(
        tcpEcho(from, to, Duration.ofSeconds(5)), from.instanceId() + " TCP to " + to.instanceId());
  }

  /** A TCP connection from one instance namespace to a listener in another, with an echo. */
  boolean tcpEcho(Instance from, Instance to, Duration timeout) throws Exception {
    try (NetnsExecutor server = new NetnsExecutor(Netns.named(to.instanceId()));
        NetnsExecutor client = new NetnsExecutor(Netns.named(from.instanceId()))) {
      ServerSocket ss =
          server
              .submit(
                  () -> {
                    ServerSocket s = new ServerSocket();
                    s.bind(new InetSocketAddress(to.address().toInetAddress(), 0));
                    s.setSoTimeout((int) timeout.toMillis());
                    return s;
                  })
              .get(5, TimeUnit.SECONDS);
      try (ss) {
        var accepted =
            server.submit(
                () -> {
                  try (Socket s = ss.accept()) {
                    InputStream in = s.getInputStream();
                    OutputStream out = s.getOutputStream();
                    out.write(in.readNBytes(5));
                    out.flush();
                  }
                  return true;
                });
        var sent =
            client.submit(
                () -> {
                  try (Socket s = new Socket()) {
                    s.connect(
                        new InetSocketAddress(to.address().toInetAddress(), ss.getLocalPort()),
                        (int) timeout.toMillis());
                    s.setSoTimeout((int) timeout.toMillis());
                    s.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
                    return new String(s.getInputStream().readNBytes(5), StandardCharsets.US_ASCII)
                        .equals("hello");
                  } catch (java.io.IOException e) {
                    return false;
                  }
                });
        boolean ok = sent.get(timeout.toSeconds() + 5, TimeUnit.SECONDS);
        if (ok) {
          accepted.get(5, TimeUnit.SECONDS);
        }
        return ok;
      }
    }
  }

  long drops(long host, DropReason reason) {
    return dataplanes.get(host).maps().drops().count(reason);
  }

  // ---------------------------------------------------------------------------------------------

  @Test
  @Order(1)
  void mesh_sameNetwork_reachesOnOneHostAndAcrossHosts() throws Exception {
    for (long n : List.of(N1, N2)) {
      assertReachable(inst(H1, n, 1), inst(H1, n, 2));
      assertReachable(inst(H2, n, 2), inst(H2, n, 1));
      assertReachable(inst(H1, n, 1), inst(H2, n, 1));
      assertReachable(inst(H2, n, 2), inst(H1, n, 2));
    }
  }

  @Test
  @Order(2)
  void reconcile_namespaceInstance_getsResolverFiles() throws Exception {
    Instance i = inst(H1, N1, 1);
    String resolv = Files.readString(Path.of("/etc/netns", i.instanceId(), "resolv.conf"));
    String hosts = Files.readString(Path.of("/etc/netns", i.instanceId(), "hosts"));
    assertTrue(resolv.contains("nameserver fdaa::3"), resolv);
    assertTrue(hosts.contains(i.address() + "\tlocal-6pn"), hosts);
  }

  @Test
  @Order(3)
  void mesh_everyCrossNetworkPair_isDropped() throws Exception {
    long before1 = drops(H1, DropReason.CROSS_NETWORK);
    long before2 = drops(H2, DropReason.CROSS_NETWORK);
    List<CompletableFuture<String>> leaks = new ArrayList<>();
    var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();
    int pairs = 0;
    for (Instance from : instances.values()) {
      for (Instance to : instances.values()) {
        if (from.network() != to.network()) {
          pairs++;
          leaks.add(
              CompletableFuture.supplyAsync(
                  () ->
                      ping(from, to.address(), null)
                          ? from.instanceId() + "->" + to.instanceId()
                          : null,
                  pool));
        }
      }
    }
    List<String> leaked =
        leaks.stream().map(CompletableFuture::join).filter(s -> s != null).toList();
    pool.close();
    assertEquals(List.of(), leaked, "cross-network pairs that got through");
    assertEquals(32, pairs, "8 instances, 4 in each network");
    // Each pair sent two echo requests; the sender's host drops them before any routing.
    assertTrue(drops(H1, DropReason.CROSS_NETWORK) - before1 >= 32, "h1 cross-network drops");
    assertTrue(drops(H2, DropReason.CROSS_NETWORK) - before2 >= 32, "h2 cross-network drops");
    assertEquals(
        drops(H1, DropReason.CROSS_NETWORK),
        metric(H1, "sixpn_dataplane_drops", "reason", "cross_network"),
        "exported as a metric");
    assertTrue(metric(H1, "sixpn_dataplane_map_ops", "op", "update") > 0);
    assertTrue(metric(H1, "sixpn_dataplane_reconcile_runs", "scope", "maps") > 0);
  }

  @Test
  @Order(4)
  void monitor_crossNetworkPing_isADropEventWithinASecond() throws Exception {
    Instance from = inst(H1, N1, 1);
    Instance to = inst(H2, N2, 1);
    int ifindex;
    try (NetnsExecutor h1 = new NetnsExecutor(Netns.named(hostNs.get(H1)))) {
      ifindex = h1.interfaces().get(LinkNames.hostSideLink(from.instanceId()));
    }
    String ringPin =
        configs.get(H1).pinDir().resolve("maps").resolve(DropEventsRing.NAME).toString();
    try (DropEventsRing ring = new DropEventsRing(ringPin)) {
      CompletableFuture<DropEventsRing.DropEvent> seen = new CompletableFuture<>();
      Thread reader =
          Thread.ofPlatform()
              .start(
                  () -> {
                    while (!seen.isDone()) {
                      ring.poll(
                          Duration.ofMillis(100),
                          e -> {
                            if (e.reason().equals(java.util.Optional.of(DropReason.CROSS_NETWORK))
                                && e.destination()
                                    .map(
                                        d ->
                                            SixpnAddress.fromBytes(d.getAddress())
                                                .equals(to.address()))
                                    .orElse(false)) {
                              seen.complete(e);
                            }
                          });
                    }
                  });
      long t0 = System.nanoTime();
      CompletableFuture<Exec.Result> ping =
          CompletableFuture.supplyAsync(
              () ->
                  Sh.in(
                      from.instanceId(),
                      "ping",
                      "-6",
                      "-n",
                      "-q",
                      "-c",
                      "1",
                      "-W",
                      "1",
                      to.address().toString()));
      DropEventsRing.DropEvent e;
      try {
        e = seen.get(1, TimeUnit.SECONDS);
      } finally {
        seen.complete(null);
        reader.join();
      }
      long micros = (System.nanoTime() - t0) / 1000;
      assertFalse(ping.join().ok(), "cross-network ping answered");
      assertEquals(ifindex, e.ifindex(), "the instance's host-side link");
      assertEquals(from.address(), SixpnAddress.fromBytes(e.source().orElseThrow().getAddress()));
      assertEquals(58, e.nextHeader(), "ICMPv6");
      assertEquals(0x86dd, e.ethertype());
      System.out.printf("cross-network ping -> drop event read: %d us%n", micros);
    }
  }

  /** The sum of a counter's data points whose label {@code label} is {@code value}. */
  long metric(long host, String name, String label, String value) {
    long sum = 0;
    for (var snapshot : registries.get(host).scrape()) {
      if (snapshot.getMetadata().getName().equals(name)
          && snapshot instanceof io.prometheus.metrics.model.snapshots.CounterSnapshot c) {
        for (var dp : c.getDataPoints()) {
          if (value.equals(dp.getLabels().get(label))) {
            sum += (long) dp.getValue();
          }
        }
      }
    }
    return sum;
  }

  @Test
  @Order(4)
  void fromMesh_senderSkippingTheSourceCheck_isStoppedByTheReceiver() throws Exception {
    // h1's own stack (no from_instance on its path) sends a mesh-form packet from network N1 to
    // an N2 instance on h2: only h2's from_mesh stands in the way.
    Instance victim = inst(H2, N2, 1);
    SixpnAddress forged = SixpnAddress.ofInstance(N1, H1, 77);
    String forgedMesh = Prefixes.canonical(meshText(forged)).replace("/128", "");
    Sh.mustIn(hostNs.get(H1), "ip", "-6", "addr", "add", forgedMesh + "/128", "dev", "lo", "nodad");
    long before = drops(H2, DropReason.MESH_CROSS_NETWORK);
    Exec.Result r =
        Sh.in(
            hostNs.get(H1),
            "ping",
            "-6",
            "-n",
            "-q",
            "-c",
            "2",
            "-i",
            "0.2",
            "-W",
            "1",
            "-I",
            forgedMesh,
            meshText(victim.address()));
    assertFalse(r.ok(), "forged cross-network mesh packet answered");
    eventually(
        "h2 counts mesh cross-network drops",
        Duration.ofSeconds(3),
        () -> drops(H2, DropReason.MESH_CROSS_NETWORK) > before);
    Sh.mustIn(hostNs.get(H1), "ip", "-6", "addr", "del", forgedMesh + "/128", "dev", "lo");
  }

  @Test
  @Order(4)
  void fromUnderlay_6pnPacketsOutsideWireGuard_areDropped() throws Exception {
    // A machine on the underlay LAN (here: h1's own stack) routes a bare 6PN packet to h2's
    // underlay address. Without from_underlay, h2 would forward it to the instance (forwarding
    // is on), bypassing from_mesh.
    Instance victim = inst(H2, N1, 1);
    String host1 = hostNs.get(H1);
    Sh.mustIn(
        host1,
        "ip",
        "-6",
        "route",
        "add",
        victim.address() + "/128",
        "via",
        "fd00:201::2",
        "dev",
        "ul" + run);
    long before = drops(H2, DropReason.UNDERLAY_6PN);
    long echoesBefore = icmp6InEchos(victim);
    try {
      assertFalse(
          Sh.in(
                  host1,
                  "ping",
                  "-6",
                  "-n",
                  "-q",
                  "-c",
                  "2",
                  "-i",
                  "0.2",
                  "-W",
                  "1",
                  victim.address().toString())
              .ok());
      assertTrue(drops(H2, DropReason.UNDERLAY_6PN) - before >= 2, "h2 counts underlay 6PN drops");
      assertEquals(echoesBefore, icmp6InEchos(victim), "nothing reached the instance");
    } finally {
      Sh.mustIn(
          host1,
          "ip",
          "-6",
          "route",
          "del",
          victim.address() + "/128",
          "via",
          "fd00:201::2",
          "dev",
          "ul" + run);
    }
  }

  static long icmp6InEchos(Instance i) {
    for (String line :
        Sh.in(i.instanceId(), "cat", "/proc/net/snmp6").orThrow("").stdout().split("\n")) {
      String[] f = line.trim().split("\\s+");
      if (f.length == 2 && f[0].equals("Icmp6InEchos")) {
        return Long.parseLong(f[1]);
      }
    }
    throw new AssertionError("no Icmp6InEchos in /proc/net/snmp6");
  }

  static String meshText(SixpnAddress a) {
    byte[] b = a.toMeshForm();
    return Prefixes.canonical(dev.sixpn.address.Ipv6Text.format(b)).replace("/128", "");
  }

  @Test
  @Order(5)
  void fromInstance_spoofedSource_isDropped() throws Exception {
    Instance from = inst(H1, N1, 1);
    Instance to = inst(H1, N1, 2);
    SixpnAddress spoof = inst(H1, N1, 2).address(); // a neighbour's address, same network
    SixpnAddress spoofRemote = SixpnAddress.ofInstance(N1, H1, 99);
    long before = drops(H1, DropReason.SPOOFED_SOURCE);
    Sh.mustIn(
        from.instanceId(), "ip", "-6", "addr", "add", spoofRemote + "/128", "dev", "eth0", "nodad");
    try {
      assertFalse(
          ping(from, to.address(), spoofRemote.toString()), "spoofed source reached a neighbour");
      assertFalse(
          ping(from, inst(H2, N1, 1).address(), spoofRemote.toString()),
          "spoofed source crossed the mesh");
      assertTrue(
          drops(H1, DropReason.SPOOFED_SOURCE) - before >= 4, "spoofed-source drops counted");
    } finally {
      Sh.mustIn(from.instanceId(), "ip", "-6", "addr", "del", spoofRemote + "/128", "dev", "eth0");
    }
    assertTrue(spoof.network() == N1);
  }

  @Test
  @Order(6)
  void reconcile_linkAppearingAfterItsStartEvent_isPluggedInAtOnce() throws Exception {
    // The runtime may publish instance.started before it creates the link; the link watcher
    // (ip monitor link) must bring the pass forward instead of waiting for the 30 s resync.
    Instance late = FakeState.started("sx" + run + "-h2-n2-c", N2, H2, 3, Map.of());
    instances.put(late.instanceId(), late);
    state.put(late);
    Thread.sleep(300);
    assertTrue(
        dataplanes.get(H2).maps().locals().lookup(late.address()).isEmpty(), "no link, no entry");
    createInstanceNamespace(late);
    assertReachable(inst(H1, N2, 1), late);
    assertReachable(late, inst(H2, N2, 1));
    assertFalse(ping(late, inst(H2, N1, 1).address(), null), "and isolated");
  }

  @Test
  @Order(7)
  void reconcile_killedWireguardGo_isRestartedAndTheMeshHeals() throws Exception {
    Dataplane dp = dataplanes.get(H2);
    ProcessHandle wg = dp.device().process().orElseThrow();
    wg.destroyForcibly();
    wg.onExit().get(5, TimeUnit.SECONDS);
    // The TUN device went with the process; the link watcher wakes the plumbing loop, which
    // restarts wireguard-go and restores key, peers, from_mesh and the mesh route.
    eventually(
        "h2's wireguard-go is back",
        Duration.ofSeconds(10),
        () -> dp.device().process().filter(p -> p.pid() != wg.pid()).isPresent());
    dp.device().process().ifPresent(topo::process);
    eventually(
        "the mesh heals",
        Duration.ofSeconds(20),
        () -> ping(inst(H1, N1, 1), inst(H2, N1, 1).address(), null));
    assertTrue(tcpEcho(inst(H2, N2, 1), inst(H1, N2, 1), Duration.ofSeconds(5)));
  }

  @Test
  @Order(8)
  void reconcile_stoppedInstance_isUnreachable() throws Exception {
    Instance stopped = inst(H2, N1, 2);
    assertReachable(inst(H1, N1, 1), stopped);
    state.stop(stopped.instanceId());
    eventually(
        "h2 removes the stopped instance from its maps",
        Duration.ofSeconds(5),
        () -> dataplanes.get(H2).maps().locals().lookup(stopped.address()).isEmpty());
    assertFalse(
        ping(inst(H1, N1, 1), stopped.address(), null), "stopped instance reached across hosts");
    assertFalse(
        ping(inst(H2, N1, 1), stopped.address(), null), "stopped instance reached on its host");
    assertFalse(
        Files.exists(Path.of("/etc/netns", stopped.instanceId(), "resolv.conf")),
        "resolver file pruned");
    assertTrue(drops(H2, DropReason.MESH_UNKNOWN_DEST) > 0);
    assertTrue(drops(H2, DropReason.UNKNOWN_LOCAL_DEST) > 0);
  }

  @Test
  @Order(9)
  void start_afterARestart_convergesExactlyAndTrafficFlows() throws Exception {
    Dataplane old = dataplanes.remove(H1);
    old.close();
    // While the agent is away: the programs keep forwarding, the state moves on, and someone
    // leaves junk in the maps and the device.
    assertTrue(
        ping(inst(H1, N1, 1), inst(H2, N1, 1).address(), null),
        "traffic flows while the agent is down");
    Instance gone = inst(H1, N2, 2);
    state.stop(gone.instanceId());
    try (var locals =
            new dev.sixpn.dataplane.maps.LocalsMap(
                configs.get(H1).pinDir().resolve("maps/sixpn_locals").toString(), (o, ok) -> {});
        var links =
            new dev.sixpn.dataplane.maps.LinkMap(
                configs.get(H1).pinDir().resolve("maps/sixpn_links").toString(), (o, ok) -> {})) {
      locals.put(SixpnAddress.ofInstance(N2, H1, 4242), new LocalInstance(4242, 0));
      links.put(4242, new LinkInfo(SixpnAddress.ofInstance(N2, H1, 4242), 0));
    }
    // A runtime makes a link while the agent is away: it is bare until the agent is back.
    Instance whileDown = FakeState.started("sx" + run + "-h1-down", N1, H1, 77, Map.of());
    String downLink = LinkNames.hostSideLink(whileDown);
    Sh.mustIn(
        hostNs.get(H1), "ip", "link", "add", downLink, "type", "veth", "peer", "name", "dn" + run);
    int downIfindex;
    try (var ifs = new dev.sixpn.dataplane.link.NetnsExecutor(configs.get(H1).netns())) {
      downIfindex = ifs.interfaces().get(downLink);
    }
    assertEquals(
        Set.of(), programsOn(H1, downIfindex), "nobody filters it while the agent is down");
    WgKey junkPeer = WgKey.ofBytes(new byte[32]);
    old.device()
        .upsertPeer(
            new PeerConfig(
                WgKey.ofBytes(filled(7)),
                Endpoint.parse("10.201.0.9:51820"),
                List.of("fdab:0:99::/48"),
                0));

    start(H1);
    Dataplane dp = dataplanes.get(H1);
    assertEquals(
        Set.of(ProgramLoader.FROM_INSTANCE),
        programsOn(H1, downIfindex),
        "a link made while the agent was down is filtered once it is up");
    Desired desired;
    try (var ifs = new dev.sixpn.dataplane.link.NetnsExecutor(configs.get(H1).netns())) {
      desired =
          Desired.compute(
              H1,
              state.instancesOnHost(H1),
              state.hosts(),
              ifs.interfaces(),
              n -> Netns.named(n).exists(),
              configs.get(H1).wgDevice(),
              5);
    }
    assertEquals(desired.links(), dp.maps().links().entries(), "link map equals the state");
    assertEquals(desired.locals(), dp.maps().locals().entries(), "locals map equals the state");
    // Endpoints are left out: WireGuard roams to wherever the peer's packets come from (here h2
    // publishes IPv6 but reaches h1's IPv4 endpoint from its IPv4 address).
    assertEquals(
        withoutEndpoints(desired.peers()),
        withoutEndpoints(dp.device().state().peers()),
        "peers equal the state");
    assertEquals(3, dp.maps().locals().entries().size(), "h1 has 3 started instances left");
    var again = dp.reconcileNow();
    assertEquals(0, again.changes(), "a pass after convergence changes nothing: " + again);
    assertFalse(dp.device().state().peers().containsKey(junkPeer));
    assertReachable(inst(H1, N1, 1), inst(H2, N1, 1));
    assertReachable(inst(H1, N1, 2), inst(H1, N1, 1));
    assertFalse(
        ping(inst(H1, N2, 1), gone.address(), null),
        "instance stopped during the restart is unreachable");
  }

  @Test
  @Order(10)
  void reconcile_programsChangedFromOutside_areReadBackAndRestored() throws Exception {
    Path pins = configs.get(H1).pinDir();
    String ns = hostNs.get(H1);
    Instance i = inst(H1, N1, 1);
    Map<String, Integer> ifs;
    try (var exec = new dev.sixpn.dataplane.link.NetnsExecutor(Netns.named(ns))) {
      ifs = exec.interfaces();
      int link = ifs.get(LinkNames.hostSideLink(i));
      int underlay = ifs.get("ul" + run);
      // Someone detaches the instance link's program and puts from_instance on the underlay (a
      // link pinned outside our directory, so it outlives this call).
      int pinned = Bpf.objGet(pins.resolve("links/" + link).toString());
      TcxLinks.detach(pinned);
      Bpf.close(pinned);
      Path stray = Path.of("/sys/fs/bpf", "sixpn-test-stray-" + run);
      topo.onClose(() -> Sh.run("rm", "-f", stray.toString()));
      int prog = Bpf.objGet(pins.resolve("progs/" + ProgramLoader.FROM_INSTANCE).toString());
      exec.call(
          () -> {
            int fd = TcxLinks.attachIngress(prog, underlay);
            TcxLinks.pin(fd, stray.toString());
            Bpf.close(fd);
            return null;
          });
      Bpf.close(prog);
      assertEquals(
          Map.of(underlay, Set.of(ProgramLoader.FROM_INSTANCE, ProgramLoader.FROM_UNDERLAY)),
          Map.of(underlay, programsOn(H1, underlay)),
          "the stray is there");
      assertEquals(Set.of(), programsOn(H1, link), "the instance link is bare");
      assertEquals(
          linksOn(H1, underlay),
          exec.call(() -> TcxLinks.queryIngress(underlay)).stream()
              .filter(a -> programIds(H1).containsKey(a.progId()))
              .map(TcxLinks.Attached::linkId)
              .collect(java.util.stream.Collectors.toSet()),
          "one BPF_PROG_QUERY in the namespace names the links that walking every link finds");
      assertEquals(
          List.of(), exec.call(() -> TcxLinks.queryIngress(link)), "and nothing on the bare link");

      var pass = dataplanes.get(H1).reconcileNow();
      assertTrue(pass.ok(), pass.toString());
      assertEquals(Set.of(ProgramLoader.FROM_INSTANCE), programsOn(H1, link), "restored");
      assertEquals(
          Set.of(ProgramLoader.FROM_UNDERLAY), programsOn(H1, underlay), "the stray is gone");
      assertEquals(
          Set.of(ProgramLoader.FROM_MESH), programsOn(H1, ifs.get(configs.get(H1).wgDevice())));
      assertEquals(Set.of(), programsOn(H1, ifs.get("lo")));
    }
    assertReachable(i, inst(H2, N1, 1));
    assertEquals(0, dataplanes.get(H1).reconcileNow().changes(), "converged");
  }

  /** Host {@code h}'s program ids to their names. */
  Map<Integer, String> programIds(long h) {
    Map<Integer, String> byId = new HashMap<>();
    for (String p : ProgramLoader.PROGRAMS) {
      int fd = Bpf.objGet(configs.get(h).pinDir().resolve("progs/" + p).toString());
      byId.put(TcxLinks.programId(fd), p);
      Bpf.close(fd);
    }
    return byId;
  }

  /** The tcx links running host {@code h}'s programs on {@code ifindex}, by walking every link. */
  List<TcxLinks.Link> tcxLinksOn(long h, int ifindex) {
    Map<Integer, String> byId = programIds(h);
    return TcxLinks.all().stream()
        .filter(l -> l.ifindex() == ifindex && byId.containsKey(l.progId()))
        .toList();
  }

  Set<Integer> linksOn(long h, int ifindex) {
    return tcxLinksOn(h, ifindex).stream()
        .map(TcxLinks.Link::id)
        .collect(java.util.stream.Collectors.toSet());
  }

  /** Names of host {@code h}'s programs attached (tcx) on {@code ifindex}, read from the kernel. */
  Set<String> programsOn(long h, int ifindex) {
    Map<Integer, String> byId = programIds(h);
    return tcxLinksOn(h, ifindex).stream()
        .map(l -> byId.get(l.progId()))
        .collect(java.util.stream.Collectors.toSet());
  }

  static Map<WgKey, List<Object>> withoutEndpoints(Map<WgKey, PeerConfig> peers) {
    Map<WgKey, List<Object>> out = new HashMap<>();
    peers.forEach((k, p) -> out.put(k, List.of(p.allowedIps(), p.keepaliveSeconds())));
    return out;
  }

  static byte[] filled(int v) {
    byte[] b = new byte[32];
    java.util.Arrays.fill(b, (byte) v);
    return b;
  }
}
