package dev.sixpn.dns.server;

import dev.sixpn.dns.metrics.DnsMetrics;
import dev.sixpn.dns.zone.CallerResolver;
import dev.sixpn.dns.zone.ZoneCache;

/** A {@link QueryAnswerer} without forwarding, as the server wires it. */
final class TestAnswerers {

  private TestAnswerers() {}

  static QueryAnswerer of(
      CallerResolver callers, ZoneCache zone, DnsMetrics metrics, int maxUdpPayload) {
    return new QueryAnswerer(
        new QueryPolicy(callers, zone, false), new ResponseEncoder(maxUdpPayload), null, metrics);
  }
}
