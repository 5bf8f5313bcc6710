package dev.sixpn.dataplane.wireguard;

/**
 * A peer's counters as the UAPI {@code get=1} reports them.
 *
 * @param lastHandshakeEpochSeconds {@code last_handshake_time_sec}, 0 if there never was one
 * @param rxBytes bytes received from the peer
 * @param txBytes bytes sent to it
 */
public record PeerStats(long lastHandshakeEpochSeconds, long rxBytes, long txBytes) {

  public PeerStats {
    if (lastHandshakeEpochSeconds < 0 || rxBytes < 0 || txBytes < 0) {
      throw new IllegalArgumentException(
          "peer counters must not be negative, got handshake "
              + lastHandshakeEpochSeconds
              + ", rx "
              + rxBytes
              + ", tx "
              + txBytes);
    }
  }
}
