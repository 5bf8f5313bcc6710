package dev.sixpn.projector.fold;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sixpn.address.SixpnAddress;
import dev.sixpn.events.HealthStatus;
import dev.sixpn.events.LifecycleEvent;
import dev.sixpn.events.LifecycleEvent.AppCreated;
import dev.sixpn.events.LifecycleEvent.AppDeleted;
import dev.sixpn.events.LifecycleEvent.HostJoined;
import dev.sixpn.events.LifecycleEvent.HostLeft;
import dev.sixpn.events.LifecycleEvent.InstanceDestroyed;
import dev.sixpn.events.LifecycleEvent.InstanceHealth;
import dev.sixpn.events.LifecycleEvent.InstanceStarted;
import dev.sixpn.events.LifecycleEvent.InstanceStopped;
import dev.sixpn.events.LifecycleEvent.NetworkCreated;
import dev.sixpn.events.LifecycleEvent.NetworkDeleted;
import dev.sixpn.events.LifecycleEvent.PeerCreated;
import dev.sixpn.events.LifecycleEvent.PeerRemoved;
import dev.sixpn.projector.store.StateStore;
import dev.sixpn.projector.store.StoreBatch;
import dev.sixpn.state.GeoPoint;
import dev.sixpn.state.Instance;
import dev.sixpn.state.InstanceStatus;
import dev.sixpn.state.Peer;
import dev.sixpn.state.StateChange;
import dev.sixpn.state.StateReader;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fold rules, observed through the read API of a real RocksDB store on disk. */
class EventFolderTest {

  static final Instant T = Instant.parse("2026-11-25T00:00:00Z");
  static final String KEY = "5Zz5Bv1cPSrW6hO8NldV6Uqa/XTymJUN0xGd7EsiSCo=";

  @TempDir Path dir;
  StateStore store;
  StateReader state;
  final AtomicInteger ids = new AtomicInteger();

  @BeforeEach
  void open() {
    store = StateStore.open(dir.resolve("state"));
    state = store.state();
  }

  @AfterEach
  void close() {
    store.close();
  }

  StateChange fold(LifecycleEvent... events) throws RuleViolation {
    ChangeCollector changes = new ChangeCollector();
    StoreBatch batch = store.newBatch();
    for (LifecycleEvent e : events) {
      EventFolder.fold(store, batch, e, changes);
    }
    store.commit(batch);
    return changes.toChange();
  }

  String id() {
    return "e" + ids.incrementAndGet();
  }

  InstanceStarted start(
      long network, String app, String instanceId, long host, String region, long n) {
    return new InstanceStarted(
        id(),
        T,
        instanceId,
        network,
        app,
        "app",
        host,
        region,
        SixpnAddress.ofInstance(network, host, n),
        Map.of());
  }

  @Test
  void instanceStarted_isVisibleInEveryIndex() throws Exception {
    fold(
        new NetworkCreated(id(), T, 1, "org"),
        new AppCreated(id(), T, 1, "web"),
        start(1, "web", "i1", 7, "nrt", 1));
    Instance i = state.instance(1, "web", "i1").orElseThrow();
    assertEquals(InstanceStatus.STARTED, i.status());
    assertEquals(List.of(i), state.instancesOfApp(1, "web", false));
    assertEquals(List.of(i), state.instancesOfAppInRegion(1, "web", "nrt"));
    assertEquals(List.of(i), state.instancesOfProcessGroup(1, "web", "app"));
    assertEquals(List.of(i), state.instancesOnHost(7));
    assertEquals(i, state.instanceByAddress(SixpnAddress.ofInstance(1, 7, 1)).orElseThrow());
    assertEquals(List.of("web"), state.appsOfNetwork(1));
    assertEquals(List.of("nrt"), state.regionsOfApp(1, "web", false));
    assertTrue(state.networkExists(1));
  }

