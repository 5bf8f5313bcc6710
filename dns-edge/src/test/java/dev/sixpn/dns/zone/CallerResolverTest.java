package dev.sixpn.dns.zone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sixpn.address.SixpnAddress;
import dev.sixpn.dns.testing.CountingState;
import dev.sixpn.dns.testing.FakeState;
import java.net.InetAddress;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class CallerResolverTest {

  private final FakeState state = FakeState.fixture();

  @Test
  void resolve_knownInstanceGivesItsNetworkAndRegion() {
    CallerResolver r = new CallerResolver(state, state, OptionalLong.empty());
    assertEquals(
        Optional.of(new Caller(1, "ord")), r.resolve(state.get("k1ord").address().toInetAddress()));
    assertEquals(
        Optional.of(new Caller(2, "fra")), r.resolve(state.get("s1fra").address().toInetAddress()));
  }

  @Test
  void resolve_unknownSixpnAddressIsRefused() {
    CallerResolver r = new CallerResolver(state, state, OptionalLong.empty());
    assertTrue(r.resolve(SixpnAddress.ofInstance(1, 1, 777).toInetAddress()).isEmpty());
  }

  @Test
  void resolve_peerGivesItsNetwork_untilRemovedFromTheState() {
    CallerResolver r = new CallerResolver(state, state, OptionalLong.empty());
    SixpnAddress laptop = SixpnAddress.ofPeer(1, 1, 9);
    assertTrue(r.resolve(laptop.toInetAddress()).isEmpty());
    state.addPeer(1, "laptop", 1, 9);
    assertEquals(1, r.resolve(laptop.toInetAddress()).orElseThrow().network());
    assertTrue(
        r.resolve(SixpnAddress.ofPeer(2, 1, 9).toInetAddress()).isEmpty(),
        "a peer address of another network is no one");
  }

  @Test
  void resolve_hostAddressIsHostCaller() {
    CallerResolver r = new CallerResolver(state, state, OptionalLong.empty());
    assertEquals(Optional.of(Caller.host()), r.resolve(InetAddress.ofLiteral("fdaa:0:0:0:1::2")));
    assertEquals(Optional.of(Caller.host()), r.resolve(InetAddress.ofLiteral("fdaa::3")));
  }

  @Test
  void resolve_nonSixpnSourcesAreRefusedUnlessDevOptionMapsLoopback() {
    CallerResolver off = new CallerResolver(state, state, OptionalLong.empty());
    assertTrue(off.resolve(InetAddress.ofLiteral("::1")).isEmpty());
    assertTrue(off.resolve(InetAddress.ofLiteral("127.0.0.1")).isEmpty());
    assertTrue(off.resolve(InetAddress.ofLiteral("2001:db8::1")).isEmpty());
    CallerResolver dev = new CallerResolver(state, state, OptionalLong.of(2));
    assertEquals(Optional.of(new Caller(2, null)), dev.resolve(InetAddress.ofLiteral("::1")));
    assertEquals(Optional.of(new Caller(2, null)), dev.resolve(InetAddress.ofLiteral("127.0.0.1")));
    assertTrue(dev.resolve(InetAddress.ofLiteral("192.0.2.1")).isEmpty());
  }

  @Test
  void resolve_followsInstanceLifecycleThroughChangeFeed() {
    CallerResolver r = new CallerResolver(state, state, OptionalLong.empty());
    SixpnAddress a = SixpnAddress.ofInstance(1, 3, 4242);
    assertTrue(r.resolve(a.toInetAddress()).isEmpty());
    state.put(
        new dev.sixpn.state.Instance(
            "late",
            1,
            "caller-app",
            "app",
            3,
            "ams",
            a,
            dev.sixpn.state.InstanceStatus.STARTED,
            java.util.Map.of()));
    assertEquals(Optional.of(new Caller(1, "ams")), r.resolve(a.toInetAddress()));
    state.destroy("late");
    assertTrue(r.resolve(a.toInetAddress()).isEmpty());
  }

  @Test
  void resolve_changeOnAnotherHost_keepsCallersCachedWithoutReadingState() {
    CountingState counting = new CountingState(state);
    CallerResolver r = new CallerResolver(counting.reader(), state, OptionalLong.empty());
    InetAddress k1 = state.get("k1ord").address().toInetAddress();
    r.resolve(k1);
    int reads = counting.reads();
    long otherHost = state.get("k1ord").host() + 1000;
    state.put(
        new dev.sixpn.state.Instance(
            "elsewhere",
            1,
            "caller-app",
            "app",
            otherHost,
            "ams",
            SixpnAddress.ofInstance(1, otherHost, 1),
            dev.sixpn.state.InstanceStatus.STARTED,
            java.util.Map.of()));
    assertEquals(Optional.of(new Caller(1, "ord")), r.resolve(k1));
    assertEquals(reads, counting.reads(), "a batch on another host invalidates nothing here");
    state.stop("k1ord");
    r.resolve(k1);
    assertEquals(reads + 1, counting.reads(), "a batch on the caller's host is read again");
  }
}
