package dev.sixpn.dataplane.link;

import dev.sixpn.address.SixpnAddress;
import java.net.Inet6Address;
import java.net.InetAddress;

/**
 * One text form per IPv6 prefix, so prefixes read back from ip(8) or wireguard-go compare equal.
 */
public final class Prefixes {

  private Prefixes() {}

  /** {@code addr[/len]} (len defaults to 128) in the JDK's uncompressed form. */
  public static String canonical(String prefix) {
    int slash = prefix.indexOf('/');
    String addr = slash < 0 ? prefix : prefix.substring(0, slash);
    int len = slash < 0 ? 128 : Integer.parseInt(prefix.substring(slash + 1));
    InetAddress a = InetAddress.ofLiteral(addr);
    if (!(a instanceof Inet6Address)) {
      throw new IllegalArgumentException("not an IPv6 prefix: '" + prefix + "'");
    }
    if (len < 0 || len > 128) {
      throw new IllegalArgumentException("prefix length must be 0..128 in '" + prefix + "'");
    }
    return a.getHostAddress() + "/" + len;
  }

  /** {@code address/128} in the same form as {@link #canonical}, without parsing text. */
  public static String host(SixpnAddress address) {
    return address.toInetAddress().getHostAddress() + "/128";
  }
}
