package dev.sixpn.dns.wire;

import org.xbill.DNS.DNSInput;
import org.xbill.DNS.Name;
import org.xbill.DNS.WireParseException;

/**
 * The common shape of a query, read straight from the bytes without building a dnsjava {@code
 * Message}: QUERY opcode, one question whose name has no compression pointer, no answer or
 * authority records, and at most one additional record, which is an OPT at the root name. Anything
 * else (or anything odd) is left to the full parser, so this never decides FORMERR.
 *
 * @param questionEnd offset just past the question (name, type, class)
 * @param ednsPayload the OPT's payload size, or -1 without OPT
 * @param ednsVersion the OPT's version, or -1 without OPT
 */
public record SimpleQuery(int id, int flags, Name name, int questionEnd, int qtype, int qclass, int ednsPayload, int ednsVersion) {

  /** The simple reading of {@code wire}, or null if it is not of the simple shape. */
  public static SimpleQuery read(byte[] wire) {
    int n = wire.length;
    if (n < DnsWire.HEADER_LENGTH + 5) {
      return null;
    }
    int flags = u16(wire, 2);
    if ((flags & 0xf800) != 0 // QR set or opcode other than QUERY
        || u16(wire, 4) != 1 || u16(wire, 6) != 0 || u16(wire, 8) != 0) {
      return null;
    }
    int arcount = u16(wire, 10);
    if (arcount > 1) {
      return null;
    }
    int p = DnsWire.HEADER_LENGTH;
    int nameLength = 0;
    while (true) {
      if (p >= n) {
        return null;
      }
      int len = wire[p] & 0xff;
      if (len == 0) {
        p++;
        nameLength++;
        break;
      }
      if (len > 63) { // pointers and reserved label types: leave to the full parser
        return null;
      }
      nameLength += len + 1;
      if (nameLength > 255) {
        return null;
      }
      p += len + 1;
    }
    if (p + 4 > n) {
      return null;
    }
    int qtype = u16(wire, p);
    int qclass = u16(wire, p + 2);
    int questionEnd = p + 4;
    int payload = -1;
    int version = -1;
    if (arcount == 1) {
      // OPT: root name (0), type 41, class = payload, ttl = ext-rcode|version|flags, rdlength, rdata
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
    Name name;
    try {
      DNSInput in = new DNSInput(wire);
      in.jump(DnsWire.HEADER_LENGTH);
      name = new Name(in);
    } catch (WireParseException e) {
      return null;
    }
    return new SimpleQuery(u16(wire, 0), flags, name, questionEnd, qtype, qclass, payload, version);
  }

  public boolean hasOpt() {
    return ednsPayload >= 0;
  }

  private static int u16(byte[] b, int off) {
    return ((b[off] & 0xff) << 8) | (b[off + 1] & 0xff);
  }
}
