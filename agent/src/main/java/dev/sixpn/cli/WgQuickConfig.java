package dev.sixpn.cli;

import dev.sixpn.address.SixpnAddress;
import dev.sixpn.events.Endpoint;
import java.util.List;
import java.util.Set;

/**
 * The wg-quick(8) configuration of a peer outside the fleet, as {@code sixpn peer create} prints
 * it: the peer's own key and address, the network's resolver, the gateway as its only peer.
 *
 * @param privateKey the peer's private key, base64 (never leaves the machine that made it)
 * @param address the peer's 6PN address
 * @param gatewayKey the gateway host's public key, base64
 * @param gatewayEndpoint the gateway's peer device, {@code ip:port}
 */
public record WgQuickConfig(
    String privateKey, SixpnAddress address, String gatewayKey, Endpoint gatewayEndpoint) {

  /** A laptop behind NAT keeps its mapping open, as Fly's peers do. */
  static final int KEEPALIVE_SECONDS = 25;

  /** The keys wg(8) setconf reads; wg-quick reads the others (Address, DNS, ...) itself. */
  private static final Set<String> WG_KEYS =
      Set.of(
          "privatekey",
          "listenport",
          "fwmark",
          "publickey",
          "presharedkey",
          "allowedips",
          "endpoint",
          "persistentkeepalive");

  public String render() {
    return String.join(
        "\n",
        List.of(
            "[Interface]",
            "PrivateKey = " + privateKey,
            "Address = " + address + "/128",
            "DNS = " + SixpnAddress.dnsOf(address.network()),
            "",
            "[Peer]",
            "PublicKey = " + gatewayKey,
            "AllowedIPs = " + SixpnAddress.networkPrefix(address.network()),
            "Endpoint = " + gatewayEndpoint,
            "PersistentKeepalive = " + KEEPALIVE_SECONDS,
            ""));
  }

  /**
   * What {@code wg-quick strip} prints: the configuration without the lines only wg-quick reads,
   * for {@code wg setconf} where wg-quick cannot run (no resolvconf, a userspace device).
   */
  public static String strip(String config) {
    StringBuilder out = new StringBuilder();
    for (String line : config.split("\n")) {
      String t = line.strip();
      int eq = t.indexOf('=');
      if (t.startsWith("[")
          || (eq > 0 && WG_KEYS.contains(t.substring(0, eq).strip().toLowerCase()))) {
        out.append(t).append('\n');
      }
    }
    return out.toString();
  }

  /** The value of {@code key} in the configuration (first occurrence), or null. */
  public static String value(String config, String key) {
    for (String line : config.split("\n")) {
      int eq = line.indexOf('=');
      if (eq > 0 && line.substring(0, eq).strip().equalsIgnoreCase(key)) {
        return line.substring(eq + 1).strip();
      }
    }
    return null;
  }
}
