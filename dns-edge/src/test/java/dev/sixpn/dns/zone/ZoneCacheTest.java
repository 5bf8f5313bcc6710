package dev.sixpn.dns.zone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.sixpn.dns.testing.FakeState;
import java.util.HashSet;
import java.util.List;
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
  void answer_boundedByClearingWhenFull() {
    ZoneCache small = new ZoneCache(new InternalZone(state), state, 3);
    for (int i = 0; i < 10; i++) {
      small.answer(Name.fromConstantString("n" + i + ".internal."), Type.AAAA, ord);
    }
    assertEquals(true, small.size() <= 3);
  }
}
