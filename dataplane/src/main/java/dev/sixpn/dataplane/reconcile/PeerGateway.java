package dev.sixpn.dataplane.reconcile;

import dev.sixpn.dataplane.wireguard.WireGuardDevice;
import dev.sixpn.events.Endpoint;
import java.util.function.Supplier;

/**
 * The WireGuard device a host gives peers outside the fleet (laptops, CI jobs), apart from the host
 * mesh: its own interface (with from_peer on it) and its own UDP port, so a peer's packets never
 * meet the mesh device's cryptokey routing and the BPF programs tell the two apart by interface. It
 * uses the host's key: a peer's configuration names the gateway by the public key of its
 * host.joined and by that event's endpoint with the port {@link #PORT_OFFSET} higher, so no event
 * carries anything new. Started by the first reconcile pass that has a peer for this host.
 *
 * @param device interface name, unique on the machine
 * @param listenPort the UDP port peers send to
 * @param open starts (or adopts) the device
 */
public record PeerGateway(String device, int listenPort, Supplier<WireGuardDevice> open) {

  /** The peer device listens this many ports above the mesh device. */
  public static final int PORT_OFFSET = 1;

  public PeerGateway {
    if (listenPort < 1 || listenPort > 65535) {
      throw new IllegalArgumentException("listenPort must be in 1..65535, got " + listenPort);
    }
  }

  /** The peer device's name for mesh device {@code meshDevice}: a {@code p} after at most 14. */
  public static String deviceName(String meshDevice) {
    return meshDevice.substring(0, Math.min(meshDevice.length(), 14)) + "p";
  }

  /** Where peers reach the gateway whose mesh endpoint (from host.joined) is {@code mesh}. */
  public static Endpoint endpointOf(Endpoint mesh) {
    if (mesh.port() + PORT_OFFSET > 65535) {
      throw new IllegalArgumentException(
          "mesh endpoint " + mesh + " leaves no port for the peer device");
    }
    return new Endpoint(mesh.address(), mesh.port() + PORT_OFFSET);
  }
}
