package dev.sixpn.projector.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sixpn.address.SixpnAddress;
import dev.sixpn.events.LifecycleEvent;
import dev.sixpn.events.Port;
import dev.sixpn.state.Instance;
import dev.sixpn.state.InstanceStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The memory layout: every index in step through adds, updates and removals, and after a load. */
class ProjectedStateTest {

  static final Instant T = Instant.parse("2026-11-25T00:00:00Z");

  @TempDir Path dir;

  private final ProjectedState state = new ProjectedState(Duration.ofDays(1));

  private static Instance instance(
      String id, long network, String app, long host, long number, InstanceStatus status) {
    return new Instance(
        id,
        network,
        app,
        "web",
        host,
        "nrt",
        SixpnAddress.ofInstance(network, host, number),
        status,
        Map.of());
  }

  private void add(Instance i) {
    if (!state.networkExists(i.network())) {
      state.putNetwork(i.network(), "");
    }
    if (!state.appExists(i.network(), i.app())) {
      state.putApp(i.network(), i.app(), false);
    }
    state.putInstance(i);
  }

  @Test
  void putInstance_isFoundByNameAddressAppAndHost() {
    Instance a = instance("a1", 1, "web", 7, 1, InstanceStatus.STARTED);
    Instance b = instance("b1", 1, "web", 8, 2, InstanceStatus.STARTED);
    Instance c = instance("c1", 2, "db", 7, 1, InstanceStatus.STARTED);
    add(a);
    add(b);
    add(c);

    assertEquals(Optional.of(a), state.instance(1, "web", "a1"));
    assertEquals(Optional.of(b), state.instanceByAddress(b.address()));
    assertEquals(Optional.of(c), state.instanceByAddress(c.address()));
    assertEquals(List.of(a, b), state.instancesOfApp(1, "web", false));
    assertEquals(List.of(a, c), state.instancesOnHost(7));
    assertEquals(Optional.of(c), state.instanceOnHost(7, "c1"));
    assertEquals(List.of("db"), state.appsOfNetwork(2));
    assertEquals(List.of(a, b), state.instancesOfNetwork(1, false));
    assertEquals(List.of(a, b), state.instancesOfAppInRegion(1, "web", "nrt"));
    assertEquals(List.of(a, b), state.instancesOfProcessGroup(1, "web", "web"));
    assertEquals(List.of("nrt"), state.regionsOfApp(1, "web", false));
    assertEquals(Optional.empty(), state.instance(1, "web", "c1"));
    assertEquals(Optional.empty(), state.instanceByAddress(SixpnAddress.ofInstance(1, 7, 99)));
    assertEquals(List.of(), state.instancesOnHost(9));
  }

  @Test
  void putInstance_withStatusChange_isSeenByEveryIndex() {
    Instance a = instance("a1", 1, "web", 7, 1, InstanceStatus.STARTED);
    add(a);
    Instance stopped = a.withStatus(InstanceStatus.STOPPED);
    state.putInstance(stopped);

    assertEquals(List.of(), state.instancesOfApp(1, "web", false));
    assertEquals(List.of(stopped), state.instancesOfApp(1, "web", true));
    assertEquals(Optional.of(stopped), state.instanceByAddress(a.address()));
    assertEquals(List.of(stopped), state.instancesOnHost(7));
    assertEquals(List.of(), state.regionsOfApp(1, "web", false));
  }

  @Test
  void putInstance_movedToAnotherHostAndAddress_leavesNothingBehind() {
    Instance a = instance("a1", 1, "web", 7, 1, InstanceStatus.STARTED);
    add(a);
    Instance moved = instance("a1", 1, "web", 8, 5, InstanceStatus.STARTED);
    state.putInstance(moved);

    assertEquals(List.of(), state.instancesOnHost(7));
    assertEquals(Optional.empty(), state.instanceOnHost(7, "a1"));
    assertEquals(Optional.empty(), state.instanceByAddress(a.address()));
    assertEquals(List.of(moved), state.instancesOnHost(8));
    assertEquals(Optional.of(moved), state.instanceByAddress(moved.address()));
    assertEquals(List.of(moved), state.instancesOfApp(1, "web", true));

    // Same host, new address: only the address entry moves.
    Instance renumbered = instance("a1", 1, "web", 8, 6, InstanceStatus.STARTED);
    state.putInstance(renumbered);
    assertEquals(Optional.empty(), state.instanceByAddress(moved.address()));
    assertEquals(Optional.of(renumbered), state.instanceByAddress(renumbered.address()));
    assertEquals(List.of(renumbered), state.instancesOnHost(8));
  }

  @Test
  void removeInstance_isGoneFromEveryIndex() {
    Instance a = instance("a1", 1, "web", 7, 1, InstanceStatus.STARTED);
    Instance b = instance("b1", 1, "web", 7, 2, InstanceStatus.STOPPED);
    add(a);
    add(b);
    state.removeInstance(a);

    assertEquals(Optional.empty(), state.instance(1, "web", "a1"));
    assertEquals(Optional.empty(), state.instanceByAddress(a.address()));
    assertEquals(Optional.empty(), state.instanceOnHost(7, "a1"));
    assertEquals(List.of(b), state.instancesOnHost(7));
    assertEquals(List.of(b), state.instancesOfApp(1, "web", true));
    assertTrue(state.appExists(1, "web"), "the app stays until it is deleted");
    state.removeInstance(b);
    state.removeApp(1, "web");
    state.removeNetwork(1);
    assertFalse(state.appExists(1, "web"));
    assertFalse(state.networkExists(1));
    assertEquals(List.of(), state.instancesOfNetwork(1, true));
  }

