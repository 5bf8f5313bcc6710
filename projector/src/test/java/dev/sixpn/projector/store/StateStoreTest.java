package dev.sixpn.projector.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sixpn.address.SixpnAddress;
import dev.sixpn.events.LifecycleEvent;
import dev.sixpn.events.synthetic.SyntheticFleet;
import dev.sixpn.projector.fold.ChangeCollector;
import dev.sixpn.projector.fold.EventFolder;
import dev.sixpn.projector.fold.RuleViolation;
import dev.sixpn.state.Instance;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.DBOptions;
import org.rocksdb.RocksDB;

/** The memory state against its durable copy: what a reopen rebuilds, and what it refuses. */
class StateStoreTest {

  static final Instant T = Instant.parse("2026-11-25T00:00:00Z");

  @TempDir Path dir;

  static void foldAll(StateStore store, List<LifecycleEvent> events, int batchSize) {
    for (int from = 0; from < events.size(); from += batchSize) {
      StoreBatch batch = store.newBatch();
      for (LifecycleEvent e : events.subList(from, Math.min(events.size(), from + batchSize))) {
        try {
          EventFolder.fold(store, batch, e, new ChangeCollector());
        } catch (RuleViolation ignored) {
          // the projector quarantines these; here only the state matters
        }
      }
      store.commit(batch);
    }
  }

  /** Everything the read API answers, including the derived indexes, as one comparable map. */
  static Map<String, Object> view(StateStore store) {
    Map<String, Object> v = new TreeMap<>();
    ProjectedState state = store.state();
    v.put("digest", store.digest());
    v.put("offsets", store.offsets());
    v.put("quarantined", store.quarantined().size());
    v.put("hosts", state.hosts());
    for (long n : store.networks()) {
      v.put("network " + n, store.networkName(n));
      v.put("apps " + n, state.appsOfNetwork(n));
      for (Instance i : state.instancesOfNetwork(n, true)) {
        v.put("address " + i.address(), state.instanceByAddress(i.address()).orElseThrow());
        v.put("host " + i.host(), state.instancesOnHost(i.host()));
        for (String r : state.regionsOfApp(n, i.app(), true)) {
          v.put("region " + n + i.app() + r, state.instancesOfAppInRegion(n, i.app(), r));
        }
        v.put(
            "group " + n + i.app() + i.processGroup(),
            state.instancesOfProcessGroup(n, i.app(), i.processGroup()));
      }
    }
    return v;
  }

  @Test
  void open_rebuildsFromDiskTheStateTheFoldBuiltInMemory() {
    List<LifecycleEvent> events = new SyntheticFleet(3, 12, 4, 6).generate(20_000);
    Map<String, Object> folded;
    String digest;
    try (StateStore store = StateStore.open(dir)) {
      foldAll(store, events, 997);
      folded = view(store);
      digest = store.digest();
      assertTrue(store.networks().size() > 5, "the fleet left networks behind");
    }
    try (StateStore store = StateStore.open(dir)) {
      assertEquals(digest, store.digest());
      assertEquals(folded, view(store));
    }
    try (StateStore store = StateStore.openReadOnly(dir)) {
      assertEquals(folded, view(store));
    }
  }

  @Test
  void duplicate_afterReopen_isNoOp() throws Exception {
    LifecycleEvent.InstanceStarted s = started("e1", "i1", 1);
    try (StateStore store = StateStore.open(dir)) {
      foldAll(store, List.of(s, new LifecycleEvent.InstanceStopped("e2", T, "i1", 1, "web")), 10);
    }
    try (StateStore store = StateStore.open(dir)) {
      StoreBatch batch = store.newBatch();
      assertEquals(
          EventFolder.Outcome.DUPLICATE, EventFolder.fold(store, batch, s, new ChangeCollector()));
      store.commit(batch);
      assertFalse(store.state().instance(1, "web", "i1").orElseThrow().started());
    }
  }

