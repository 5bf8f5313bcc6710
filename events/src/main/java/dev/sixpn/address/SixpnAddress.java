package dev.sixpn.address;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;

/**
 * A 6PN address: {@code fdaa:NNNN:NNNN:HHHH:HHHH:IIII:IIII:RRRR}.
 *
 * <p>Bits 0–15 are the ULA prefix {@code fdaa}, 16–47 the organization's network, 48–79 the
 * physical host, 80–111 the instance (unique per network and host), 112–127 the role ({@link
 * #ROLE_INSTANCE}, {@link #ROLE_DNS}, {@link #ROLE_GATEWAY}, {@link #ROLE_PEER}).
 *
 * <p>Between hosts the dataplane carries the {@linkplain #toMeshForm() mesh form}, {@code
 * fdab:HHHH:HHHH:NNNN:NNNN:IIII:IIII:RRRR-1}: host first so that a remote host is one WireGuard
 * peer with one {@code /48}, prefix raised by one and role lowered by one so that the
 * one's-complement sum of the 16-bit words, and so every L4 checksum, is unchanged.
 *
 * @param network the network (organization) id, 32 bits unsigned; 0 is the hosts' own network
 * @param host the host id, 32 bits unsigned
 * @param instance the instance number, 32 bits unsigned
 * @param role the role word, 16 bits unsigned
 */
public record SixpnAddress(long network, long host, long instance, int role) {

  /** First 16-bit word of every 6PN address (ULA, RFC 4193). */
  public static final int PREFIX = 0xfdaa;

  /** First 16-bit word of the mesh form; never seen on an instance link. */
  public static final int MESH_PREFIX = 0xfdab;

  public static final int ROLE_GATEWAY = 1;
  public static final int ROLE_INSTANCE = 2;
  public static final int ROLE_DNS = 3;

  /**
   * A WireGuard peer outside the fleet (a laptop, a CI job), on its gateway host: a role of its
   * own, so no instance address (role {@link #ROLE_INSTANCE}) can ever be a peer's.
   */
  public static final int ROLE_PEER = 4;

  /** The resolver every instance has in resolv.conf, answered locally on each host. */
  public static final SixpnAddress RESOLVER = new SixpnAddress(0, 0, 0, ROLE_DNS);

  static final long MAX_U32 = 0xffff_ffffL;

  public SixpnAddress {
    requireU32("network", network);
    requireU32("host", host);
    requireU32("instance", instance);
    if (role < 0 || role > 0xffff) {
      throw new IllegalArgumentException("role must be in 0..65535, got " + role);
    }
  }

  /** The address of instance {@code instance} of {@code network} on {@code host}. */
  public static SixpnAddress ofInstance(long network, long host, long instance) {
    return new SixpnAddress(network, host, instance, ROLE_INSTANCE);
  }

  /** The address of peer number {@code number} of {@code network} on its gateway {@code host}. */
  public static SixpnAddress ofPeer(long network, long host, long number) {
    return new SixpnAddress(network, host, number, ROLE_PEER);
  }

  /** The per-network DNS service address {@code fdaa:NNNN:NNNN::3}. */
  public static SixpnAddress dnsOf(long network) {
    return new SixpnAddress(network, 0, 0, ROLE_DNS);
  }

  /**
   * Parses any textual IPv6 form of a 6PN address.
   *
   * @throws IllegalArgumentException if the text is not an IPv6 literal or not in {@code fdaa::/16}
   */
  public static SixpnAddress parse(String text) {
    if (text == null) {
      throw new IllegalArgumentException("address must not be null");
    }
    String literal =
        text.startsWith("[") && text.endsWith("]") ? text.substring(1, text.length() - 1) : text;
    if (literal.indexOf(':') < 0 || literal.indexOf('%') >= 0) {
      throw new IllegalArgumentException("address is not an IPv6 literal: '" + text + "'");
    }
    InetAddress parsed;
    try {
      // Inet6Address directly: InetAddress.ofLiteral tries IPv4 first and throws for every v6 text.
      parsed = Inet6Address.ofLiteral(literal);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("address is not an IPv6 literal: '" + text + "'", e);
    }
    if (!(parsed instanceof Inet6Address)) {
      // an IPv4-mapped literal (::ffff:a.b.c.d) comes back as Inet4Address
      throw new IllegalArgumentException("address is not an IPv6 literal: '" + text + "'");
    }
    return fromBytes(parsed.getAddress());
  }

  /**
   * Reads a 16-byte address in network order.
   *
   * @throws IllegalArgumentException if the array is not 16 bytes or not in {@code fdaa::/16}
   */
  public static SixpnAddress fromBytes(byte[] bytes) {
    requireSixteen(bytes);
    int prefix = word(bytes, 0);
    if (prefix != PREFIX) {
      throw new IllegalArgumentException(
          "address " + Ipv6Text.format(bytes) + " is not a 6PN address (prefix must be fdaa::/16)");
    }
    return new SixpnAddress(u32(bytes, 2), u32(bytes, 6), u32(bytes, 10), word(bytes, 14));
  }

  /** True if {@code bytes} is a 16-byte address inside {@code fdaa::/16}. */
  public static boolean isSixpn(byte[] bytes) {
    return bytes != null && bytes.length == 16 && word(bytes, 0) == PREFIX;
  }