  @Test
  void instanceStopped_leavesDefaultAnswersButStaysInAllForms() throws Exception {
    fold(start(1, "web", "i1", 7, "nrt", 1), start(1, "web", "i2", 8, "ams", 2));
    StateChange change = fold(new InstanceStopped(id(), T, "i1", 1, "web"));
    assertEquals(java.util.Set.of(7L), change.hosts());
    assertTrue(change.hostRecords().isEmpty(), "an instance stopping changes no host record");
    assertEquals(
        List.of("i2"),
        state.instancesOfApp(1, "web", false).stream().map(Instance::instanceId).toList());
    assertEquals(
        List.of("i1", "i2"),
        state.instancesOfApp(1, "web", true).stream().map(Instance::instanceId).toList());
    assertEquals(List.of(), state.instancesOfAppInRegion(1, "web", "nrt"));
    assertEquals(List.of("ams"), state.regionsOfApp(1, "web", false));
    assertEquals(List.of("ams", "nrt"), state.regionsOfApp(1, "web", true));
    assertEquals(
        InstanceStatus.STOPPED,
        state.instanceByAddress(SixpnAddress.ofInstance(1, 7, 1)).orElseThrow().status());
    assertEquals(1, state.instancesOnHost(7).size());
    assertEquals(java.util.Set.of("i1"), change.instanceIds());
    assertEquals(java.util.Set.of(7L), change.hosts());
  }

  private InstanceHealth health(String instanceId, String check, HealthStatus status) {
    return new InstanceHealth(id(), T, instanceId, 1, "web", check, status);
  }

  @Test
  void instanceHealth_perCheck_lastStatusWins_andChangesTheApp() throws Exception {
    fold(start(1, "web", "i1", 7, "nrt", 1));
    StateChange change =
        fold(
            health("i1", "http-80", HealthStatus.PASSING),
            health("i1", "tcp-6379", HealthStatus.CRITICAL),
            health("i1", "http-80", HealthStatus.WARNING));
    Instance i = state.instance(1, "web", "i1").orElseThrow();
    assertEquals(
        Map.of("http-80", HealthStatus.WARNING, "tcp-6379", HealthStatus.CRITICAL), i.checks());
    assertEquals(HealthStatus.CRITICAL, i.health());
    assertFalse(i.serving());
    assertTrue(change.apps().contains(new StateChange.AppRef(1, "web")), "the DNS cache's cue");
    fold(health("i1", "tcp-6379", HealthStatus.PASSING));
    Instance after = state.instance(1, "web", "i1").orElseThrow();
    assertEquals(HealthStatus.WARNING, after.health());
    assertTrue(after.serving(), "a warning still serves");
  }

  @Test
  void instanceHealth_sameStatusAgain_changesNothing() throws Exception {
    fold(start(1, "web", "i1", 7, "nrt", 1), health("i1", "c", HealthStatus.CRITICAL));
    assertTrue(fold(health("i1", "c", HealthStatus.CRITICAL)).isEmpty());
  }

  @Test
  void instanceHealth_keptAcrossStopAndRestart_forgottenByDestroy() throws Exception {
    fold(start(1, "web", "i1", 7, "nrt", 1), health("i1", "c", HealthStatus.CRITICAL));
    fold(new InstanceStopped(id(), T, "i1", 1, "web"), start(1, "web", "i1", 7, "nrt", 1));
    assertEquals(
        Map.of("c", HealthStatus.CRITICAL), state.instance(1, "web", "i1").orElseThrow().checks());
    fold(new InstanceDestroyed(id(), T, "i1", 1, "web"), start(1, "web", "i1", 7, "nrt", 1));
    assertEquals(Map.of(), state.instance(1, "web", "i1").orElseThrow().checks());
    assertTrue(state.instance(1, "web", "i1").orElseThrow().serving());
  }

  @Test
  void instanceHealth_unknownInstance_orTooManyChecks_isRuleViolation() throws Exception {
    RuleViolation unknown =
        assertThrows(RuleViolation.class, () -> fold(health("nope", "c", HealthStatus.PASSING)));
    assertTrue(unknown.getMessage().contains("unknown instance nope"), unknown.getMessage());
    fold(start(1, "web", "i1", 7, "nrt", 1));
    for (int k = 0; k < dev.sixpn.events.Validate.MAX_CHECKS; k++) {
      fold(health("i1", "c" + k, HealthStatus.PASSING));
    }
    assertThrows(RuleViolation.class, () -> fold(health("i1", "one-more", HealthStatus.PASSING)));
    fold(health("i1", "c0", HealthStatus.CRITICAL)); // a known check still changes
    assertFalse(state.instance(1, "web", "i1").orElseThrow().serving());
  }

  @Test
  void instanceHealth_survivesReopen() throws Exception {
    fold(start(1, "web", "i1", 7, "nrt", 1), health("i1", "c", HealthStatus.WARNING));
    store.close();
    store = StateStore.open(dir.resolve("state"));
    state = store.state();
    assertEquals(
        Map.of("c", HealthStatus.WARNING), state.instance(1, "web", "i1").orElseThrow().checks());
  }