  @Test
  void removeInstance_ofAnIdAnotherAppTookOnTheHost_keepsTheOthersEntries() {
    Instance a = instance("x", 1, "web", 7, 1, InstanceStatus.STARTED);
    Instance b = instance("x", 2, "db", 7, 1, InstanceStatus.STARTED);
    add(a);
    add(b); // the fold refuses this; the indexes must still not lose b when a goes
    state.removeInstance(a);

    assertEquals(Optional.of(b), state.instanceOnHost(7, "x"));
    assertEquals(Optional.of(b), state.instanceByAddress(b.address()));
    assertEquals(List.of(b), state.instancesOnHost(7));
  }

  @Test
  void putInstance_keepsMetadataPortsHostAccessAndAnUnconventionalAddress() {
    Instance odd =
        new Instance(
            "gw",
            3,
            "edge",
            "proxy",
            4,
            "ams",
            new SixpnAddress(3, 4, 9, SixpnAddress.ROLE_GATEWAY),
            InstanceStatus.STARTED,
            Map.of("team", "net", "tier", "1"),
            true,
            List.of(new Port("http", 80, "tcp"), new Port("dns", 53, "udp")));
    add(odd);

    assertEquals(Optional.of(odd), state.instance(3, "edge", "gw"));
    assertEquals(Optional.of(odd), state.instanceByAddress(odd.address()));
    assertEquals(Optional.empty(), state.instanceByAddress(SixpnAddress.ofInstance(3, 4, 9)));
  }

  @Test
  void putInstance_sharesRepeatedStrings() {
    add(instance("a1", 1, "web", 7, 1, InstanceStatus.STARTED));
    add(
        new Instance(
            "a2",
            1,
            new String("web".toCharArray()),
            new String("web".toCharArray()),
            7,
            new String("nrt".toCharArray()),
            SixpnAddress.ofInstance(1, 7, 2),
            InstanceStatus.STARTED,
            Map.of()));
    List<Instance> both = state.instancesOfApp(1, "web", false);
    assertSame(both.get(0).region(), both.get(1).region());
    assertSame(both.get(0).processGroup(), both.get(1).processGroup());
    assertSame(both.get(0).app(), both.get(1).app());
  }

  @Test
  void putInstance_withoutItsApp_isRefused() {
    state.putNetwork(1, "");
    assertThrows(
        IllegalStateException.class,
        () -> state.putInstance(instance("a1", 1, "web", 7, 1, InstanceStatus.STARTED)));
  }

  @Test
  void manyInstances_growAndShrinkTheTablesWithoutLosingOne() {
    int n = 5_000;
    for (int i = 0; i < n; i++) {
      add(instance("i" + i, 1 + i % 3, "app" + i % 7, 1 + i % 11, 1 + i, InstanceStatus.STARTED));
    }
    for (int i = 0; i < n; i += 2) {
      state.removeInstance(
          instance("i" + i, 1 + i % 3, "app" + i % 7, 1 + i % 11, 1 + i, InstanceStatus.STARTED));
    }
    int seen = 0;
    for (long h = 1; h <= 11; h++) {
      seen += state.instancesOnHost(h).size();
    }
    assertEquals(n / 2, seen);
    for (int i = 0; i < n; i++) {
      Instance expected =
          instance("i" + i, 1 + i % 3, "app" + i % 7, 1 + i % 11, 1 + i, InstanceStatus.STARTED);
      Optional<Instance> want = i % 2 == 0 ? Optional.empty() : Optional.of(expected);
      assertEquals(want, state.instance(expected.network(), expected.app(), expected.instanceId()));
      assertEquals(want, state.instanceByAddress(expected.address()));
      assertEquals(want, state.instanceOnHost(expected.host(), expected.instanceId()));
    }
  }

  @Test
  void open_afterRestart_loadsEveryInstanceAsItWas() throws Exception {
    SixpnAddress web1 = SixpnAddress.ofInstance(1, 7, 1);
    List<LifecycleEvent> events =
        List.of(
            new LifecycleEvent.InstanceStarted(
                "e1",
                T,
                "web-1",
                1,
                "web",
                "app",
                7,
                "nrt",
                web1,
                Map.of("team", "a"),
                true,
                List.of(new Port("http", 8080, "tcp"))),
            new LifecycleEvent.InstanceStarted(
                "e2",
                T,
                "web-2",
                1,
                "web",
                "worker",
                8,
                "ams",
                SixpnAddress.ofInstance(1, 8, 2),
                Map.of()),
            new LifecycleEvent.InstanceStopped("e3", T, "web-2", 1, "web"),
            new LifecycleEvent.InstanceStarted(
                "e4",
                T,
                "db-1",
                2,
                "db",
                "app",
                7,
                "nrt",
                SixpnAddress.ofInstance(2, 7, 1),
                Map.of()));
    Map<String, Object> before;
    try (StateStore store = StateStore.open(dir)) {
      StateStoreTest.foldAll(store, events, 10);
      before = StateStoreTest.view(store);
    }
    try (StateStore store = StateStore.open(dir)) {
      assertEquals(before, StateStoreTest.view(store));
      ProjectedState s = store.state();
      Instance w = s.instanceByAddress(web1).orElseThrow();
      assertEquals(Map.of("team", "a"), w.metadata());
      assertEquals(List.of(new Port("http", 8080, "tcp")), w.ports());
      assertTrue(w.hostAccess());
      assertFalse(s.instance(1, "web", "web-2").orElseThrow().started());
      assertEquals(
          List.of("db-1", "web-1"),
          s.instancesOnHost(7).stream().map(Instance::instanceId).toList());
      assertEquals(List.of("ams", "nrt"), s.regionsOfApp(1, "web", true));
      assertTrue(s.size().contains("instances=3"), s.size());
    }
  }
}
