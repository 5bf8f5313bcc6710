package dev.sixpn.dataplane;

import dev.sixpn.dataplane.link.Netns;
import java.nio.file.Path;
import java.time.Duration;

/**
 * How one host's dataplane is set up.
 *
 * @param host this host's id (the HHHH:HHHH of its instances' addresses)
 * @param netns the namespace holding the host's links and WireGuard device
 * @param pinDir bpffs directory for this host's programs and maps, e.g. /sys/fs/bpf/sixpn
 * @param stateDir where the WireGuard private key (mode 0600) and wireguard-go's log live
 * @param wgDevice WireGuard interface name, unique on the machine (wireguard-go's socket directory
 *     is shared by all namespaces)
 * @param listenPort WireGuard UDP port, the port of the endpoint published in host.joined
 * @param keepaliveSeconds persistent keepalive of every peer
 * @param mtu MTU of the WireGuard device (instances use the same, 1420)
 * @param netnsEtc where namespace instances' resolver files go, normally /etc/netns
 * @param resync period of the safety-net reconcile
 *     <p>Every interface of the namespace but {@code lo}, the WireGuard device and instance links
 *     gets from_underlay (6PN and mesh-form destinations arriving outside the tunnel are dropped):
 *     found, not configured, so a forgotten or new interface is never a way in.
 */
public record DataplaneConfig(
    long host,
    Netns netns,
    Path pinDir,
    Path stateDir,
    String wgDevice,
    int listenPort,
    int keepaliveSeconds,
    int mtu,
    Path netnsEtc,
    Duration resync) {

  public static final int DEFAULT_MTU = 1420;
  public static final int DEFAULT_PORT = 51820;

  public DataplaneConfig {
    if (wgDevice == null
        || wgDevice.isEmpty()
        || wgDevice.length() > 15
        || wgDevice.equals("lo")
        || wgDevice.contains("/")
        || dev.sixpn.dataplane.link.LinkNames.isInstanceLink(wgDevice)) {
      throw new IllegalArgumentException(
          "wgDevice must be an interface name of 1-15 characters that is neither lo nor of the"
              + " instance form 6p<13 hex>, got '"
              + wgDevice
              + "'");
    }
    if (host < 1 || host > 0xffff_ffffL) {
      throw new IllegalArgumentException("host must be in 1..4294967295, got " + host);
    }
    if (listenPort < 1 || listenPort > 65534) {
      // 65535 would leave the peer device (listenPort + 1) no port
      throw new IllegalArgumentException("listenPort must be in 1..65534, got " + listenPort);
    }
    if (mtu < 1280) {
      throw new IllegalArgumentException(
          "mtu must be at least 1280 (the IPv6 minimum), got " + mtu);
    }
    if (keepaliveSeconds < 0 || keepaliveSeconds > 65535) {
      throw new IllegalArgumentException(
          "keepaliveSeconds must be in 0..65535, got " + keepaliveSeconds);
    }
  }

  /**
   * The WireGuard device for peers outside the fleet ({@link
   * dev.sixpn.dataplane.reconcile.PeerGateway}), named after the mesh device; it listens on {@code
   * listenPort + 1}.
   */
  public String peerDevice() {
    return dev.sixpn.dataplane.reconcile.PeerGateway.deviceName(wgDevice);
  }

  /** Production defaults for host {@code host} in the agent's own namespace. */
  public static DataplaneConfig defaults(long host, Path stateDir) {
    return new DataplaneConfig(
        host,
        Netns.CURRENT,
        Path.of("/sys/fs/bpf/sixpn"),
        stateDir,
        "sixpn0",
        DEFAULT_PORT,
        25,
        DEFAULT_MTU,
        Path.of("/etc/netns"),
        Duration.ofSeconds(30));
  }
}
