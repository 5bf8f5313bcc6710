package dev.sixpn.dns.wire;

import java.io.IOException;
import java.util.List;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Header;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * Wire-format rules shared by the UDP and TCP codecs: parsing a query (RFC 1035 §4.1) with the
 * checks that decide FORMERR, error responses that are just a header, and truncation for UDP (RFC
 * 2181 §9, RFC 6891 §7).
 */
public final class DnsWire {

  public static final int HEADER_LENGTH = 12;

  /** The UDP limit without EDNS (RFC 1035 §2.3.4). */
  public static final int CLASSIC_UDP_PAYLOAD = 512;

  private static final int QR = 0x8000;

  private DnsWire() {}

  public static int id(byte[] wire) {
    return ((wire[0] & 0xff) << 8) | (wire[1] & 0xff);
  }

  public static int flags(byte[] wire) {
    return ((wire[2] & 0xff) << 8) | (wire[3] & 0xff);
  }

  public static boolean isResponse(int flags) {
    return (flags & QR) != 0;
  }

  public static int opcode(int flags) {
    return (flags >>> 11) & 0xf;
  }

  /**
   * Parses a query.
   *
   * @throws MalformedDnsException if it is shorter than a header, does not have exactly one
   *     question, has a name or record that does not parse (truncation, label over 63 bytes,
   *     compression pointer loop or forward pointer, name over 255 bytes), or has more than one OPT
   *     record or an OPT outside the root name
   */
  public static Message parseQuery(byte[] wire) throws MalformedDnsException {
    if (wire.length < HEADER_LENGTH) {
      throw new MalformedDnsException(
          MalformedDnsException.Reason.SHORT_HEADER,
          -1,
          0,
          "message of " + wire.length + " bytes has no complete header",
          null);
    }
    int id = id(wire);
    int flags = flags(wire);
    int qdcount = ((wire[4] & 0xff) << 8) | (wire[5] & 0xff);
    if (qdcount != 1) {
      throw new MalformedDnsException(
          MalformedDnsException.Reason.QUESTION_COUNT,
          id,
          flags,
          "query must have exactly one question, has " + qdcount,
          null);
    }
    Message m;
    try {
      m = new Message(wire);
    } catch (IOException | RuntimeException e) {
      throw new MalformedDnsException(
          MalformedDnsException.Reason.BAD_NAME_OR_RECORD,
          id,
          flags,
          "unparseable query: " + e.getMessage(),
          e);
    }
    List<Record> additional = m.getSection(Section.ADDITIONAL);
    int opts = 0;
    for (Record r : additional) {
      if (r.getType() == Type.OPT) {
        opts++;
        if (!r.getName().equals(org.xbill.DNS.Name.root)) {
          throw new MalformedDnsException(
              MalformedDnsException.Reason.BAD_OPT,
              id,
              flags,
              "OPT record not at the root name",
              null);
        }
      }
    }
    if (opts > 1) {
      throw new MalformedDnsException(
          MalformedDnsException.Reason.BAD_OPT,
          id,
          flags,
          "query has " + opts + " OPT records",
          null);
    }
    return m;
  }

  /**
   * A header-only response: the id and opcode echoed, RD copied, QR set, and {@code rcode}. Used
   * where the question cannot be trusted (FORMERR) or not understood (NOTIMP).
   */
  public static byte[] headerOnlyResponse(int id, int queryFlags, int rcode) {
    if (rcode < 0 || rcode > 0xf) {
      throw new IllegalArgumentException("rcode must fit in the header's 4 bits, got " + rcode);
    }
    int flags = QR | (queryFlags & 0x7800) | (queryFlags & 0x0100) | rcode;
    byte[] b = new byte[HEADER_LENGTH];
    b[0] = (byte) (id >>> 8);
    b[1] = (byte) id;
    b[2] = (byte) (flags >>> 8);
    b[3] = (byte) flags;
    return b;
  }

  /**
   * The UDP size limit a query asks for: 512 without OPT (RFC 1035), else its payload size, but
   * never below 512 (RFC 6891 §6.2.5) nor above {@code serverMax}.
   */
  public static int udpLimit(Message query, int serverMax) {
    OPTRecord opt = query.getOPT();
    if (opt == null) {
      return CLASSIC_UDP_PAYLOAD;
    }
    return Math.max(CLASSIC_UDP_PAYLOAD, Math.min(opt.getPayloadSize(), serverMax));
  }

  /**
   * Encodes a response within {@code maxLength}. If the whole does not fit, the answer is sent with
   * the TC bit and only its question (and OPT): a client then asks again over TCP. Partial RRsets
   * are never sent, so a client cannot take a truncated list for the whole one.
   */
  public static byte[] encode(Message response, int maxLength) {
    byte[] full = response.toWire();
    if (full.length <= maxLength) {
      return full;
    }
    Header from = response.getHeader();
    Header h = new Header(from.getID());
    for (int flag : new int[] {Flags.QR, Flags.AA, Flags.RD, Flags.RA, Flags.AD, Flags.CD}) {
      if (from.getFlag(flag)) {
        h.setFlag(flag);
      }
    }
    h.setFlag(Flags.TC);
    h.setOpcode(from.getOpcode());
    h.setRcode(from.getRcode());
    Message truncated = new Message();
    truncated.setHeader(h);
    Record question = response.getQuestion();
    if (question != null) {
      truncated.addRecord(question, Section.QUESTION);
    }
    OPTRecord opt = response.getOPT();
    if (opt != null) {
      truncated.addRecord(opt, Section.ADDITIONAL);
    }
    return truncated.toWire();
  }

  /**
   * Offset just past the question (name, type, class) of {@code wire}, or -1 if its name holds a
   * compression pointer or the message ends first.
   */
  public static int questionEnd(byte[] wire) {
    int p = HEADER_LENGTH;
    while (p < wire.length) {
      int len = wire[p] & 0xff;
      if (len == 0) {
        return p + 5 <= wire.length ? p + 5 : -1;
      }
      if (len > 63) {
        return -1;
      }
      p += len + 1;
    }
    return -1;
  }

  /** True for the QUERY opcode, the only one served (others get NOTIMP, RFC 1035 §4.1.1). */
  public static boolean isStandardQuery(int flags) {
    return opcode(flags) == Opcode.QUERY;
  }

  /** A FORMERR header for a parse failure, or {@code null} if the header was not readable. */
  public static byte[] formErr(MalformedDnsException e) {
    return e.headerReadable() ? headerOnlyResponse(e.id(), e.flags(), Rcode.FORMERR) : null;
  }
}
