package dev.sixpn.dns.zone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sixpn.dns.testing.CountingState;
import dev.sixpn.dns.testing.FakeState;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

class ZoneCacheTest {

  private static final Name APP = Name.fromConstantString("fearsome-bagel-43.internal.");
  private final FakeState state = FakeState.fixture();
  private final ZoneCache cache = new ZoneCache(new InternalZone(state), state, 1000);
  private final Caller ord = new Caller(1, "ord");

  @Test
  void answer_rotatesRoundRobinBetweenQueries() {
    List<Record> first = cache.answer(APP, Type.AAAA, ord).answers();
    Set<Record> firsts = new HashSet<>(List.of(first.getFirst()));
    for (int i = 1; i < 4; i++) {
      List<Record> now = cache.answer(APP, Type.AAAA, ord).answers();
      assertEquals(Set.copyOf(first), Set.copyOf(now));
      firsts.add(now.getFirst());
    }
    assertEquals(4, firsts.size(), "each of the 4 instances leads once in 4 queries");
    assertEquals(
        first, cache.answer(APP, Type.AAAA, ord).answers(), "after a full cycle the order repeats");
  }

  @Test
  void answer_reflectsStartedInstanceAfterChangeFeed() {
    assertEquals(4, cache.answer(APP, Type.AAAA, ord).answers().size());
    state.start(1, "fearsome-bagel-43", "f6nrt", "web", "nrt");
    assertEquals(5, cache.answer(APP, Type.AAAA, ord).answers().size());
    state.stop("f6nrt");
    assertEquals(4, cache.answer(APP, Type.AAAA, ord).answers().size());
  }

  @Test
  void answer_healthChangeInvalidates() {
    assertEquals(4, cache.answer(APP, Type.AAAA, ord).answers().size());
    state.put(state.get("a1nrt").withCheck("c", dev.sixpn.events.HealthStatus.CRITICAL));
    assertEquals(3, cache.answer(APP, Type.AAAA, ord).answers().size());
    state.put(state.get("a1nrt").withCheck("c", dev.sixpn.events.HealthStatus.PASSING));
    assertEquals(4, cache.answer(APP, Type.AAAA, ord).answers().size());
  }

  @Test
  void lookup_fenceName_neverCachedNorCurrent() {
    long[] next = {0};
    ZoneCache fenced = new ZoneCache(new InternalZone(state, p -> next[0]), state, 1000);
    Name fence = Name.fromConstantString("0-5._fence.internal.");
    ZoneCache.Lookup pending = fenced.lookup(fence, Type.TXT, ord);
    assertTrue(String.valueOf(pending.base().answers()).contains("status=pending"));
    assertTrue(!pending.isCurrent(), "the fast path must not keep a fence answer");
    next[0] = 6; // a batch committed: no change feed event says so
    assertTrue(
        String.valueOf(fenced.lookup(fence, Type.TXT, ord).base().answers())
            .contains("status=applied"));
    assertEquals(0, fenced.size());
  }

  @Test
  void answer_newAppTurnsNxdomainIntoAnswer() {
    Name n = Name.fromConstantString("new-app.internal.");
    assertEquals(Rcode.NXDOMAIN, cache.answer(n, Type.AAAA, ord).rcode());
    state.start(1, "new-app", "n1", "app", "iad");
    assertEquals(1, cache.answer(n, Type.AAAA, ord).answers().size());
    state.destroy("n1");
    assertEquals(Rcode.NXDOMAIN, cache.answer(n, Type.AAAA, ord).rcode());
  }

  @Test
  void answer_changeInOtherNetworkKeepsEntries() {
    cache.answer(APP, Type.AAAA, ord);
    int before = cache.size();
    state.start(2, "secret-app", "s2fra", "app", "fra");
    assertEquals(before, cache.size());
    assertEquals(4, cache.answer(APP, Type.AAAA, ord).answers().size());
  }

  @Test
  void answer_nearestDependsOnCallerRegionAndLocations() {
    Name top1 = Name.fromConstantString("top1.nearest.of.fearsome-bagel-43.internal.");
    Record fromOrd = cache.answer(top1, Type.AAAA, ord).answers().getFirst();
    Record fromNrt = cache.answer(top1, Type.AAAA, new Caller(1, "nrt")).answers().getFirst();
    assertNotEquals(fromOrd, fromNrt);
  }

  @Test
  void close_unsubscribes() throws Exception {
    int before = state.listenerCount();
    cache.close();
    assertEquals(before - 1, state.listenerCount());
  }

  @Test
  void constructor_rejectsNonPositiveBound() {
    assertThrows(
        IllegalArgumentException.class, () -> new ZoneCache(new InternalZone(state), state, 0));
  }

