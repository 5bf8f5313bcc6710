package dev.sixpn.dataplane.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sixpn.dataplane.testing.Privileges;
import dev.sixpn.dataplane.testing.Sh;
import dev.sixpn.dataplane.testing.Topology;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Routes, addresses and link events over rtnetlink in a namespace of the test's own, read back with
 * ip(8) as well as through the socket.
 */
class RtnetlinkTest {

  private final String ns = "sxnl" + Long.toHexString(System.nanoTime() & 0xfffff);
  private final Topology topo = new Topology();
  private NetnsExecutor exec;
  private Rtnetlink nl;

  @BeforeEach
  void setUp() {
    Privileges.requireKernelAndTools("ip");
    topo.netns(ns);
    Sh.mustIn(ns, "ip", "link", "add", "nla", "type", "veth", "peer", "name", "nlb");
    Sh.mustIn(ns, "ip", "link", "set", "nla", "up");
    exec = new NetnsExecutor(Netns.named(ns));
    nl = exec.call(Rtnetlink::open);
  }

  @AfterEach
  void tearDown() {
    if (nl != null) {
      nl.close();
    }
    if (exec != null) {
      exec.close();
    }
    topo.close();
  }

  private int ifindex(String link) {
    return exec.interfaces().get(link);
  }

  @Test
  void routes_replaceReadBackAndDelete_matchIp() {
    int nla = ifindex("nla");
    nl.replaceRoute("fdaa:0:1:0:7:0:1:2/128", false, nla, 166);
    nl.replaceRoute("fdaa::/16", true, 0, 166);
    nl.replaceRoute("fdaa:0:1:0:7:0:1:2/128", false, nla, 166); // replace is idempotent
    Map<String, Integer> byPrefix = new HashMap<>();
    Map<String, Integer> types = new HashMap<>();
    for (Rtnetlink.Route r : nl.routes(166)) {
      byPrefix.put(r.prefix(), r.ifindex());
      types.put(r.prefix(), r.type());
    }
    String host = Prefixes.canonical("fdaa:0:1:0:7:0:1:2/128");
    String all = Prefixes.canonical("fdaa::/16");
    assertEquals(Set.of(host, all), byPrefix.keySet());
    assertEquals(nla, byPrefix.get(host));
    assertEquals(Rtnetlink.RTN_UNICAST, types.get(host));
    assertEquals(Rtnetlink.RTN_UNREACHABLE, types.get(all));
    String ip = Sh.in(ns, "ip", "-6", "-o", "route", "show", "proto", "166").stdout();
    assertTrue(ip.contains("fdaa:0:1:0:7:0:1:2 dev nla"), ip);
    assertTrue(ip.contains("unreachable fdaa::/16"), ip);
    assertTrue(nl.routes(0).stream().noneMatch(r -> r.prefix().equals(host)), "by protocol");

    nl.deleteRoute(host, 166);
    nl.deleteRoute(host, 166); // absent: not an error
    assertEquals(
        Set.of(all),
        nl.routes(166).stream().map(Rtnetlink.Route::prefix).collect(Collectors.toSet()));
  }

  @Test
  void replaceRoute_noSuchDevice_isTheKernelsErrno() {
    Rtnetlink.NetlinkException e =
        assertThrows(
            Rtnetlink.NetlinkException.class,
            () -> nl.replaceRoute("fdaa:0:1::5/128", false, 99_999, 166));
    assertEquals(19, e.errno(), e.getMessage()); // ENODEV
  }

  @Test
  void replaceAddress_nodadGateway_isOnTheLinkOnce() {
    int nla = ifindex("nla");
    nl.replaceAddress(nla, IpPlumbing.GATEWAY, true);
    nl.replaceAddress(nla, IpPlumbing.GATEWAY, true);
    String ip = Sh.in(ns, "ip", "-6", "-o", "addr", "show", "dev", "nla").stdout();
    assertEquals(1, ip.lines().filter(l -> l.contains("fe80::1/64")).count(), ip);
    assertTrue(!ip.contains("tentative"), "nodad: usable at once: " + ip);
  }

