package dev.sixpn.dataplane.wireguard;

import java.util.Map;
import java.util.Optional;

/** What a device reports: its own key and port, and its peers by public key. */
public record DeviceState(
    Optional<WgKey> privateKey, int listenPort, Map<WgKey, PeerConfig> peers) {

  public DeviceState {
    peers = Map.copyOf(peers);
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
