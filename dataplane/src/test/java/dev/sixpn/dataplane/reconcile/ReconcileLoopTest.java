package dev.sixpn.dataplane.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sixpn.address.SixpnAddress;
import dev.sixpn.dataplane.link.InstanceFiles;
import dev.sixpn.dataplane.link.LinkNames;
import dev.sixpn.dataplane.maps.LinkInfo;
import dev.sixpn.dataplane.maps.LocalInstance;
import dev.sixpn.dataplane.testing.FakeState;
import dev.sixpn.dataplane.wireguard.HostKeys;
import dev.sixpn.dataplane.wireguard.WgKey;
import dev.sixpn.state.Instance;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReconcileLoopTest {

  @TempDir Path etc;

  @Test
  void start_changeBatches_triggerPassesOffTheCallerThreadAndAreApplied() throws Exception {
    FakeState state = new FakeState();
    Fakes.FakeTable<Integer, LinkInfo> links = new Fakes.FakeTable<>();
    Fakes.FakeTable<SixpnAddress, LocalInstance> locals = new Fakes.FakeTable<>();
    Fakes.FakePlumbing plumbing = new Fakes.FakePlumbing();
    plumbing.links.put("wg0", 3);
    Reconciler reconciler =
        new Reconciler(
            new Reconciler.Settings(
                1,
                "wg0",
                51820,
                25,
                new HostKeys(WgKey.ofBytes(new byte[32]), WgKey.ofBytes(new byte[32]))),
            state,
            links,
            locals,
            new Fakes.FakeDevice(),
            plumbing,
            new InstanceFiles(etc, 1),
            n -> false,
            ReconcileObserver.NONE,
            () -> true);
    List<ReconcileLoop.PassReport> reports = new CopyOnWriteArrayList<>();
    try (ReconcileLoop loop =
        new ReconcileLoop(reconciler, Reconciler.Scope.ALL, reports::add, "test-loop")) {
      loop.start(state, Duration.ofHours(1));
      assertEquals(1, reports.size());
      for (int k = 1; k <= 50; k++) {
        Instance i = FakeState.started("i" + k, 1, 1, k, Map.of());
        plumbing.links.put(LinkNames.hostSideLink(i), 100 + k);
        state.put(i); // the feed listener returns at once; passes coalesce
      }
      long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
      while (locals.map.size() < 50 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertEquals(50, locals.map.size());
      assertTrue(
          reports.size() < 52, "at most one pass per batch plus the first, got " + reports.size());
      assertTrue(reports.stream().anyMatch(r -> r.changeLatencyNanos() >= 0));
    }
  }

  @Test
  void start_passThatCouldNotPrune_runsAgainWithoutAChange() throws Exception {
    java.util.concurrent.atomic.AtomicInteger passes =
        new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.CountDownLatch pruned = new java.util.concurrent.CountDownLatch(1);
    try (ReconcileLoop loop =
        new ReconcileLoop(
            cause -> {
              boolean complete = passes.incrementAndGet() >= 2; // caught up after the first pass
              if (complete) {
                pruned.countDown();
              }
              return new ReconcileResult(0, List.of(), List.of(), Duration.ZERO, complete);
            },
            r -> {},
            "test-loop")) {
      loop.start(listener -> () -> {}, Duration.ofMinutes(10));
      assertTrue(
          pruned.await(5, java.util.concurrent.TimeUnit.SECONDS),
          "a second pass ran by itself once the first could not prune");
    }
  }

  @Test
  void start_batchTouchingOnlyOtherHostsInstances_runsNoPlumbingOrMapsPass() throws Exception {
    FakeState state = new FakeState();
    java.util.concurrent.atomic.AtomicInteger plumbingPasses =
        new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicInteger mapsPasses =
        new java.util.concurrent.atomic.AtomicInteger();
    try (ReconcileLoop plumbing = countingLoop(plumbingPasses);
        ReconcileLoop maps = countingLoop(mapsPasses)) {
      plumbing.start(state, Duration.ofHours(1), dev.sixpn.dataplane.Dataplane.plumbingConcern(1));
      maps.start(state, Duration.ofHours(1), dev.sixpn.dataplane.Dataplane.mapsConcern(1));
      for (int k = 1; k <= 1000; k++) {
        long host = 2 + k % 50; // any host but this one
        state.put(FakeState.started("o" + k, 1 + k % 7, host, k, Map.of()));
      }
      state.stop("o1");
      Thread.sleep(200); // a pass, had one been queued, would have run by now
      assertEquals(1, plumbingPasses.get(), "only the first pass");
      assertEquals(1, mapsPasses.get(), "only the first pass");
      assertEquals(1001, plumbing.skippedChanges());

      state.putHost(new dev.sixpn.state.Host(9, "ams", 0, 0, "key", "192.0.2.9:51820"));
      awaitAtLeast(plumbingPasses, 2);
      Thread.sleep(100);
      assertEquals(1, mapsPasses.get(), "a new peer is plumbing's, not the maps'");

      state.put(FakeState.started("mine", 1, 1, 1, Map.of()));
      awaitAtLeast(plumbingPasses, 3);
      awaitAtLeast(mapsPasses, 2);
    }
  }

  @Test
  void start_eachPass_saysWhetherToReadBackAndWhetherHostRecordsChanged() throws Exception {
    FakeState state = new FakeState();
    List<ReconcileLoop.Cause> causes = new CopyOnWriteArrayList<>();
    try (ReconcileLoop loop =
        new ReconcileLoop(
            cause -> {
              causes.add(cause);
              return new ReconcileResult(0, List.of(), List.of(), Duration.ZERO, true);
            },
            r -> {},
            "test-loop")) {
      loop.start(state, Duration.ofHours(1));
      state.put(FakeState.started("mine", 1, 1, 1, Map.of()));
      awaitSize(causes, 2);
      state.putHost(new dev.sixpn.state.Host(9, "ams", 0, 0, "key", "192.0.2.9:51820"));
      awaitSize(causes, 3);
      assertEquals(
          List.of(
              new ReconcileLoop.Cause(true, true), // the start reads everything
              new ReconcileLoop.Cause(false, false), // a local instance: views, no fleet
              new ReconcileLoop.Cause(false, true)), // a host joined: its peer
          causes);
    }
  }

  private static void awaitSize(List<?> list, int want) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (list.size() < want && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
  }

  private static ReconcileLoop countingLoop(java.util.concurrent.atomic.AtomicInteger passes) {
    return new ReconcileLoop(
        cause -> {
          passes.incrementAndGet();
          return new ReconcileResult(0, List.of(), List.of(), Duration.ZERO, true);
        },
        r -> {},
        "test-loop");
  }

  private static void awaitAtLeast(java.util.concurrent.atomic.AtomicInteger n, int want)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (n.get() < want && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertTrue(n.get() >= want, "expected at least " + want + " passes, got " + n.get());
  }
}
