package dev.sixpn.dns.unix;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

import java.lang.foreign.MemorySegment;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;

/**
 * {@code struct sockaddr_in} and {@code sockaddr_in6} (netinet/in.h, RFC 3493 §3.3): family in host
 * order, port in network order; the IPv6 address at offset 8, the IPv4 address at 4.
 */
final class Sockaddr {

  /** sizeof(struct sockaddr_in6), the larger of the two. */
  static final int MAX_BYTES = 28;

  static final int IN_BYTES = 16;

  private static final int FAMILY = 0;
  private static final int PORT = 2;
  private static final int IN_ADDR = 4;
  private static final int IN6_FLOWINFO = 4;
  private static final int IN6_ADDR = 8;
  private static final int IN6_SCOPE_ID = 24;

  private Sockaddr() {}

  /**
   * Writes {@code address} at {@code at} and returns its length.
   *
   * @throws IllegalArgumentException if the address is unresolved
   */
  static int write(MemorySegment s, long at, InetSocketAddress address) {
    InetAddress ip = address.getAddress();
    if (ip == null) {
      throw new IllegalArgumentException("address must be resolved, got " + address);
    }
    byte[] raw = ip.getAddress();
    short port = (short) address.getPort();
    if (ip instanceof Inet4Address) {
      s.asSlice(at, IN_BYTES).fill((byte) 0);
      s.set(JAVA_SHORT_UNALIGNED, at + FAMILY, (short) Libc.AF_INET);
      s.set(JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), at + PORT, port);
      MemorySegment.copy(raw, 0, s, JAVA_BYTE, at + IN_ADDR, 4);
      return IN_BYTES;
    }
    s.asSlice(at, MAX_BYTES).fill((byte) 0);
    s.set(JAVA_SHORT_UNALIGNED, at + FAMILY, (short) Libc.AF_INET6);
    s.set(JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), at + PORT, port);
    s.set(JAVA_INT_UNALIGNED, at + IN6_FLOWINFO, 0);
    MemorySegment.copy(raw, 0, s, JAVA_BYTE, at + IN6_ADDR, 16);
    int scope = ip instanceof Inet6Address v6 ? v6.getScopeId() : 0;
    s.set(JAVA_INT_UNALIGNED, at + IN6_SCOPE_ID, scope);
    return MAX_BYTES;
  }

  static int family(MemorySegment s, long at) {
    return s.get(JAVA_SHORT_UNALIGNED, at + FAMILY) & 0xffff;
  }

  static int port(MemorySegment s, long at) {
    return s.get(JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), at + PORT) & 0xffff;
  }

  /** The IP address at {@code at}, or null if the family is neither AF_INET nor AF_INET6. */
  static InetAddress address(MemorySegment s, long at) {
    int family = family(s, at);
    byte[] raw;
    int scope = 0;
    if (family == Libc.AF_INET) {
      raw = new byte[4];
      MemorySegment.copy(s, JAVA_BYTE, at + IN_ADDR, raw, 0, 4);
    } else if (family == Libc.AF_INET6) {
      raw = new byte[16];
      MemorySegment.copy(s, JAVA_BYTE, at + IN6_ADDR, raw, 0, 16);
      scope = s.get(JAVA_INT_UNALIGNED, at + IN6_SCOPE_ID);
    } else {
      return null;
    }
    try {
      return family == Libc.AF_INET6 && scope != 0
          ? Inet6Address.getByAddress(null, raw, scope)
          : InetAddress.getByAddress(raw);
    } catch (UnknownHostException e) {
      throw new IllegalStateException("unreachable: the address has 4 or 16 bytes", e);
    }
  }

  /** The socket address at {@code at}, or null if the family is neither AF_INET nor AF_INET6. */
  static InetSocketAddress socketAddress(MemorySegment s, long at) {
    InetAddress ip = address(s, at);
    return ip == null ? null : new InetSocketAddress(ip, port(s, at));
  }
}
