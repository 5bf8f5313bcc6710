package dev.sixpn.dataplane.wireguard;

import dev.sixpn.dataplane.link.Prefixes;
import dev.sixpn.events.Endpoint;
import java.util.List;

/**
 * One WireGuard peer as the dataplane configures it.
 *
 * @param allowedIps canonical prefixes ({@link Prefixes#canonical})
 * @param keepaliveSeconds persistent keepalive, 0 for off
 */
public record PeerConfig(
    WgKey publicKey, Endpoint endpoint, List<String> allowedIps, int keepaliveSeconds) {

  public PeerConfig {
    if (publicKey == null) {
      throw new IllegalArgumentException("publicKey is required");
    }
    allowedIps = allowedIps.stream().map(Prefixes::canonical).sorted().toList();
    if (keepaliveSeconds < 0 || keepaliveSeconds > 65535) {
      throw new IllegalArgumentException(
          "keepaliveSeconds must be in 0..65535, got " + keepaliveSeconds);
    }
  }
}
