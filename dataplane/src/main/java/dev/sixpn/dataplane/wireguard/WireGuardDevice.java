package dev.sixpn.dataplane.wireguard;

/**
 * A WireGuard device the dataplane configures. wireguard-go is the backend here (the kernel has no
 * CONFIG_WIREGUARD); a kernel backend would speak netlink behind the same interface. Configuration
 * changes are applied one call at a time and are not transactional: a failure leaves earlier calls
 * applied, and the next reconcile converges.
 */
public interface WireGuardDevice extends AutoCloseable {

  /** The interface name in the host's namespace. */
  String name();

  DeviceState state();

  /**
   * Brings the device back if it is gone (wireguard-go crashed or was killed: its TUN interface
   * went with it). Returns true if it had to be recreated: it then has no key, no peers, no
   * programs and no routes, which the same reconcile pass restores.
   */
  boolean ensureRunning();

  void configure(WgKey privateKey, int listenPort);

  /** Adds or updates a peer; its allowed IPs are replaced, not merged. */
  void upsertPeer(PeerConfig peer);

  /** Removes a peer; an unknown key is not an error. */
  void removePeer(WgKey publicKey);

  /** Releases this handle; the device itself keeps running (see {@link #destroy()}). */
  @Override
  void close();

  /** Deletes the device; its tunnels end. */
  void destroy();
}
