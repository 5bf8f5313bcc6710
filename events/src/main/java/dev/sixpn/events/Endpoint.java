package dev.sixpn.events;

import java.net.InetAddress;

/** A WireGuard underlay endpoint, {@code 192.0.2.1:51820} or {@code [2001:db8::1]:51820}. */
public record Endpoint(InetAddress address, int port) {

  public Endpoint {
    Validate.notNull("endpoint address", address);
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("endpoint port must be in 1..65535, got " + port);
    }
  }

  /** Parses {@code ip:port} or {@code [ipv6]:port}; literals only, never a DNS lookup. */
  public static Endpoint parse(String text) {
    int colon = text.lastIndexOf(':');
    if (colon <= 0 || colon == text.length() - 1) {
      throw new IllegalArgumentException(
          "endpoint must be ip:port or [ipv6]:port, got '" + text + "'");
    }
    String host = text.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    } else if (host.indexOf(':') >= 0) {
      throw new IllegalArgumentException(
          "endpoint with an IPv6 address must bracket it, got '" + text + "'");
    }
    int port;
    try {
      port = Integer.parseInt(text.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("endpoint port is not a number in '" + text + "'");
    }
    InetAddress address;
    try {
      address = InetAddress.ofLiteral(host);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("endpoint address is not an IP literal in '" + text + "'");
    }
    return new Endpoint(address, port);
  }

  @Override
  public String toString() {
    String a = address.getHostAddress();
    return (a.indexOf(':') >= 0 ? "[" + a + "]" : a) + ":" + port;
  }
}