  @Test
  void duplicate_ofABatchStillInFlight_isFound() throws Exception {
    LifecycleEvent.InstanceStarted s = started("e1", "i1", 1);
    try (StateStore store = StateStore.open(dir)) {
      StoreBatch first = store.newBatch();
      EventFolder.fold(store, first, s, new ChangeCollector());
      store.seal(first);
      StoreBatch second = store.newBatch();
      EventFolder.fold(
          store,
          second,
          new LifecycleEvent.InstanceStopped("e2", T, "i1", 1, "web"),
          new ChangeCollector());
      assertEquals(
          EventFolder.Outcome.DUPLICATE, EventFolder.fold(store, second, s, new ChangeCollector()));
      store.write(first);
      store.commit(second);
      assertFalse(store.state().instance(1, "web", "i1").orElseThrow().started());
    }
  }

  @Test
  void startThenDestroyInOneBatch_writesNoInstanceRow() throws Exception {
    try (StateStore store = StateStore.open(dir)) {
      StoreBatch batch = store.newBatch();
      EventFolder.fold(store, batch, started("e1", "i1", 1), new ChangeCollector());
      EventFolder.fold(
          store,
          batch,
          new LifecycleEvent.InstanceDestroyed("e2", T, "i1", 1, "web"),
          new ChangeCollector());
      store.commit(batch);
      List<String> keys = new ArrayList<>();
      store.scan(
          Family.INSTANCES, Keys.EMPTY, (k, v) -> keys.add(new String(k, StandardCharsets.UTF_8)));
      assertEquals(List.of(), keys);
      assertTrue(store.state().appExists(1, "web"));
    }
  }

  @Test
  void open_storeOfAnOlderSchema_saysToRebuild() throws Exception {
    writeSchema1Store();
    StoreException e = assertThrows(IncompatibleStoreException.class, () -> StateStore.open(dir));
    assertTrue(e.getMessage().contains("has schema 1"), e.getMessage());
    assertTrue(e.getMessage().contains("sixpn state rebuild"), e.getMessage());
  }

  @Test
  void openOrRebuild_storeOfAnOlderSchema_startsEmpty() throws Exception {
    writeSchema1Store();
    try (StateStore store = StateStore.openOrRebuild(dir)) {
      assertEquals(Map.of(), store.offsets());
      assertEquals(List.of(), store.networks());
    }
    try (StateStore store = StateStore.open(dir)) {
      assertEquals(List.of(), store.networks(), "the new store has the current schema");
    }
  }

