package dev.sixpn.dataplane.wireguard;

import dev.sixpn.events.Endpoint;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The cross-platform WireGuard configuration protocol (wireguard.com/xplatform): {@code key=value}
 * lines, a request ends with an empty line, every response ends with {@code errno=N} and an empty
 * line. Pure text in and out, so it is tested without a device.
 *
 * <p>Requests and {@code get} responses carry the private key (and preshared keys, where used): no
 * error message built here quotes a request or a response, and any UAPI text that may reach a log
 * (wireguard-go's own log included) goes through {@link #redact} first.
 */
final class Uapi {

  /** A secret's key and value, wherever it stands in a line or a joined log excerpt. */
  private static final Pattern SECRET =
      Pattern.compile("(private_key|preshared_key)(\\s*[=:]\\s*)[^\\s|,;\"']*");

  private Uapi() {}

  /**
   * {@code text} with the value of every {@code private_key=} and {@code preshared_key=} hidden.
   */
  static String redact(String text) {
    return SECRET.matcher(text).replaceAll("$1$2<redacted>");
  }

  /**
   * What a UAPI errno means, for error messages: wireguard-go answers the negated Linux errno of
   * the first line it could not apply.
   */
  static String meaning(int errno) {
    return switch (Math.abs(errno)) {
      case 22 -> "EINVAL: a value was rejected (key, port, endpoint or allowed IP)";
      case 71 -> "EPROTO: a line the device does not understand";
      case 98 -> "EADDRINUSE: the listen port is taken";
      case 5 -> "EIO: the device failed to apply it";
      case 2 -> "ENOENT: no such device";
      default -> "errno " + errno;
    };
  }

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

  /**
   * Whether the first {@code length} bytes are a whole response: they end with an {@code errno=N}
   * line and an empty line. Looks at the last line only.
   */
  static boolean complete(byte[] bytes, int length) {
    if (length < 2 || bytes[length - 1] != '\n' || bytes[length - 2] != '\n') {
      return false;
    }
    int start = length - 2;
    while (start > 0 && bytes[start - 1] != '\n') {
      start--;
    }
    return length - 2 - start > "errno=".length()
        && new String(bytes, start, "errno=".length(), StandardCharsets.US_ASCII).equals("errno=");
  }

  /** The errno of a response (its last line); 0 is success. */
  static int errno(String response) {
    int end = response.endsWith("\n\n") ? response.length() - 2 : response.length();
    int at = response.lastIndexOf("errno=", end);
    if (at >= 0 && (at == 0 || response.charAt(at - 1) == '\n')) {
      int eol = response.indexOf('\n', at);
      return Integer.parseInt(
          response.substring(at + "errno=".length(), eol < 0 ? end : eol).trim());
    }
    // Not the response itself: a get response holds the private key.
    throw new WireGuardException(
        "the response has no errno line ("
            + response.length()
            + " characters; is the socket a wireguard-go UAPI socket?)");
  }

  /** Parses a {@code get} response in one pass over its lines. */
  static DeviceState parseGet(String response) {
    Optional<WgKey> privateKey = Optional.empty();
    int listenPort = 0;
    Map<WgKey, PeerConfig> peers = new HashMap<>();
    WgKey peerKey = null;
    Endpoint endpoint = null;
    List<String> allowed = new ArrayList<>();
    int keepalive = 0;
    Map<WgKey, PeerStats> stats = new HashMap<>();
    long handshake = 0;
    long rx = 0;
    long tx = 0;
    int length = response.length();
    for (int start = 0, end; start < length; start = end + 1) {
      end = response.indexOf('\n', start);
      if (end < 0) {
        end = length;
      }
      int eq = response.indexOf('=', start);
      if (eq < 0 || eq > end) {
        continue;
      }
      String k = response.substring(start, eq);
      String v = response.substring(eq + 1, end);
      try {
        switch (k) {
          case "private_key" -> privateKey = Optional.of(WgKey.ofHex(v));
          case "listen_port" -> listenPort = Integer.parseInt(v);
          case "public_key" -> {
            if (peerKey != null) {
              peers.put(peerKey, new PeerConfig(peerKey, endpoint, allowed, keepalive));
              stats.put(peerKey, new PeerStats(handshake, rx, tx));
            }
            peerKey = WgKey.ofHex(v);
            endpoint = null;
            allowed = new ArrayList<>(1);
            keepalive = 0;
            handshake = 0;
            rx = 0;
            tx = 0;
          }
          case "last_handshake_time_sec" -> handshake = Long.parseLong(v);
          case "rx_bytes" -> rx = Long.parseLong(v);
          case "tx_bytes" -> tx = Long.parseLong(v);
          case "endpoint" -> endpoint = Endpoint.parse(v);
          case "allowed_ip" -> allowed.add(v);
          case "persistent_keepalive_interval" -> keepalive = Integer.parseInt(v);
          default -> {}
        }
      } catch (RuntimeException e) {
        // No cause and no value: the parse errors of a key (hex, length) quote parts of it.
        throw new WireGuardException(
            "UAPI get response has an unusable " + k + " line (" + v.length() + " characters)");
      }
    }
    if (peerKey != null) {
      peers.put(peerKey, new PeerConfig(peerKey, endpoint, allowed, keepalive));
      stats.put(peerKey, new PeerStats(handshake, rx, tx));
    }
    return new DeviceState(privateKey, listenPort, peers, stats);
  }
}
