package dev.sixpn.dataplane.wireguard;

import java.util.Map;
import java.util.Optional;

/**
 * What a device reports: its own key and port, its peers by public key, and their counters (apart
 * from {@code peers}, which the reconciler compares with the desired configuration).
 */
public record DeviceState(
    Optional<WgKey> privateKey,
    int listenPort,
    Map<WgKey, PeerConfig> peers,
    Map<WgKey, PeerStats> stats) {

  public DeviceState {
    peers = Map.copyOf(peers);
    stats = Map.copyOf(stats);
  }

  /** A device state without counters (fakes, tests). */
  public DeviceState(Optional<WgKey> privateKey, int listenPort, Map<WgKey, PeerConfig> peers) {
    this(privateKey, listenPort, peers, Map.of());
  }

  /** Without the private key (a record would print it). */
  @Override
  public String toString() {
    return "DeviceState[privateKey="
        + (privateKey.isPresent() ? "<set>" : "<none>")
        + ", listenPort="
        + listenPort
        + ", peers="
        + peers
        + "]";
  }
}