  private void writeSchema1Store() throws Exception {
    RocksDB.loadLibrary();
    try (DBOptions o =
        new DBOptions().setCreateIfMissing(true).setCreateMissingColumnFamilies(true)) {
      List<ColumnFamilyHandle> handles = new ArrayList<>();
      try (RocksDB db =
          RocksDB.open(
              o,
              dir.toString(),
              List.of(
                  new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY),
                  new ColumnFamilyDescriptor("meta".getBytes(StandardCharsets.US_ASCII)),
                  new ColumnFamilyDescriptor("by_address".getBytes(StandardCharsets.US_ASCII))),
              handles)) {
        db.put(handles.get(1), Keys.SCHEMA, new byte[] {0, 0, 0, 1});
        db.put(handles.get(2), new byte[16], new byte[] {1});
        handles.forEach(ColumnFamilyHandle::close);
      }
    }
  }

  @Test
  void eventIdSet_findsEveryAddedHash() {
    EventIdSet set = new EventIdSet(Duration.ofDays(1));
    for (int i = 0; i < 200_000; i++) {
      set.add(EventIdSet.hash("ev-" + i), EventIdSet.mark(i % 6, T.toEpochMilli() + i));
    }
    assertEquals(200_000, set.size());
    for (int i = 0; i < 200_000; i++) {
      assertTrue(set.mightContain(EventIdSet.hash("ev-" + i)));
    }
    int hits = 0;
    for (int i = 200_000; i < 400_000; i++) {
      hits += set.mightContain(EventIdSet.hash("ev-" + i)) ? 1 : 0;
    }
    assertEquals(0, hits, "64-bit hashes of distinct short ids do not collide");
    long mark = EventIdSet.mark(5, T.toEpochMilli() + 17);
    assertEquals(5, EventIdSet.partitionOf(mark));
    assertEquals(T.toEpochMilli() + 17, EventIdSet.timeOf(mark));
  }

  @Test
  void duplicate_withinTheWindow_isNoOpAcrossReopen() throws Exception {
    LifecycleEvent.InstanceStarted s = started("e1", "i1", 1);
    try (StateStore store = StateStore.open(dir, Duration.ofHours(1))) {
      foldAll(
          store,
          List.of(
              s,
              new LifecycleEvent.InstanceStopped(
                  "e2", T.plus(Duration.ofMinutes(59)), "i1", 1, "web")),
          10);
    }
    try (StateStore store = StateStore.open(dir, Duration.ofHours(1))) {
      StoreBatch batch = store.newBatch();
      assertEquals(
          EventFolder.Outcome.DUPLICATE, EventFolder.fold(store, batch, s, new ChangeCollector()));
      store.commit(batch);
      assertFalse(store.state().instance(1, "web", "i1").orElseThrow().started());
    }
  }

  @Test
  void eventOlderThanTheHorizon_isNeverFolded_soAReplayedStartCannotResurrect() throws Exception {
    LifecycleEvent.InstanceStarted s = started("e1", "i1", 1);
    Instant later = T.plus(Duration.ofHours(2));
    try (StateStore store = StateStore.open(dir, Duration.ofHours(1))) {
      foldAll(
          store, List.of(s, new LifecycleEvent.InstanceDestroyed("e2", later, "i1", 1, "web")), 10);
    }
    try (StateStore store = StateStore.open(dir, Duration.ofHours(1))) {
      assertEquals(1, store.eventIdRows(), "e1 is past the horizon: only e2's row is left");
      StoreBatch batch = store.newBatch();
      StateRows rows = new StateRows(store, batch);
      assertTrue(rows.expired(s));
      assertEquals(EventFolder.Outcome.DUPLICATE, EventFolder.fold(rows, s, new ChangeCollector()));
      assertEquals(
          EventFolder.Outcome.DUPLICATE,
          EventFolder.fold(rows, started("e9", "i9", 9), new ChangeCollector()),
          "a late original is not folded either");
      assertFalse(rows.expired(started("e10", "i10", 10, later)));
      store.commit(batch);
      assertTrue(store.state().instance(1, "web", "i1").isEmpty());
      assertTrue(store.state().instance(1, "web", "i9").isEmpty());
    }
  }

  @Test
  void eventIds_stayBoundedAsEntitiesComeAndGo_andPurgeTheSameRowsWhateverTheBatches() {
    // 1 ms of event time per synthetic event: a 10 s horizon holds ~10,000 ids.
    Duration horizon = Duration.ofSeconds(10);
    List<LifecycleEvent> events = new SyntheticFleet(11, 8, 4, 6).generate(300_000);
    String digest;
    try (StateStore store = StateStore.open(dir.resolve("a"), horizon)) {
      for (int from = 0; from < events.size(); from += 50_000) {
        foldAll(store, events.subList(from, Math.min(events.size(), from + 50_000)), 1_000);
        long rows = store.eventIdRows();
        assertTrue(rows <= 10_000 + 10_000 / 16 + 1_000 + 100, "event_ids rows " + rows);
        assertTrue(store.eventIdsInMemory() <= store.eventIdSlots() / 2);
        assertEquals(1 << 16, store.eventIdSlots(), "the table never grew past its first size");
      }
      digest = store.digest();
    }
    try (StateStore store = StateStore.open(dir.resolve("b"), horizon)) {
      foldAll(store, events, 7_919);
      assertEquals(digest, store.digest(), "the same rows, whatever the batch boundaries");
    }
    try (StateStore store = StateStore.open(dir.resolve("a"), horizon)) {
      assertTrue(store.eventIdsInMemory() <= 10_000 + 10_000 / 16 + 100);
    }
  }

  static LifecycleEvent.InstanceStarted started(String eventId, String instanceId, long n) {
    return started(eventId, instanceId, n, T);
  }

  static LifecycleEvent.InstanceStarted started(
      String eventId, String instanceId, long n, Instant time) {
    return new LifecycleEvent.InstanceStarted(
        eventId,
        time,
        instanceId,
        1,
        "web",
        "app",
        7,
        "nrt",
        SixpnAddress.ofInstance(1, 7, n),
        Map.of());
  }
}