  @Test
  void instanceDestroyed_isGoneEverywhere() throws Exception {
    fold(start(1, "web", "i1", 7, "nrt", 1));
    fold(new InstanceDestroyed(id(), T, "i1", 1, "web"));
    assertTrue(state.instance(1, "web", "i1").isEmpty());
    assertTrue(state.instancesOfApp(1, "web", true).isEmpty());
    assertTrue(state.instanceByAddress(SixpnAddress.ofInstance(1, 7, 1)).isEmpty());
    assertTrue(state.instancesOnHost(7).isEmpty());
    assertTrue(state.appExists(1, "web"), "the app outlives its instances");
  }

  @Test
  void instanceRestarted_onAnotherHostMovesEveryIndex() throws Exception {
    fold(start(1, "web", "i1", 7, "nrt", 1));
    fold(new InstanceStopped(id(), T, "i1", 1, "web"), start(1, "web", "i1", 8, "ams", 5));
    assertTrue(state.instancesOnHost(7).isEmpty());
    assertEquals(1, state.instancesOnHost(8).size());
    assertTrue(state.instanceByAddress(SixpnAddress.ofInstance(1, 7, 1)).isEmpty());
    assertEquals(List.of("ams"), state.regionsOfApp(1, "web", true));
  }

  @Test
  void appDeleted_removesItsInstancesOnly() throws Exception {
    fold(
        new AppCreated(id(), T, 1, "web"),
        start(1, "web", "i1", 7, "nrt", 1),
        start(1, "db", "i2", 7, "nrt", 2));
    fold(new AppDeleted(id(), T, 1, "web"));
    assertFalse(state.appExists(1, "web"));
    assertTrue(state.instancesOfApp(1, "web", true).isEmpty());
    assertEquals(List.of("db"), state.appsOfNetwork(1));
    assertEquals(1, state.instancesOnHost(7).size());
  }

  @Test
  void instanceStarted_liveIdOfAnotherAppOnTheSameHost_isRefusedAndTheRunningOneKept()
      throws Exception {
    fold(start(1, "web", "i1", 7, "nrt", 1));
    RuleViolation v =
        assertThrows(RuleViolation.class, () -> fold(start(2, "evil", "i1", 7, "nrt", 1)));
    assertTrue(v.getMessage().contains("already belongs to app web of network 1"), v.getMessage());
    assertEquals(1, state.instancesOnHost(7).size());
    assertEquals("web", state.instancesOnHost(7).getFirst().app());
    fold(start(2, "other", "i1", 8, "nrt", 1)); // on another host the id names nothing shared
    fold(start(1, "web", "i1", 7, "nrt", 2)); // its own restart is fine
  }

  @Test
  void networkDeleted_removesEverythingUnderIt() throws Exception {
    fold(
        new NetworkCreated(id(), T, 1, "a"),
        new NetworkCreated(id(), T, 2, "b"),
        start(1, "web", "i1", 7, "nrt", 1),
        start(2, "web", "i1", 8, "nrt", 1));
    fold(new NetworkDeleted(id(), T, 1));
    assertFalse(state.networkExists(1));
    assertEquals(List.of(), state.appsOfNetwork(1));
    assertEquals(List.of(), state.instancesOfNetwork(1, true));
    assertEquals(1, state.instancesOfNetwork(2, true).size());
    assertEquals(List.of(2L), store.networks());
  }

  @Test
  void networksAreIsolated() throws Exception {
    fold(start(1, "web", "i1", 7, "nrt", 1), start(2, "api", "i2", 7, "nrt", 1));
    assertEquals(List.of("web"), state.appsOfNetwork(1));
    assertEquals(List.of("api"), state.appsOfNetwork(2));
    assertFalse(state.appExists(2, "web"));
    assertTrue(state.instance(2, "web", "i1").isEmpty());
  }

  @Test
  void duplicateEventId_isNoOp() throws Exception {
    InstanceStarted s = start(1, "web", "i1", 7, "nrt", 1);
    fold(s);
    fold(new InstanceStopped(id(), T, "i1", 1, "web"));
    String before = store.digest();
    fold(s); // re-delivered start must not restart the stopped instance
    assertEquals(before, store.digest());
    assertEquals(InstanceStatus.STOPPED, state.instance(1, "web", "i1").orElseThrow().status());
  }

