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
    Scan scan = new Scan();
    if (!scan.read(wire, wire.length)) {
      return null;
    }
    int nameEnd = scan.nameEnd;
    byte[] key = new byte[nameEnd - DnsWire.HEADER_LENGTH];
    for (int i = 0; i < key.length; i++) {
      key[i] = lower(wire[DnsWire.HEADER_LENGTH + i]); // length bytes are < 64, never letters
    }
    Zone zone =
        scan.internalAligned && suffixIs(key, INTERNAL)
            ? Zone.INTERNAL
            : scan.reverseAligned && suffixIs(key, REVERSE) ? Zone.REVERSE : Zone.OTHER;
    return new SimpleQuery(
        u16(wire, 0),
        scan.flags,
        new String(key, StandardCharsets.ISO_8859_1),
        zone,
        scan.questionEnd,
        scan.qtype,
        scan.qclass,
        scan.ednsPayload,
        scan.ednsVersion);
  }

  /**
   * The shape check of {@link #read} without building anything: one instance is reused for every
   * datagram of a socket by the UDP hot path, which then only needs the offsets, the EDNS fields
   * and a hash of the question.
   */
  public static final class Scan {
    int flags;
    int nameEnd;
    int questionEnd;
    int qtype;
    int qclass;
    int ednsPayload;
    int ednsVersion;
    int questionHash;
    boolean internalAligned;
    boolean reverseAligned;

    /**
     * Reads the first {@code n} bytes of {@code wire}.
     *
     * @return false if they are not of the simple shape (the other fields are then meaningless)
     */
    public boolean read(byte[] wire, int n) {
      if (n < DnsWire.HEADER_LENGTH + 5) {
        return false;
      }
      flags = u16(wire, 2);
      if ((flags & 0xf800) != 0 // QR set or opcode other than QUERY
          || u16(wire, 4) != 1
          || u16(wire, 6) != 0
          || u16(wire, 8) != 0) {
        return false;
      }
      int arcount = u16(wire, 10);
      if (arcount > 1) {
        return false;
      }
      int p = DnsWire.HEADER_LENGTH;
      boolean internal = false;
      boolean reverse = false;
      int h = 0;
      while (true) {
        if (p >= n) {
          return false;
        }
        int len = wire[p] & 0xff;
        if (len > 63) { // pointers and reserved label types: leave to the full parser
          return false;
        }
        if (p + len + 1 - DnsWire.HEADER_LENGTH > 255) {
          return false;
        }
        if (len == 0) {
          nameEnd = p + 1;
          break;
        }
        // remember whether a label starts where our zones' suffixes would start
        internal |= len == 8 && endsAt(wire, p, n, INTERNAL);
        reverse |= len == 1 && endsAt(wire, p, n, REVERSE);
        int end = Math.min(p + len + 1, n);
        for (int i = p; i < end; i++) {
          h = 31 * h + lower(wire[i]);
        }
        p += len + 1;
      }
      internalAligned = internal;
      reverseAligned = reverse;
      if (nameEnd + 4 > n) {
        return false;
      }
      qtype = u16(wire, nameEnd);
      qclass = u16(wire, nameEnd + 2);
      questionHash = (h * 31 + qtype) * 31 + qclass;
      questionEnd = nameEnd + 4;
      ednsPayload = -1;
      ednsVersion = -1;
      if (arcount == 1) {
        // OPT: root name (0), type 41, class = payload, ttl = ext-rcode|version|flags, rdlength,
        // rdata
        int o = questionEnd;
        if (o + 11 > n || wire[o] != 0 || u16(wire, o + 1) != 41) {
          return false;
        }
        int payload = u16(wire, o + 3);
        int version = wire[o + 6] & 0xff;
        int rdlength = u16(wire, o + 9);
        if (o + 11 + rdlength != n) {
          return false;
        }
        // options must tile the data exactly: code, length, value (RFC 6891 §6.1.2)
        int opt = o + 11;
        while (opt < n) {
          if (opt + 4 > n) {
            return false;
          }
          opt += 4 + u16(wire, opt + 2);
        }
        if (opt != n) {
          return false;
        }
        ednsPayload = payload;
        ednsVersion = version;
      } else if (questionEnd != n) {
        return false;
      }
      return true;
    }

    /** Offset just past the question (name, type, class). */
    public int questionEnd() {
      return questionEnd;
    }

    public int qtype() {
      return qtype;
    }

    public boolean hasOpt() {
      return ednsPayload >= 0;
    }

    public int ednsPayload() {
      return ednsPayload;
    }

    public int ednsVersion() {
      return ednsVersion;
    }

    /**
     * A hash of the question (name ASCII-lowercased, type, class): equal for questions that DNS
     * considers equal.
     */
    public int questionHash() {
      return questionHash;
    }
  }

  private static byte lower(byte b) {
    return b >= 'A' && b <= 'Z' ? (byte) (b + 32) : b;
  }

  /**
   * True if the bytes from {@code p} to the end of the name are {@code suffix}
   * (case-insensitively).
   */
  private static boolean endsAt(byte[] wire, int p, int n, byte[] suffix) {
    if (p + suffix.length > n) {
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