  @Test
  void answer_boundedInEntries() {
    ZoneCache small = new ZoneCache(new InternalZone(state), state, 3);
    for (int i = 0; i < 10; i++) {
      small.answer(Name.fromConstantString("n" + i + ".internal."), Type.AAAA, ord);
    }
    assertTrue(small.size() <= 3);
    assertEquals(7, small.evictions());
  }

  @Test
  void flood_ofDistinctNamesStaysWithinEntryAndByteBounds() {
    for (int i = 0; i < 300; i++) {
      state.start(1, "big", String.format("big%03d", i), "app", i % 2 == 0 ? "iad" : "ams");
    }
    long maxBytes = 2L << 20;
    ZoneCache bounded = new ZoneCache(new InternalZone(state), state, 5_000, maxBytes);
    Random random = new Random(1);
    long peak = 0;
    for (int i = 0; i < 30_000; i++) {
      String name =
          switch (i % 4) {
            case 0 -> "top" + (1 + random.nextInt(999_999)) + ".nearest.of.big.internal.";
            case 1 -> "r" + random.nextInt(1 << 30) + ".big.internal.";
            case 2 -> "i" + random.nextInt(1 << 30) + ".vm.big.internal.";
            default -> "g" + random.nextInt(1 << 30) + ".process.big.internal.";
          };
      bounded.answer(Name.fromConstantString(name), Type.AAAA, ord);
      peak = Math.max(peak, bounded.bytes());
      assertTrue(bounded.size() <= 5_000, "entries " + bounded.size());
    }
    // one entry may overshoot before it is evicted for: at most a top64 answer
    assertTrue(peak <= maxBytes + 64 * 1024, "peak bytes " + peak);
    assertTrue(bounded.evictions() > 20_000, "evictions " + bounded.evictions());
  }

  @Test
  void eviction_givesAnswersAskedAgainASecondChanceOverAFlood() {
    ZoneCache bounded = new ZoneCache(new InternalZone(state), state, 100);
    bounded.answer(APP, Type.AAAA, ord);
    long misses = bounded.misses();
    for (int i = 0; i < 1_000; i++) {
      bounded.answer(Name.fromConstantString("flood" + i + ".internal."), Type.AAAA, ord);
      if (i % 50 == 0) {
        bounded.answer(APP, Type.AAAA, ord); // asked again now and then: stays
      }
    }
    assertEquals(misses + 1_000, bounded.misses(), "the app's answer was never recomputed");
  }

  @Test
  void bytes_countEveryEntryAndDropWithInvalidateAll() {
    ZoneCache c = new ZoneCache(new InternalZone(state), state, 100);
    c.answer(APP, Type.AAAA, ord);
    long one = c.bytes();
    assertTrue(one > ZoneCache.ENTRY_BYTES, "bytes " + one);
    c.answer(Name.fromConstantString("_instances.internal."), Type.TXT, ord);
    assertTrue(c.bytes() > one);
    c.invalidateAll();
    assertEquals(0, c.bytes());
    assertEquals(0, c.size());
  }

  @Test
  void key_holdsTheCallerRegionOnlyForNearestNames() {
    ZoneCache c = new ZoneCache(new InternalZone(state), state, 100);
    Caller nrt = new Caller(1, "nrt");
    c.answer(APP, Type.AAAA, ord);
    c.answer(APP, Type.AAAA, nrt);
    assertEquals(1, c.size(), "one entry for every caller region: the answer is the same");
    Name top1 = Name.fromConstantString("top1.nearest.of.fearsome-bagel-43.internal.");
    c.answer(top1, Type.AAAA, ord);
    c.answer(top1, Type.AAAA, nrt);
    assertEquals(3, c.size(), "nearest answers depend on the caller's region");
  }

  @Test
  void answer_nearest_staysCachedThroughInstanceChurnUntilAHostJoins() {
    CountingState counting = new CountingState(state);
    ZoneCache c = new ZoneCache(new InternalZone(counting.reader()), state, 1000);
    Name top1 = Name.fromConstantString("top1.nearest.of.fearsome-bagel-43.internal.");
    c.answer(top1, Type.AAAA, ord);
    int reads = counting.reads();
    state.start(2, "secret-app", "s2fra", "app", "fra"); // another network, another host
    c.answer(top1, Type.AAAA, ord);
    assertEquals(reads, counting.reads(), "instance churn elsewhere leaves locations valid");
    state.withRegion("syd", -33.9, 151.2);
    c.answer(top1, Type.AAAA, ord);
    assertTrue(counting.reads() > reads, "a host joining may move a region: recomputed");
  }
}
