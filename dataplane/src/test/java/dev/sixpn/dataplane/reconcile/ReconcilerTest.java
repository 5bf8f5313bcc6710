package dev.sixpn.dataplane.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sixpn.address.SixpnAddress;
import dev.sixpn.dataplane.link.InstanceFiles;
import dev.sixpn.dataplane.link.LinkNames;
import dev.sixpn.dataplane.link.Prefixes;
import dev.sixpn.dataplane.maps.LinkInfo;
import dev.sixpn.dataplane.maps.LocalInstance;
import dev.sixpn.dataplane.testing.FakeState;
import dev.sixpn.dataplane.wireguard.HostKeys;
import dev.sixpn.dataplane.wireguard.PeerConfig;
import dev.sixpn.dataplane.wireguard.WgKey;
import dev.sixpn.events.Endpoint;
import dev.sixpn.state.Host;
import dev.sixpn.state.Instance;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReconcilerTest {

  static final long HOST = 7;
  static final long OTHER = 9;

  @TempDir Path etc;

  final FakeState state = new FakeState();
  final Fakes.FakeTable<Integer, LinkInfo> links = new Fakes.FakeTable<>();
  final Fakes.FakeTable<SixpnAddress, LocalInstance> locals = new Fakes.FakeTable<>();
  final Fakes.FakeDevice device = new Fakes.FakeDevice();
  final Fakes.FakePlumbing plumbing = new Fakes.FakePlumbing();
  final HostKeys keys = new HostKeys(WgKey.ofBytes(new byte[32]), WgKey.ofBytes(filled(1)));
  final WgKey otherKey = WgKey.ofBytes(filled(2));
  Reconciler reconciler;
  final Set<String> namespaces = new java.util.HashSet<>();

  static byte[] filled(int v) {
    byte[] b = new byte[32];
    java.util.Arrays.fill(b, (byte) v);
    return b;
  }

  @BeforeEach
  void setUp() {
    reconciler = newReconciler();
    plumbing.links.put("wg0", 3);
    state.putHost(new Host(HOST, "ams", 0, 0, keys.publicKey().base64(), "192.0.2.7:51820"));
    state.putHost(new Host(OTHER, "fra", 0, 0, otherKey.base64(), "192.0.2.9:51820"));
  }

  @Test
  void underlayDevicesGetFromUnderlayOnceAndAMissingOneIsAnError() {
    plumbing.links.put("eth0", 2);
    Reconciler r = newReconciler(List.of("eth0", "eth1"));
    ReconcileResult first = r.reconcile();
    assertTrue(plumbing.writes.contains("attach-underlay eth0"));
    assertTrue(
        first.errors().stream().anyMatch(e -> e.contains("eth1")), first.errors().toString());
    plumbing.writes.clear();
    r.reconcile();
    assertFalse(plumbing.writes.contains("attach-underlay eth0"), "attached once");
  }

  @Test
  void aPeerThatRoamedIsLeftAloneButANewPublishedEndpointIsSet() {
    reconciler.reconcile();
    PeerConfig set = device.peers.get(otherKey);
    device.peers.put(
        otherKey,
        new PeerConfig(
            otherKey,
            Endpoint.parse("198.51.100.9:40000"),
            set.allowedIps(),
            set.keepaliveSeconds()));
    device.writes.clear();
    reconciler.reconcile();
    assertEquals(List.of(), device.writes, "roaming respected");
    state.putHost(new Host(OTHER, "fra", 0, 0, otherKey.base64(), "192.0.2.10:51820"));
    reconciler.reconcile();
    assertEquals(
        Endpoint.parse("192.0.2.10:51820"),
        device.peers.get(otherKey).endpoint(),
        "re-published endpoint applied");
  }

  @Test
  void aDeadDeviceIsRestartedAndFullyReconfigured() {
    plumbing.links.put("wg0", 5);
    reconciler.reconcile();
    assertTrue(plumbing.writes.contains("attach-mesh wg0"));
    device.running = false;
    plumbing.links.put("wg0", 6); // a new TUN device
    plumbing.writes.clear();
    reconciler.reconcile();
    assertTrue(device.writes.contains("restart"));
    assertEquals(
        List.of("attach-mesh wg0"),
        plumbing.writes.stream().filter(w -> w.startsWith("attach-mesh")).toList());
    assertEquals(keys.privateKey(), device.privateKey.orElseThrow());
    assertEquals(Set.of(otherKey), device.peers.keySet());
  }

  Reconciler newReconciler() {
    return newReconciler(List.of());
  }

  Reconciler newReconciler(List<String> underlay) {
    return new Reconciler(
        new Reconciler.Settings(HOST, "wg0", 51820, 25, keys, underlay),
        state,
        links,
        locals,
        device,
        plumbing,
        new InstanceFiles(etc, HOST),
        namespaces::contains,
        ReconcileObserver.NONE);
  }

  Instance addInstance(String id, long network, long instance, int ifindex) {
    Instance i = FakeState.started(id, network, HOST, instance, Map.of());
    plumbing.links.put(LinkNames.hostSideLink(i), ifindex);
    namespaces.add(id);
    state.putQuietly(i);
    return i;
  }

  @Test
  void startedInstancesGetMapEntriesRoutesFilesAndPeers() throws Exception {
    Instance a = addInstance("a", 1, 1, 10);
    Instance b = addInstance("b", 2, 1, 11);
    ReconcileResult r = reconciler.reconcile();
    assertTrue(r.ok(), r.errors().toString());
    assertEquals(
        Map.of(10, new LinkInfo(a.address(), 0), 11, new LinkInfo(b.address(), 0)), links.map);
    assertEquals(
        Map.of(a.address(), new LocalInstance(10, 0), b.address(), new LocalInstance(11, 0)),
        locals.map);
    assertEquals(
        Map.of(
            Desired.MESH_ROUTE,
            "wg0",
            Desired.SIXPN_UNREACHABLE,
            dev.sixpn.dataplane.link.HostPlumbing.UNREACHABLE,
            Prefixes.host(a.address()),
            LinkNames.hostSideLink(a),
            Prefixes.host(b.address()),
            LinkNames.hostSideLink(b)),
        plumbing.routes);
    assertEquals(Set.of(otherKey), device.peers.keySet());
    PeerConfig peer = device.peers.get(otherKey);
    assertEquals(
        List.of(Prefixes.canonical(SixpnAddress.meshPrefixOfHost(OTHER))), peer.allowedIps());
    assertEquals(Endpoint.parse("192.0.2.9:51820"), peer.endpoint());
    assertEquals(25, peer.keepaliveSeconds());
    assertEquals(keys.privateKey(), device.privateKey.orElseThrow());
    assertTrue(Files.readString(etc.resolve("a/resolv.conf")).contains("nameserver fdaa::3"));
    assertTrue(Files.readString(etc.resolve("b/hosts")).contains(b.address() + "\tlocal-6pn b"));
  }

  @Test
  void aSecondPassChangesNothing() {
    addInstance("a", 1, 1, 10);
    reconciler.reconcile();
    links.writes.clear();
    locals.writes.clear();
    device.writes.clear();
    plumbing.writes.clear();
    ReconcileResult again = reconciler.reconcile();
    assertEquals(0, again.changes());
    assertEquals(List.of(), links.writes);
    assertEquals(List.of(), locals.writes);
    assertEquals(List.of(), device.writes);
    assertEquals(List.of(), plumbing.writes);
  }

  @Test
  void stoppedInstancesAndLeftHostsArePruned() {
    Instance a = addInstance("a", 1, 1, 10);
    Instance b = addInstance("b", 1, 2, 11);
    reconciler.reconcile();
    state.stop(b.instanceId());
    state.putHost(
        new Host(OTHER, "fra", 0, 0, WgKey.ofBytes(filled(3)).base64(), "192.0.2.99:51820"));
    reconciler.reconcile();
    assertEquals(Set.of(10), links.map.keySet());
    assertEquals(Set.of(a.address()), locals.map.keySet());
    assertFalse(plumbing.routes.containsKey(Prefixes.host(b.address())));
    assertFalse(
        plumbing.writes.contains("detach " + LinkNames.hostSideLink(b)),
        "its link stays filtered, with no entry");
    assertFalse(Files.exists(etc.resolve("b")));
    assertEquals(
        Set.of(WgKey.ofBytes(filled(3))), device.peers.keySet(), "old key removed, new key added");
  }

  @Test
  void staleEntriesLeftByAPreviousRunArePrunedAndWrongOnesCorrected() {
    Instance a = addInstance("a", 1, 1, 10);
    // What a crashed agent might leave: an entry for a link that is gone, a wrong value, a
    // foreign peer, a stale route, a stale resolver file of ours.
    links.map.put(99, new LinkInfo(SixpnAddress.ofInstance(1, HOST, 99), 0));
    links.map.put(10, new LinkInfo(SixpnAddress.ofInstance(1, HOST, 5), 0));
    locals.map.put(SixpnAddress.ofInstance(3, HOST, 3), new LocalInstance(99, 0));
    device.peers.put(
        WgKey.ofBytes(filled(8)),
        new PeerConfig(WgKey.ofBytes(filled(8)), null, List.of("fdab:0:8::/48"), 0));
    plumbing.routes.put(Prefixes.canonical("fdaa:0:3:0:7:0:3:2"), "gone0");
    new InstanceFiles(etc, HOST).write("old", SixpnAddress.ofInstance(3, HOST, 3), "old");
    new InstanceFiles(etc, OTHER).write("foreign", SixpnAddress.ofInstance(3, OTHER, 3), "foreign");

    Reconciler fresh = newReconciler();
    fresh.reconcile();

    assertEquals(Map.of(10, new LinkInfo(a.address(), 0)), links.map);
    assertEquals(Map.of(a.address(), new LocalInstance(10, 0)), locals.map);
    assertEquals(Set.of(otherKey), device.peers.keySet());
    assertEquals(
        Set.of(Desired.MESH_ROUTE, Desired.SIXPN_UNREACHABLE, Prefixes.host(a.address())),
        plumbing.routes.keySet());
    assertFalse(Files.exists(etc.resolve("old")));
    assertTrue(
        Files.exists(etc.resolve("foreign/resolv.conf")),
        "another host's files are not ours to prune");
    assertTrue(
        plumbing.writes.contains("attach " + LinkNames.hostSideLink(a)),
        "a fresh process re-attaches once");
  }

  @Test
  void aLinkOutsideTheConventionIsDetachedWhenItsInstanceStops() {
    Instance a = FakeState.started("named", 1, HOST, 1, Map.of(LinkNames.LINK_KEY, "veth-named"));
    plumbing.links.put("veth-named", 30);
    state.putQuietly(a);
    reconciler.reconcile();
    state.stop("named");
    reconciler.reconcile();
    assertTrue(plumbing.writes.contains("detach veth-named"));
  }

  @Test
  void anInstanceWhoseLinkIsMissingIsReportedAndAddedOnceTheLinkAppears() {
    Instance a = FakeState.started("late", 1, HOST, 1, Map.of());
    state.putQuietly(a);
    ReconcileResult r = reconciler.reconcile();
    assertEquals(List.of("late"), r.missingLinks());
    assertTrue(links.map.isEmpty());
    plumbing.links.put(LinkNames.hostSideLink(a), 42);
    reconciler.reconcile();
    assertEquals(Map.of(42, new LinkInfo(a.address(), 0)), links.map);
  }

  @Test
  void conventionNamedLinksAreFilteredBeforeTheirInstanceStarts() {
    String early = LinkNames.hostSideLink("not-started-yet");
    plumbing.links.put(early, 77);
    plumbing.links.put("eth9", 78);
    reconciler.reconcile();
    assertTrue(plumbing.writes.contains("attach " + early));
    assertFalse(plumbing.writes.contains("attach eth9"), "other links are not ours");
    assertTrue(links.map.isEmpty(), "no entry: everything from the link is dropped");
  }

  @Test
  void allowHostMetadataSetsTheLinkFlag() {
    Instance a =
        FakeState.started(
            "h",
            1,
            HOST,
            1,
            Map.of(LinkNames.ALLOW_HOST_KEY, "true", LinkNames.LINK_KEY, "veth-h"));
    plumbing.links.put("veth-h", 12);
    state.putQuietly(a);
    reconciler.reconcile();
    assertEquals(new LinkInfo(a.address(), LinkInfo.ALLOW_HOST), links.map.get(12));
  }

  @Test
  void instancesOfOtherHostsAndStoppedOnesAreIgnored() {
    state.putQuietly(FakeState.started("elsewhere", 1, OTHER, 1, Map.of()));
    Instance stopped = addInstance("s", 1, 2, 13);
    state.stop(stopped.instanceId());
    reconciler.reconcile();
    assertTrue(links.map.isEmpty());
    assertTrue(locals.map.isEmpty());
  }

  @Test
  void aFailingStepDoesNotStopTheOthers() {
    addInstance("a", 1, 1, 10);
    Fakes.FakeDevice broken =
        new Fakes.FakeDevice() {
          @Override
          public dev.sixpn.dataplane.wireguard.DeviceState state() {
            throw new IllegalStateException("socket gone");
          }
        };
    Reconciler r =
        new Reconciler(
            new Reconciler.Settings(HOST, "wg0", 51820, 25, keys, List.of()),
            state,
            links,
            locals,
            broken,
            plumbing,
            new InstanceFiles(etc, HOST),
            namespaces::contains,
            ReconcileObserver.NONE);
    ReconcileResult result = r.reconcile();
    assertFalse(result.ok());
    assertEquals(1, links.map.size(), "maps still reconciled");
  }

  @Test
  void diffSeparatesAddsUpdatesAndRemovals() {
    Diff<String, Integer> d =
        Diff.between(Map.of("a", 1, "b", 2, "c", 3), Map.of("b", 2, "c", 4, "d", 5));
    assertEquals(Map.of("a", 1), d.adds());
    assertEquals(Map.of("c", 3), d.updates());
    assertEquals(Set.of("d"), d.removals());
    assertTrue(Diff.between(Map.of("a", 1), Map.of("a", 1)).isEmpty());
  }
}