  @Test
  void instanceBeforeHostJoined_becomesCompleteWhenHostArrives() throws Exception {
    fold(start(1, "web", "i1", 9, "syd", 1));
    assertTrue(state.host(9).isEmpty());
    assertEquals(1, state.instancesOnHost(9).size());
    StateChange change =
        fold(new HostJoined(id(), T, 9, "syd", -33.9, 151.2, KEY, "192.0.2.9:51820"));
    assertEquals(java.util.Set.of(9L), change.hosts());
    assertEquals(java.util.Set.of(9L), change.hostRecords(), "the host's record changed");
    assertEquals("192.0.2.9:51820", state.host(9).orElseThrow().endpoint());
    assertEquals(new GeoPoint(-33.9, 151.2), state.regionLocation("syd").orElseThrow());
    fold(new HostLeft(id(), T, 9));
    assertTrue(state.hosts().isEmpty());
  }

  @Test
  void hostLeft_removesTheHostsInstancesOfEveryNetwork() throws Exception {
    fold(
        start(1, "web", "i1", 7, "nrt", 1),
        start(2, "db", "i2", 7, "nrt", 1),
        start(1, "web", "i3", 8, "ams", 1));
    StateChange change = fold(new HostLeft(id(), T, 7));
    assertTrue(state.instancesOnHost(7).isEmpty());
    assertEquals(
        List.of("i3"),
        state.instancesOfApp(1, "web", true).stream().map(Instance::instanceId).toList());
    assertTrue(state.instancesOfApp(2, "db", true).isEmpty());
    assertEquals(java.util.Set.of("i1", "i2"), change.instanceIds());
    assertEquals(java.util.Set.of(1L, 2L), change.networks());
  }

  @Test
  void foldsInOneBatchSeeEachOther() throws Exception {
    fold(
        start(1, "web", "i1", 7, "nrt", 1),
        new InstanceStopped(id(), T, "i1", 1, "web"),
        new InstanceDestroyed(id(), T, "i1", 1, "web"));
    assertTrue(state.instancesOfApp(1, "web", true).isEmpty());
  }

  @Test
  void ruleViolations_leaveStateUntouched() throws Exception {
    fold(start(1, "web", "i1", 7, "nrt", 1));
    String before = store.digest();
    assertThrows(RuleViolation.class, () -> fold(new InstanceStopped(id(), T, "nope", 1, "web")));
    assertThrows(RuleViolation.class, () -> fold(new InstanceDestroyed(id(), T, "nope", 1, "web")));
    RuleViolation taken =
        assertThrows(RuleViolation.class, () -> fold(start(1, "web", "i9", 7, "nrt", 1)));
    assertTrue(taken.getMessage().contains("already belongs to instance i1"), taken.getMessage());
    assertEquals(before, store.digest());
  }

  @Test
  void peerCreated_isVisibleByNetworkHostAndAddress_survivesReopen_andGoesOnRemove()
      throws Exception {
    SixpnAddress a = SixpnAddress.ofPeer(1, 7, 5);
    StateChange c = fold(new PeerCreated(id(), T, 1, "laptop", KEY, 7, a));
    assertEquals(java.util.Set.of(7L), c.hosts());
    Peer p = new Peer(1, "laptop", KEY, 7, a);
    assertEquals(List.of(p), state.peersOfNetwork(1));
    assertEquals(List.of(p), state.peersOnHost(7));
    assertEquals(List.of(), state.peersOnHost(8));
    assertEquals(java.util.Optional.of(p), state.peerByAddress(a));
    assertThrows(
        RuleViolation.class,
        () -> fold(new PeerCreated(id(), T, 1, "other", KEY, 7, a)),
        "an address belongs to one peer");

    store.close();
    store = StateStore.open(dir.resolve("state"));
    state = store.state();
    assertEquals(List.of(p), state.peersOnHost(7));

    fold(new PeerRemoved(id(), T, 1, "laptop"));
    assertEquals(List.of(), state.peersOfNetwork(1));
    assertTrue(state.peerByAddress(a).isEmpty());
    assertThrows(RuleViolation.class, () -> fold(new PeerRemoved(id(), T, 1, "laptop")));
  }

  @Test
  void networkDeleted_removesItsPeers() throws Exception {
    fold(new PeerCreated(id(), T, 2, "ci", KEY, 7, SixpnAddress.ofPeer(2, 7, 1)));
    fold(new NetworkDeleted(id(), T, 2));
    assertEquals(List.of(), state.peersOnHost(7));
  }
}