  @Test
  void linkWatcher_linkCreatedAndDeleted_isHeardByNameWithoutAProcess() throws Exception {
    List<String> heard = new CopyOnWriteArrayList<>();
    LinkWatcher.Listener listener =
        new LinkWatcher.Listener() {
          @Override
          public void link(boolean present, int ifindex, String name) {
            heard.add((present ? "present " : "gone ") + ifindex + (present ? " " + name : ""));
          }

          @Override
          public void overrun() {
            heard.add("overrun");
          }
        };
    try (LinkWatcher w = LinkWatcher.start(Netns.named(ns), listener)) {
      assertTrue(w.alive());
      Sh.mustIn(ns, "ip", "link", "add", "nlc", "type", "veth", "peer", "name", "nld");
      int nlc = ifindex("nlc");
      await(() -> heard.contains("present " + nlc + " nlc"), heard);
      Sh.mustIn(ns, "ip", "link", "del", "nlc");
      await(() -> heard.contains("gone " + nlc), heard);
    }
  }

  @Test
  void ipPlumbing_followingTheWatcher_knowsNewAndDeletedLinks() throws Exception {
    java.nio.file.Path pinDir = java.nio.file.Path.of("/sys/fs/bpf", "sixpn-test-" + ns);
    topo.pins(pinDir);
    var pins =
        dev.sixpn.dataplane.bpf.ProgramLoader.ensureLoaded(
            pinDir, dev.sixpn.dataplane.maps.DataplaneMaps::compatible);
    try (IpPlumbing p = new IpPlumbing(Netns.named(ns), pins);
        LinkWatcher w =
            LinkWatcher.start(
                Netns.named(ns),
                new LinkWatcher.Listener() {
                  @Override
                  public void link(boolean present, int ifindex, String name) {
                    p.linkChanged(present, ifindex, name);
                  }

                  @Override
                  public void overrun() {
                    p.invalidateLinks();
                  }
                })) {
      p.cacheLinksWhile(w::alive);
      assertTrue(p.links().containsKey("nla"), "read once: " + p.links());
      Sh.mustIn(ns, "ip", "link", "add", "nle", "type", "veth", "peer", "name", "nlf");
      int nle = ifindex("nle");
      await(() -> Integer.valueOf(nle).equals(p.links().get("nle")), p.links());
      Sh.mustIn(ns, "ip", "link", "del", "nle");
      await(() -> !p.links().containsKey("nle") && !p.links().containsKey("nlf"), p.links());
    }
  }

  private static void await(java.util.function.BooleanSupplier condition, Object what)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, "not within 5 s: " + what);
      Thread.sleep(10);
    }
  }

  @Test
  void ipPlumbing_routesAndGateway_roundTripThroughTheInterface() {
    java.nio.file.Path pinDir = java.nio.file.Path.of("/sys/fs/bpf", "sixpn-test-" + ns);
    topo.pins(pinDir);
    var pins =
        dev.sixpn.dataplane.bpf.ProgramLoader.ensureLoaded(
            pinDir, dev.sixpn.dataplane.maps.DataplaneMaps::compatible);
    try (IpPlumbing p = new IpPlumbing(Netns.named(ns), pins)) {
      p.replaceRoute(Prefixes.canonical("fdaa:0:2::9/128"), "nla");
      p.replaceRoute(Prefixes.canonical("fdaa::/16"), HostPlumbing.UNREACHABLE);
      p.assignGateway("nla");
      assertEquals(
          Map.of(
              Prefixes.canonical("fdaa:0:2::9/128"),
              "nla",
              Prefixes.canonical("fdaa::/16"),
              HostPlumbing.UNREACHABLE),
          p.routes());
      p.deleteRoute(Prefixes.canonical("fdaa:0:2::9/128"));
      assertEquals(Set.of(Prefixes.canonical("fdaa::/16")), p.routes().keySet());
      p.enableForwarding();
      assertEquals(
          "1",
          Sh.in(ns, "cat", "/proc/sys/net/ipv6/conf/all/forwarding").stdout().trim(),
          "written in the namespace, not the test's");
    }
  }
}
