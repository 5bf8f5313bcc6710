package dev.sixpn.bench.fleet;

import dev.sixpn.address.SixpnAddress;
import dev.sixpn.dataplane.wireguard.WgKey;
import dev.sixpn.events.Events;
import dev.sixpn.events.LifecycleEvent;
import dev.sixpn.events.LifecycleEvent.HostJoined;
import dev.sixpn.events.LifecycleEvent.InstanceStarted;
import dev.sixpn.events.LifecycleEvent.InstanceStopped;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The synthetic fleet: hosts 2.. with random WireGuard keys and endpoints in 10.200.0.0/16 (which
 * the host namespace blackholes), and instances spread over {@code networks} networks of three apps
 * each, none of them in the agent's network 1 or on its host 1.
 */
final class FleetEvents {

  static final List<String> REGIONS = List.of("ams", "nrt", "iad", "syd", "gru", "fra");

  private final int hosts;
  private final int networks;
  private final SecureRandom random = new SecureRandom();

  FleetEvents(int hosts, int networks) {
    this.hosts = hosts;
    this.networks = networks;
  }

  /** Fleet host {@code k} (0-based) is host {@code 2 + k}. */
  HostJoined hostJoined(int k) {
    byte[] key = new byte[32];
    random.nextBytes(key);
    long host = 2L + k;
    return new HostJoined(
        Events.newEventId(),
        Instant.now(),
        host,
        region(host),
        0.0,
        0.0,
        WgKey.ofBytes(key).base64(),
        "10.200." + (host >> 8 & 0xff) + "." + (host & 0xff) + ":51820");
  }

  /** Fleet instance {@code i}: network 2 + i mod networks, one of three apps, a fleet host. */
  InstanceStarted started(long i) {
    long network = 2 + i % networks;
    long host = 2 + (i / 3) % hosts;
    return new InstanceStarted(
        Events.newEventId(),
        Instant.now(),
        "i" + i,
        network,
        "app-" + (i / networks) % 3,
        "app",
        host,
        region(host),
        // i / networks is unique within the network, so unique per (network, host) too.
        SixpnAddress.ofInstance(network, host, 1 + i / networks),
        Map.of());
  }

  InstanceStopped stopped(long i) {
    return new InstanceStopped(
        Events.newEventId(), Instant.now(), "i" + i, 2 + i % networks, "app-" + (i / networks) % 3);
  }

  /**
   * Churn event {@code n} over {@code live} instances: even events stop an instance, odd ones start
   * it again, each pair on the next instance (a stride through them, so every network gets some).
   */
  LifecycleEvent churn(long n, long live) {
    long i = (n / 2 * 7919) % live;
    return n % 2 == 0 ? stopped(i) : started(i);
  }

  /** An instance in the agent's network 1 on fleet host {@code host}. */
  static InstanceStarted inNetworkOne(String id, String app, long host, long number) {
    return new InstanceStarted(
        Events.newEventId(),
        Instant.now(),
        id,
        1,
        app,
        "app",
        host,
        region(host),
        SixpnAddress.ofInstance(1, host, number),
        Map.of());
  }

  static String region(long host) {
    return REGIONS.get((int) (host % REGIONS.size()));
  }
}
