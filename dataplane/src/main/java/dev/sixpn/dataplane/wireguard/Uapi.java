package dev.sixpn.dataplane.wireguard;

import dev.sixpn.events.Endpoint;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The cross-platform WireGuard configuration protocol (wireguard.com/xplatform): {@code key=value}
 * lines, a request ends with an empty line, every response ends with {@code errno=N} and an empty
 * line. Pure text in and out, so it is tested without a device.
 */
final class Uapi {

  private Uapi() {}

  static String getRequest() {
    return "get=1\n\n";
  }

  static String configureRequest(WgKey privateKey, int listenPort) {
    return "set=1\nprivate_key=" + privateKey.hex() + "\nlisten_port=" + listenPort + "\n\n";
  }

  static String upsertPeerRequest(PeerConfig peer) {
    StringBuilder sb = new StringBuilder("set=1\n");
    sb.append("public_key=").append(peer.publicKey().hex()).append('\n');
    if (peer.endpoint() != null) {
      sb.append("endpoint=").append(peer.endpoint()).append('\n');
    }
    sb.append("persistent_keepalive_interval=").append(peer.keepaliveSeconds()).append('\n');
    sb.append("replace_allowed_ips=true\n");
    for (String ip : peer.allowedIps()) {
      sb.append("allowed_ip=").append(ip).append('\n');
    }
    return sb.append('\n').toString();
  }

  static String removePeerRequest(WgKey publicKey) {
    return "set=1\npublic_key=" + publicKey.hex() + "\nremove=true\n\n";
  }

  /** The errno of a response; 0 is success. */
  static int errno(String response) {
    for (String line : response.split("\n")) {
      if (line.startsWith("errno=")) {
        return Integer.parseInt(line.substring("errno=".length()).trim());
      }
    }
    throw new WireGuardException("UAPI response without errno line: '" + response.strip() + "'");
  }

  static DeviceState parseGet(String response) {
    Optional<WgKey> privateKey = Optional.empty();
    int listenPort = 0;
    Map<WgKey, PeerConfig> peers = new HashMap<>();
    WgKey peerKey = null;
    Endpoint endpoint = null;
    List<String> allowed = new ArrayList<>();
    int keepalive = 0;
    for (String line : response.split("\n")) {
      int eq = line.indexOf('=');
      if (eq < 0) {
        continue;
      }
      String k = line.substring(0, eq);
      String v = line.substring(eq + 1);
      switch (k) {
        case "private_key" -> privateKey = Optional.of(WgKey.ofHex(v));
        case "listen_port" -> listenPort = Integer.parseInt(v);
        case "public_key" -> {
          if (peerKey != null) {
            peers.put(peerKey, new PeerConfig(peerKey, endpoint, allowed, keepalive));
          }
          peerKey = WgKey.ofHex(v);
          endpoint = null;
          allowed = new ArrayList<>();
          keepalive = 0;
        }
        case "endpoint" -> endpoint = Endpoint.parse(v);
        case "allowed_ip" -> allowed.add(v);
        case "persistent_keepalive_interval" -> keepalive = Integer.parseInt(v);
        default -> {}
      }
    }
    if (peerKey != null) {
      peers.put(peerKey, new PeerConfig(peerKey, endpoint, allowed, keepalive));
    }
    return new DeviceState(privateKey, listenPort, peers);
  }
}
