package dev.sixpn.bench;

import dev.sixpn.address.InstanceAllocator;
import dev.sixpn.address.SixpnAddress;
import dev.sixpn.events.LifecycleEvent;
import dev.sixpn.projector.fold.ChangeCollector;
import dev.sixpn.projector.fold.EventFolder;
import dev.sixpn.projector.fold.RuleViolation;
import dev.sixpn.projector.store.StateStore;
import dev.sixpn.projector.store.StoreBatch;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The dedup window under churn: {@code DedupBench <dataDir> <events> <live> <eventsPerSecond>}.
 * Folds {@code events} lifecycle events (no Kafka: the store and the fold rules as the projector
 * drives them, batches of 50,000) over a fleet of at most {@code live} instances: starts until the
 * fleet is full, then stops, restarts, destroys and new starts at random, {@code eventsPerSecond}
 * of event time apart, with the default dedup horizon. At 1M, 5M and every 10M it prints the heap
 * after a GC, the ids in the window's memory table, its slots and the {@code event_ids} rows.
 */
public final class DedupBench {

  private DedupBench() {}

  private record Live(String id, long network, String app, SixpnAddress address, boolean started) {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    long n = Long.parseLong(args[1]);
    int maxLive = Integer.parseInt(args[2]);
    double perSecond = Double.parseDouble(args[3]);
    StateStore.destroy(dir);
    Random random = new Random(42);
    InstanceAllocator allocator = new InstanceAllocator();
    List<Live> live = new ArrayList<>(maxLive);
    Instant start = Instant.parse("2026-01-01T00:00:00Z");
    long nanosPerEvent = (long) (1e9 / perSecond);
    System.out.printf(
        "# %,d events over at most %,d live instances, %.0f events/s of event time (%.1f days),"
            + " horizon %s%n",
        n, maxLive, perSecond, n / perSecond / 86_400, StateStore.DEFAULT_DEDUP_HORIZON);
    long wall = System.nanoTime();
    try (StateStore store = StateStore.open(dir)) {
      StoreBatch batch = store.newBatch();
      int inBatch = 0;
      for (long i = 1; i <= n; i++) {
        Instant t = start.plusNanos(i * nanosPerEvent);
        String eventId = "ev-" + i;
        LifecycleEvent e;
        int roll = random.nextInt(100);
        if (live.size() < maxLive && (live.size() < maxLive / 2 || roll < 50)) {
          long network = 1 + random.nextInt(100);
          long host = 1 + random.nextInt(20);
          byte[] raw = new byte[7];
          random.nextBytes(raw);
          Live l =
              new Live(
                  HexFormat.of().formatHex(raw),
                  network,
                  "app-" + random.nextInt(10),
                  allocator.allocate(network, host),
                  true);
          live.add(l);
          e = started(eventId, t, l);
        } else {
          int index = random.nextInt(live.size());
          Live l = live.get(index);
          if (roll < 75) {
            Live now = new Live(l.id(), l.network(), l.app(), l.address(), !l.started());
            live.set(index, now);
            e =
                now.started()
                    ? started(eventId, t, now)
                    : new LifecycleEvent.InstanceStopped(eventId, t, l.id(), l.network(), l.app());
          } else {
            live.set(index, live.getLast());
            live.removeLast();
            allocator.release(l.address());
            e = new LifecycleEvent.InstanceDestroyed(eventId, t, l.id(), l.network(), l.app());
          }
        }
        try {
          EventFolder.fold(store, batch, e, ChangeCollector.discarding());
        } catch (RuleViolation ignored) {
          // none expected; the projector would quarantine it
        }
        if (++inBatch == 50_000) {
          store.commit(batch);
          batch = store.newBatch();
          inBatch = 0;
        }
        if (i == 1_000_000 || i == 5_000_000 || i % 10_000_000 == 0) {
          store.commit(batch);
          batch = store.newBatch();
          inBatch = 0;
          report(store, i, live.size(), wall);
        }
      }
      store.commit(batch);
    }
  }

  private static void report(StateStore store, long events, int live, long wallStart) {
    System.gc();
    long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    System.out.printf(
        "after %,d events (%.0f s): live instances %,d, heap used after GC %,d MiB,"
            + " window ids in memory %,d, table slots %,d (%,d KiB), event_ids rows %,d%n",
        events,
        (System.nanoTime() - wallStart) / 1e9,
        live,
        heap >> 20,
        store.eventIdsInMemory(),
        store.eventIdSlots(),
        store.eventIdSlots() * 16L >> 10,
        store.eventIdRows());
  }

  private static LifecycleEvent.InstanceStarted started(String eventId, Instant t, Live l) {
    return new LifecycleEvent.InstanceStarted(
        eventId,
        t,
        l.id(),
        l.network(),
        l.app(),
        "app",
        l.address().host(),
        "nrt",
        l.address(),
        Map.of());
  }
}