  /**
   * Reads the mesh form back ({@code fdab:HHHH:HHHH:NNNN:NNNN:IIII:IIII:RRRR-1}).
   *
   * @throws IllegalArgumentException if the bytes are not a mesh-form address
   */
  public static SixpnAddress fromMeshForm(byte[] bytes) {
    requireSixteen(bytes);
    if (word(bytes, 0) != MESH_PREFIX) {
      throw new IllegalArgumentException(
          "address " + Ipv6Text.format(bytes) + " is not in mesh form (prefix must be fdab::/16)");
    }
    int role = word(bytes, 14) + 1;
    if (role > 0xffff) {
      throw new IllegalArgumentException("mesh-form role word 0xffff has no 6PN inverse");
    }
    return new SixpnAddress(u32(bytes, 6), u32(bytes, 2), u32(bytes, 10), role);
  }

  /** The 16 bytes in network order. */
  public byte[] toBytes() {
    byte[] b = new byte[16];
    putWord(b, 0, PREFIX);
    putU32(b, 2, network);
    putU32(b, 6, host);
    putU32(b, 10, instance);
    putWord(b, 14, role);
    return b;
  }

  /**
   * The mesh form: host words first, network second, prefix + 1, role − 1.
   *
   * @throws IllegalStateException for role 0, which has no mesh form (the sum would not be kept)
   */
  public byte[] toMeshForm() {
    if (role == 0) {
      throw new IllegalStateException("role 0 has no mesh form: " + this);
    }
    byte[] b = new byte[16];
    putWord(b, 0, MESH_PREFIX);
    putU32(b, 2, host);
    putU32(b, 6, network);
    putU32(b, 10, instance);
    putWord(b, 14, role - 1);
    return b;
  }

  public Inet6Address toInetAddress() {
    try {
      return (Inet6Address) InetAddress.getByAddress(toBytes());
    } catch (UnknownHostException e) {
      throw new AssertionError("16 bytes are always a valid address", e);
    }
  }

  /** The organization's whole network, {@code fdaa:NNNN:NNNN::/48}. */
  public String networkPrefix() {
    return networkPrefix(network);
  }

  public static String networkPrefix(long network) {
    return Ipv6Text.format(new SixpnAddress(network, 0, 0, 0).toBytes()) + "/48";
  }

  /** The WireGuard AllowedIPs of a host's peer, {@code fdab:HHHH:HHHH::/48}. */
  public static String meshPrefixOfHost(long host) {
    requireU32("host", host);
    byte[] b = new byte[16];
    putWord(b, 0, MESH_PREFIX);
    putU32(b, 2, host);
    return Ipv6Text.format(b) + "/48";
  }

  /** The reverse-lookup name, nibbles reversed under {@code ip6.arpa.} (RFC 3596 §2.5). */
  public String reverseName() {
    byte[] b = toBytes();
    StringBuilder sb = new StringBuilder(72);
    for (int i = 15; i >= 0; i--) {
      sb.append(Character.forDigit(b[i] & 0xf, 16)).append('.');
      sb.append(Character.forDigit((b[i] >> 4) & 0xf, 16)).append('.');
    }
    return sb.append("ip6.arpa.").toString();
  }

  /**
   * Reads a full 32-nibble {@code ip6.arpa} name (case-insensitive, trailing dot optional).
   *
   * @return the address, or empty if the name is not a complete reverse name of a 6PN address
   */
  public static Optional<SixpnAddress> fromReverseName(String name) {
    String n = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
    String suffix = ".ip6.arpa";
    if (n.length() != 63 + suffix.length()
        || !n.regionMatches(true, 63, suffix, 0, suffix.length())) {
      return Optional.empty();
    }
    byte[] b = new byte[16];
    for (int i = 0; i < 32; i++) {
      char c = n.charAt(i * 2);
      if (i < 31 && n.charAt(i * 2 + 1) != '.') {
        return Optional.empty();
      }
      int d = Character.digit(c, 16);
      if (d < 0) {
        return Optional.empty();
      }
      int nibbleIndex = 31 - i;
      int byteIndex = nibbleIndex / 2;
      b[byteIndex] |= (byte) (nibbleIndex % 2 == 0 ? d << 4 : d);
    }
    return isSixpn(b) ? Optional.of(fromBytes(b)) : Optional.empty();
  }

  /** RFC 5952 text, e.g. {@code fdaa:0:1:0:7:0:2a:2}. */
  @Override
  public String toString() {
    return Ipv6Text.format(toBytes());
  }

  static void requireU32(String field, long value) {
    if (value < 0 || value > MAX_U32) {
      throw new IllegalArgumentException(field + " must be in 0..4294967295, got " + value);
    }
  }

  private static void requireSixteen(byte[] bytes) {
    if (bytes == null || bytes.length != 16) {
      throw new IllegalArgumentException(
          "an IPv6 address is 16 bytes, got " + (bytes == null ? "null" : bytes.length));
    }
  }

  static int word(byte[] b, int off) {
    return ((b[off] & 0xff) << 8) | (b[off + 1] & 0xff);
  }

  private static long u32(byte[] b, int off) {
    return ((long) word(b, off) << 16) | word(b, off + 2);
  }

  private static void putWord(byte[] b, int off, int v) {
    b[off] = (byte) (v >>> 8);
    b[off + 1] = (byte) v;
  }

  private static void putU32(byte[] b, int off, long v) {
    putWord(b, off, (int) (v >>> 16) & 0xffff);
    putWord(b, off + 2, (int) v & 0xffff);
  }
}
