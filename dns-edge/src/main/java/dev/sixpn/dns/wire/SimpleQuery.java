package dev.sixpn.dns.wire;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.xbill.DNS.Name;

/**
 * The common shape of a query, read straight from the bytes without building a dnsjava {@code
 * Message}: QUERY opcode, one question whose name has no compression pointer, no answer or
 * authority records, and at most one additional record, which is an OPT at the root name whose
 * options tile its data. Anything else (or anything odd) is left to the full parser, so this never
 * decides FORMERR.
 *
 * <p>The name is kept as its lowercased wire form ({@link #nameKey()}), which is what a cache
 * lookup needs; a dnsjava {@link Name} is built only on demand ({@link #name()}).
 *
 * @param nameKey the question name in wire format, ASCII-lowercased, as a Latin-1 string (one char
 *     per byte): equal for names that DNS considers equal (RFC 4343)
 * @param zone which of our zones the name is in
 * @param questionEnd offset just past the question (name, type, class)
 * @param ednsPayload the OPT's payload size, or -1 without OPT
 * @param ednsVersion the OPT's version, or -1 without OPT
 */
public record SimpleQuery(
    int id,
    int flags,
    String nameKey,
    Zone zone,
    int questionEnd,
    int qtype,
    int qclass,
    int ednsPayload,
    int ednsVersion) {

  /** Where the question name is, as far as the edge is concerned. */
  public enum Zone {
    /** at or below {@code internal.} */
    INTERNAL,
    /** at or below {@code a.a.d.f.ip6.arpa.} */
    REVERSE,
    /** anywhere else: forwarded */
    OTHER
  }

  private static final byte[] INTERNAL = {8, 'i', 'n', 't', 'e', 'r', 'n', 'a', 'l', 0};
  private static final byte[] REVERSE = {
    1, 'a', 1, 'a', 1, 'd', 1, 'f', 3, 'i', 'p', '6', 4, 'a', 'r', 'p', 'a', 0
  };

  /** The simple reading of {@code wire}, or null if it is not of the simple shape. */
  public static SimpleQuery read(byte[] wire) {
    int n = wire.length;
    if (n < DnsWire.HEADER_LENGTH + 5) {
      return null;
    }
    int flags = u16(wire, 2);
    if ((flags & 0xf800) != 0 // QR set or opcode other than QUERY
        || u16(wire, 4) != 1
        || u16(wire, 6) != 0
        || u16(wire, 8) != 0) {
      return null;
    }
    int arcount = u16(wire, 10);
    if (arcount > 1) {
      return null;
    }
    int p = DnsWire.HEADER_LENGTH;
    boolean internalAligned = false;
    boolean reverseAligned = false;
    int nameEnd; // offset just past the root label
    while (true) {
      if (p >= n) {
        return null;
      }
      int len = wire[p] & 0xff;
      if (len > 63) { // pointers and reserved label types: leave to the full parser
        return null;
      }
      if (p + len + 1 - DnsWire.HEADER_LENGTH > 255) {
        return null;
      }
      if (len == 0) {
        nameEnd = p + 1;
        break;
      }
      // remember whether a label starts where our zones' suffixes would start
      internalAligned |= len == 8 && endsAt(wire, p, INTERNAL);
      reverseAligned |= len == 1 && endsAt(wire, p, REVERSE);
      p += len + 1;
    }
    if (nameEnd + 4 > n) {
      return null;
    }
    int qtype = u16(wire, nameEnd);
    int qclass = u16(wire, nameEnd + 2);
    int questionEnd = nameEnd + 4;
    int payload = -1;
    int version = -1;
    if (arcount == 1) {
      // OPT: root name (0), type 41, class = payload, ttl = ext-rcode|version|flags, rdlength,
      // rdata
      int o = questionEnd;
      if (o + 11 > n || wire[o] != 0 || u16(wire, o + 1) != 41) {
        return null;
      }
      payload = u16(wire, o + 3);
      version = wire[o + 6] & 0xff;
      int rdlength = u16(wire, o + 9);
      if (o + 11 + rdlength != n) {
        return null;
      }
      // options must tile the data exactly: code, length, value (RFC 6891 §6.1.2)
      int opt = o + 11;
      while (opt < n) {
        if (opt + 4 > n) {
          return null;
        }
        opt += 4 + u16(wire, opt + 2);
      }
      if (opt != n) {
        return null;
      }
    } else if (questionEnd != n) {
      return null;
    }
    byte[] key = new byte[nameEnd - DnsWire.HEADER_LENGTH];
    for (int i = 0; i < key.length; i++) {
      byte b = wire[DnsWire.HEADER_LENGTH + i];
      key[i] = b >= 'A' && b <= 'Z' ? (byte) (b + 32) : b; // length bytes are < 64, never letters
    }
    Zone zone =
        internalAligned && suffixIs(key, INTERNAL)
            ? Zone.INTERNAL
            : reverseAligned && suffixIs(key, REVERSE) ? Zone.REVERSE : Zone.OTHER;
    return new SimpleQuery(
        u16(wire, 0),
        flags,
        new String(key, StandardCharsets.ISO_8859_1),
        zone,
        questionEnd,
        qtype,
        qclass,
        payload,
        version);
  }

  /**
   * True if the bytes from {@code p} to the end of the name are {@code suffix}
   * (case-insensitively).
   */
  private static boolean endsAt(byte[] wire, int p, byte[] suffix) {
    if (p + suffix.length > wire.length) {
      return false;
    }
    for (int i = 0; i < suffix.length; i++) {
      byte b = wire[p + i];
      byte lower = b >= 'A' && b <= 'Z' ? (byte) (b + 32) : b;
      if (lower != suffix[i]) {
        return false;
      }
    }
    return true;
  }

  private static boolean suffixIs(byte[] key, byte[] suffix) {
    if (key.length < suffix.length) {
      return false;
    }
    int off = key.length - suffix.length;
    for (int i = 0; i < suffix.length; i++) {
      if (key[off + i] != suffix[i]) {
        return false;
      }
    }
    return true;
  }

  /** The question name, lowercased, as a dnsjava name (built on each call). */
  public Name name() {
    try {
      return new Name(nameKey.getBytes(StandardCharsets.ISO_8859_1));
    } catch (IOException e) {
      throw new IllegalStateException(
          "a name read by SimpleQuery failed to parse: " + e.getMessage(), e);
    }
  }

  public boolean hasOpt() {
    return ednsPayload >= 0;
  }

  private static int u16(byte[] b, int off) {
    return ((b[off] & 0xff) << 8) | (b[off + 1] & 0xff);
  }
}
