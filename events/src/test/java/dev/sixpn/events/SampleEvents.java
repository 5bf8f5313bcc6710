package dev.sixpn.events;

import dev.sixpn.address.SixpnAddress;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** One valid event of every type, for codec tests. */
final class SampleEvents {

  static final Instant T = Instant.parse("2026-11-25T18:00:00Z");
  static final String KEY = "5Zz5Bv1cPSrW6hO8NldV6Uqa/XTymJUN0xGd7EsiSCo=";

  private SampleEvents() {}

  static LifecycleEvent.InstanceStarted started() {
    return new LifecycleEvent.InstanceStarted(
        "e7",
        T,
        "5683d0e2b41e8e",
        1,
        "fearsome-bagel-43",
        "app",
        7,
        "nrt",
        SixpnAddress.ofInstance(1, 7, 42),
        Map.of("version", "3"));
  }

  static List<LifecycleEvent> all() {
    return List.of(
        new LifecycleEvent.NetworkCreated("e1", T, 1, "personal"),
        new LifecycleEvent.NetworkDeleted("e2", T, 1),
        new LifecycleEvent.AppCreated("e3", T, 1, "fearsome-bagel-43"),
        new LifecycleEvent.AppDeleted("e4", T, 1, "fearsome-bagel-43"),
        new LifecycleEvent.HostJoined("e5", T, 7, "nrt", 35.76, 140.38, KEY, "192.0.2.7:51820"),
        new LifecycleEvent.HostLeft("e6", T, 7),
        started(),
        new LifecycleEvent.InstanceStopped("e8", T, "5683d0e2b41e8e", 1, "fearsome-bagel-43"),
        new LifecycleEvent.InstanceDestroyed("e9", T, "5683d0e2b41e8e", 1, "fearsome-bagel-43"),
        new LifecycleEvent.InstanceHealth(
            "e10", T, "5683d0e2b41e8e", 1, "fearsome-bagel-43", "http-8080", HealthStatus.WARNING),
        new LifecycleEvent.PeerCreated(
            "e11", T, 1, "laptop", KEY, 7, SixpnAddress.ofPeer(1, 7, 0x1234)),
        new LifecycleEvent.PeerRemoved("e12", T, 1, "laptop"));
  }
}
