package dev.sixpn.dataplane.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sixpn.address.SixpnAddress;
import dev.sixpn.dataplane.bpf.ProgramLoader;
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
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;
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
  void reconcile_everyInterface_getsItsProgramByNameAndLoNone() {
    String instanceLink = LinkNames.hostSideLink("x");
    plumbing.links.putAll(Map.of("lo", 1, "eth0", 2, "docker0", 4, instanceLink, 5));
    reconciler.reconcile();
    assertEquals(
        Map.of(
            2, ProgramLoader.FROM_UNDERLAY,
            3, ProgramLoader.FROM_MESH,
            4, ProgramLoader.FROM_UNDERLAY,
            5, ProgramLoader.FROM_INSTANCE),
        plumbing.attached);
  }

  @Test
  void reconcile_programWhereItDoesNotBelong_isReplacedAndARemovedOneRestored() {
    plumbing.links.putAll(Map.of("eth0", 2));
    plumbing.attached.put(2, ProgramLoader.FROM_INSTANCE); // e.g. left by an older version
    plumbing.attached.put(3, "stale");
    reconciler.reconcile();
    assertEquals(
        Map.of(2, ProgramLoader.FROM_UNDERLAY, 3, ProgramLoader.FROM_MESH), plumbing.attached);
    plumbing.attached.remove(3); // someone detached it
    plumbing.writes.clear();
    reconciler.reconcile();
    assertEquals(List.of(), plumbing.writes, "a pass woken by a change trusts its view");
    reconciler.reconcile(Reconciler.Scope.ALL, true, true); // the resync's
    assertEquals(List.of("attach " + ProgramLoader.FROM_MESH + " 3"), plumbing.writes);
  }

  @Test
  void reconcile_ourProgramOnLo_isRemoved() {
    plumbing.links.put("lo", 1);
    plumbing.attached.put(1, ProgramLoader.FROM_INSTANCE);
    reconciler.reconcile();
    assertFalse(plumbing.attached.containsKey(1));
    assertTrue(plumbing.writes.contains("detach 1"));
  }

  @Test
  void reconcile_metadataNamingHostInterfacesAndPaths_meansNothing() throws Exception {
    plumbing.links.putAll(Map.of("eth0", 2, "lo", 1));
    Instance hostile =
        FakeState.started(
            "hostile",
            1,
            HOST,
            1,
            Map.of(
                "sixpn.link", "eth0",
                "sixpn.netns", "../../tmp/x",
                "sixpn.allow-host", "true"));
    state.putQuietly(hostile);
    ReconcileResult r = reconciler.reconcile();
    assertTrue(r.ok(), r.errors().toString());
    assertEquals(List.of("hostile"), r.missingLinks(), "its own link does not exist");
    assertEquals(ProgramLoader.FROM_UNDERLAY, plumbing.attached.get(2));
    assertFalse(plumbing.attached.containsKey(1), "lo is never filtered");
    assertTrue(links.map.isEmpty());
    assertFalse(plumbing.routes.containsValue("eth0"));
    assertTrue(plumbing.writes.stream().noneMatch(w -> w.startsWith("gateway")));
    try (var files = Files.list(etc)) {
      assertEquals(List.of(), files.toList(), "no file written anywhere");
    }
  }

  @Test
  void reconcile_hostAccessField_setsTheLinkFlag() {
    Instance plain = FakeState.started("h", 1, HOST, 1, Map.of());
    Instance a =
        new Instance(
            plain.instanceId(),
            plain.network(),
            plain.app(),
            plain.processGroup(),
            plain.host(),
            plain.region(),
            plain.address(),
            plain.status(),
            Map.of(),
            true);
    plumbing.links.put(LinkNames.hostSideLink(a), 12);
    state.putQuietly(a);
    reconciler.reconcile();
    assertEquals(new LinkInfo(a.address(), LinkInfo.ALLOW_HOST), links.map.get(12));
  }

  @Test
  void reconcile_oneBrokenInstance_isSkippedCountedAndRetriedWhileOthersAreReconciled()
      throws Exception {
    Instance a = addInstance("a", 1, 1, 10);
    Instance b = addInstance("b", 1, 2, 11);
    plumbing.brokenLinks.add(LinkNames.hostSideLink(a));
    List<String> failures = new java.util.ArrayList<>();
    Reconciler r = newReconciler(observerCounting(failures), () -> true);
    ReconcileResult first = r.reconcile();
    assertFalse(first.ok());
    assertTrue(
        first.errors().stream().anyMatch(e -> e.contains("gateway a")), first.errors().toString());
    assertEquals(List.of("gateway:command"), failures);
    assertTrue(plumbing.writes.contains("gateway " + LinkNames.hostSideLink(b)));
    assertTrue(plumbing.routes.containsKey(Prefixes.host(b.address())));
    assertTrue(Files.exists(etc.resolve("b/hosts")));
    assertTrue(plumbing.routes.containsKey(Prefixes.host(a.address())), "a's other items too");

    r.reconcile(); // within the backoff: not tried again
    assertEquals(List.of("gateway:command"), failures);

    plumbing.brokenLinks.clear();
    Thread.sleep(ItemFailures.FIRST_RETRY.toMillis() + 100);
    assertTrue(r.reconcile().ok(), "retried after the backoff and recovered");
    assertTrue(plumbing.writes.contains("gateway " + LinkNames.hostSideLink(a)));
  }

  @Test
  void reconcile_partialState_addsAndUpdatesButRemovesNothing() throws Exception {
    Instance a = addInstance("a", 1, 1, 10);
    links.map.put(99, new LinkInfo(SixpnAddress.ofInstance(1, HOST, 99), 0));
    locals.map.put(SixpnAddress.ofInstance(3, HOST, 3), new LocalInstance(99, 0));
    WgKey stranger = WgKey.ofBytes(filled(8));
    device.peers.put(stranger, new PeerConfig(stranger, null, List.of("fdab:0:8::/48"), 0));
    String staleRoute = Prefixes.canonical("fdaa:0:3:0:7:0:3:2");
    plumbing.routes.put(staleRoute, "gone0");
    new InstanceFiles(etc, HOST).write("old", SixpnAddress.ofInstance(3, HOST, 3), "old");
    boolean[] complete = {false};
    Reconciler r = newReconciler(ReconcileObserver.NONE, () -> complete[0]);

    r.reconcile();
    assertEquals(new LinkInfo(a.address(), 0), links.map.get(10), "added");
    assertTrue(links.map.containsKey(99), "not pruned on a partial state");
    assertEquals(2, locals.map.size());
    assertTrue(device.peers.containsKey(stranger));
    assertTrue(plumbing.routes.containsKey(staleRoute));
    assertTrue(Files.exists(etc.resolve("old/hosts")));

    complete[0] = true;
    r.reconcile();
    assertEquals(Set.of(10), links.map.keySet());
    assertEquals(Set.of(a.address()), locals.map.keySet());
    assertEquals(Set.of(otherKey), device.peers.keySet());
    assertFalse(plumbing.routes.containsKey(staleRoute));
    assertFalse(Files.exists(etc.resolve("old")));
  }

  static ReconcileObserver observerCounting(List<String> failures) {
    return new ReconcileObserver() {
      @Override
      public void changed(String object, String action, int count) {}

      @Override
      public void failed(String object, String reason) {
        failures.add(object + ":" + reason);
      }
    };
  }

  @Test
  void reconcile_roamedPeer_isLeftAloneButANewPublishedEndpointIsSet() {
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
  void reconcile_betweenFullReads_diffsAgainstWhatItAppliedAndFindsForeignPeersAtTheNextRead() {
    reconciler.reconcile();
    int reads = device.reads;
    long third = OTHER + 1;
    WgKey thirdKey = WgKey.ofBytes(filled(3));
    state.putHost(new Host(third, "ams", 0, 0, thirdKey.base64(), "192.0.2.11:51820"));
    device.writes.clear();
    reconciler.reconcile();
    assertEquals(List.of("upsert " + thirdKey), device.writes, "only the new peer is written");
    assertEquals(reads, device.reads, "no get=1 between full reads");
    WgKey foreign = WgKey.ofBytes(filled(8));
    device.peers.put(foreign, new PeerConfig(foreign, null, List.of("fdab:0:8::/48"), 0));
    reconciler.reconcile();
    assertTrue(device.peers.containsKey(foreign), "not seen until the next full read");
    reconciler.readBackInterval(java.time.Duration.ZERO);
    reconciler.reconcile();
    assertEquals(Set.of(otherKey, thirdKey), device.peers.keySet(), "read back and pruned");
  }

  @Test
  void reconcile_mapPassesBetweenFullReads_writeOnlyTheChangeAndRestoreForeignEditsAtTheNextRead() {
    Instance a = addInstance("a", 1, 1, 10);
    reconciler.reconcile(Reconciler.Scope.MAPS);
    int reads = locals.reads;
    Instance b = addInstance("b", 2, 1, 11);
    locals.writes.clear();
    reconciler.reconcile(Reconciler.Scope.MAPS);
    assertEquals(List.of("put " + b.address()), locals.writes, "only the new entry is written");
    assertEquals(reads, locals.reads, "the map is not read back between full reads");
    locals.map.remove(a.address()); // from outside
    reconciler.reconcile(Reconciler.Scope.MAPS);
    assertFalse(locals.map.containsKey(a.address()), "not seen until the next full read");
    reconciler.readBackInterval(java.time.Duration.ZERO);
    reconciler.reconcile(Reconciler.Scope.MAPS);
    assertEquals(new LocalInstance(10, 0), locals.map.get(a.address()), "read back and restored");
  }

  @Test
  void reconcile_passForALocalChange_leavesThePeersAloneUntilAHostRecordChanges() {
    reconciler.reconcile();
    long third = OTHER + 1;
    WgKey thirdKey = WgKey.ofBytes(filled(3));
    state.putHost(new Host(third, "ams", 0, 0, thirdKey.base64(), "192.0.2.11:51820"));
    addInstance("a", 1, 1, 10);
    device.writes.clear();
    ReconcileResult local = reconciler.reconcile(Reconciler.Scope.ALL, false, false);
    assertTrue(local.changes() > 0, "the instance is plumbed");
    assertEquals(List.of(), device.writes, "the fleet's hosts are not looked at");
    reconciler.reconcile(Reconciler.Scope.ALL, false, true);
    assertEquals(List.of("upsert " + thirdKey), device.writes);
  }

  @Test
  void reconcile_linksThatCameAndWent_areFollowedWithoutReadingEveryInterface() {
    Instance a = addInstance("a", 1, 1, 10);
    reconciler.reconcile();
    int fullReads = plumbing.fullAttachmentReads;
    int routeReads = plumbing.routeReads;
    Instance b = addInstance("b", 2, 1, 11);
    plumbing.writes.clear();
    reconciler.reconcile();
    assertEquals(List.of(Set.of(11)), plumbing.partialAttachmentReads, "the new link alone");
    assertTrue(plumbing.writes.contains("attach " + ProgramLoader.FROM_INSTANCE + " 11"));
    assertTrue(plumbing.writes.contains("route " + Prefixes.host(b.address())));
    // a's link is made again (a new ifindex): the kernel dropped its route with the old one
    plumbing.links.put(LinkNames.hostSideLink(a), 12);
    plumbing.routes.remove(Prefixes.host(a.address()));
    plumbing.writes.clear();
    reconciler.reconcile();
    assertTrue(plumbing.writes.contains("attach " + ProgramLoader.FROM_INSTANCE + " 12"));
    assertTrue(
        plumbing.writes.contains("route " + Prefixes.host(a.address())),
        "the route is made again: " + plumbing.writes);
    assertEquals(fullReads, plumbing.fullAttachmentReads, "no interface read but the new ones");
    assertEquals(routeReads, plumbing.routeReads, "the routes not dumped");
  }

  @Test
  void reconcile_deadDevice_isRestartedAndFullyReconfigured() {
    plumbing.links.put("wg0", 5);
    reconciler.reconcile();
    assertEquals(ProgramLoader.FROM_MESH, plumbing.attached.get(5));
    device.running = false;
    plumbing.links.put("wg0", 6); // a new TUN device
    plumbing.writes.clear();
    reconciler.reconcile(Reconciler.Scope.ALL, true, true); // the retry or resync's
    assertTrue(device.writes.contains("restart"));
    assertEquals(
        List.of("attach " + ProgramLoader.FROM_MESH + " 6"),
        plumbing.writes.stream().filter(w -> w.startsWith("attach")).toList());
    assertEquals(keys.privateKey(), device.privateKey.orElseThrow());
    assertEquals(Set.of(otherKey), device.peers.keySet());
  }

  Reconciler newReconciler() {
    return newReconciler(ReconcileObserver.NONE, () -> true);
  }

  Reconciler newReconciler(ReconcileObserver observer, BooleanSupplier stateComplete) {
    return newReconciler(device, observer, stateComplete);
  }

  Reconciler newReconciler(
      Fakes.FakeDevice device, ReconcileObserver observer, BooleanSupplier stateComplete) {
    return new Reconciler(
        new Reconciler.Settings(HOST, "wg0", 51820, 25, keys),
        state,
        links,
        locals,
        device,
        plumbing,
        new InstanceFiles(etc, HOST),
        namespaces::contains,
        observer,
        stateComplete);
  }

  Instance addInstance(String id, long network, long instance, int ifindex) {
    Instance i = FakeState.started(id, network, HOST, instance, Map.of());
    plumbing.links.put(LinkNames.hostSideLink(i), ifindex);
    namespaces.add(id);
    state.putQuietly(i);
    return i;
  }

  @Test
  void reconcile_startedInstances_getMapEntriesRoutesFilesAndPeers() throws Exception {
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
    String hosts = Files.readString(etc.resolve("b/hosts"));
    assertTrue(hosts.contains(b.address() + "\tlocal-6pn fly-local-6pn b"), hosts);
    // what `grep fly-local-6pn /etc/hosts | awk '{print $1}'` prints, and the same for local-6pn
    for (String name : List.of("fly-local-6pn", "local-6pn")) {
      assertEquals(
          List.of(b.address().toString()),
          hosts
              .lines()
              .filter(line -> line.contains(name))
              .map(line -> line.split("\\s+")[0])
              .toList(),
          name);
    }
  }

  @Test
  void reconcile_secondPass_changesNothing() {
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
  void reconcile_stoppedInstancesAndLeftHosts_arePruned() {
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
    assertEquals(
        ProgramLoader.FROM_INSTANCE,
        plumbing.attached.get(11),
        "its link stays filtered, with no entry");
    assertFalse(Files.exists(etc.resolve("b")));
    assertEquals(
        Set.of(WgKey.ofBytes(filled(3))), device.peers.keySet(), "old key removed, new key added");
  }

  @Test
  void reconcile_staleEntriesOfAPreviousRun_arePrunedAndWrongOnesCorrected() {
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
        plumbing.writes.contains("gateway " + LinkNames.hostSideLink(a)),
        "a fresh process sets the gateway once");
  }

  @Test
  void reconcile_missingLink_isReportedAndAddedOnceTheLinkAppears() {
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
  void reconcile_instanceLinkBeforeItsInstanceStarts_isFilteredWithNoEntry() {
    String early = LinkNames.hostSideLink("not-started-yet");
    plumbing.links.put(early, 77);
    reconciler.reconcile();
    assertEquals(ProgramLoader.FROM_INSTANCE, plumbing.attached.get(77));
    assertTrue(links.map.isEmpty(), "no entry: everything from the link is dropped");
    assertTrue(plumbing.writes.stream().noneMatch(w -> w.startsWith("gateway")));
  }

  @Test
  void reconcile_instancesOfOtherHostsAndStoppedOnes_areIgnored() {
    state.putQuietly(FakeState.started("elsewhere", 1, OTHER, 1, Map.of()));
    Instance stopped = addInstance("s", 1, 2, 13);
    state.stop(stopped.instanceId());
    reconciler.reconcile();
    assertTrue(links.map.isEmpty());
    assertTrue(locals.map.isEmpty());
  }

  @Test
  void reconcile_unreadableDevice_otherObjectsStillReconciled() {
    addInstance("a", 1, 1, 10);
    Fakes.FakeDevice broken =
        new Fakes.FakeDevice() {
          @Override
          public dev.sixpn.dataplane.wireguard.DeviceState state() {
            throw new IllegalStateException("socket gone");
          }
        };
    Reconciler r = newReconciler(broken, ReconcileObserver.NONE, () -> true);
    ReconcileResult result = r.reconcile();
    assertFalse(result.ok());
    assertEquals(1, links.map.size(), "maps still reconciled");
    assertEquals(1, plumbing.routes.keySet().stream().filter(p -> p.endsWith("/128")).count());
  }

  @Test
  void between_mixedMaps_separatesAddsUpdatesAndRemovals() {
    Diff<String, Integer> d =
        Diff.between(Map.of("a", 1, "b", 2, "c", 3), Map.of("b", 2, "c", 4, "d", 5));
    assertEquals(Map.of("a", 1), d.adds());
    assertEquals(Map.of("c", 3), d.updates());
    assertEquals(Set.of("d"), d.removals());
    assertTrue(Diff.between(Map.of("a", 1), Map.of("a", 1)).isEmpty());
  }

  @Test
  void reconcile_peerOfThisHost_startsThePeerDeviceWithItsPeerRouteAndEntry_untilRemoved() {
    Fakes.FakeDevice peerDevice = new Fakes.FakeDevice();
    int[] opened = {0};
    Reconciler r =
        new Reconciler(
            new Reconciler.Settings(HOST, "wg0", 51820, 25, keys),
            state,
            links,
            locals,
            device,
            plumbing,
            new InstanceFiles(etc, HOST),
            namespaces::contains,
            ReconcileObserver.NONE,
            () -> true,
            new PeerGateway(
                "wg0p",
                51821,
                () -> {
                  opened[0]++;
                  plumbing.links.put("wg0p", 4);
                  return peerDevice;
                }));
    r.reconcile();
    assertEquals(0, opened[0], "no peer here: no peer device");

    WgKey laptop = WgKey.ofBytes(filled(5));
    SixpnAddress a = SixpnAddress.ofPeer(1, HOST, 77);
    dev.sixpn.state.Peer p = new dev.sixpn.state.Peer(1, "laptop", laptop.base64(), HOST, a);
    state.putPeer(p);
    state.putPeer(
        new dev.sixpn.state.Peer(
            1, "elsewhere", otherKey.base64(), OTHER, SixpnAddress.ofPeer(1, OTHER, 1)));
    r.reconcile();
    r.reconcile(); // the device's link is seen by the next pass
    assertEquals(1, opened[0]);
    assertEquals(Optional.of(keys.privateKey()), peerDevice.privateKey);
    assertEquals(51821, peerDevice.port);
    assertEquals(
        Map.of(laptop, new PeerConfig(laptop, null, List.of(Prefixes.host(a)), 0)),
        peerDevice.peers);
    assertEquals(Map.of(a, new LocalInstance(4, LocalInstance.PEER)), locals.entries());
    assertEquals("wg0p", plumbing.routes.get(Prefixes.host(a)));
    assertEquals(ProgramLoader.FROM_PEER, plumbing.attachments().get(4));
    assertEquals(Set.of(otherKey), device.peers.keySet(), "the mesh device has hosts only");
    assertEquals(0, r.reconcile().changes(), "a learned endpoint is no change");

    state.removePeer(p);
    r.reconcile();
    assertTrue(peerDevice.peers.isEmpty());
    assertTrue(locals.entries().isEmpty());
    assertFalse(plumbing.routes.containsKey(Prefixes.host(a)));
  }
}
