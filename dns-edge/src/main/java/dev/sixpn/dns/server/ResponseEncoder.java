package dev.sixpn.dns.server;

import dev.sixpn.dns.wire.DnsWire;
import dev.sixpn.dns.wire.SimpleQuery;
import dev.sixpn.dns.zone.ZoneAnswer;
import dev.sixpn.dns.zone.ZoneCache;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Header;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;

/**
 * The response bytes for what {@link QueryPolicy} decided (RFC 1035 §4.1, RFC 2308 negative
 * answers, RFC 6891 EDNS): header flags, zone answers stamped from their templates or encoded by
 * dnsjava and cut to the message ({@link LargeAnswers}), REFUSED, SERVFAIL, BADVERS. No policy and
 * no metrics here.
 */
final class ResponseEncoder {

  /** The largest DNS message: TCP frames it with a 16-bit length (RFC 1035 §4.2.2). */
  static final int MAX_MESSAGE = 0xffff;

  /** RFC 6891 §9: BADVERS is 16, carried as 1 in the OPT's upper rcode bits. */
  private static final int BADVERS_UPPER = Rcode.BADVERS >>> 4;

  /** Kept with an answer that cannot have a template, so that it is not built again per query. */
  private static final Object NO_TEMPLATE = new Object();

  private final int maxUdpPayload;

  ResponseEncoder(int maxUdpPayload) {
    this.maxUdpPayload = maxUdpPayload;
  }

  /** The largest UDP answer this server sends (and advertises). */
  int maxUdpPayload() {
    return maxUdpPayload;
  }

  /** The largest UDP response a query may get (512 without EDNS, else its size capped). */
  int udpLimit(boolean hasOpt, int ednsPayload) {
    return udpLimit(hasOpt, ednsPayload, maxUdpPayload);
  }

  static int udpLimit(boolean hasOpt, int ednsPayload, int maxUdpPayload) {
    return hasOpt
        ? Math.max(DnsWire.CLASSIC_UDP_PAYLOAD, Math.min(ednsPayload, maxUdpPayload))
        : DnsWire.CLASSIC_UDP_PAYLOAD;
  }

  /**
   * The template kept with {@code lookup}'s answer for slot 0 (no OPT) or 1 (OPT), built from
   * {@code name} (any case) the first time; null if the answer cannot have one.
   */
  EncodedAnswer template(ZoneCache.Lookup lookup, int slot, Name name, int qtype, int qclass) {
    Object attached = lookup.attachment(slot);
    if (attached instanceof EncodedAnswer t) {
      return t;
    }
    if (attached == NO_TEMPLATE) {
      return null;
    }
    EncodedAnswer template = template(name, qtype, qclass, slot == 1, lookup.base(), maxUdpPayload);
    lookup.attach(slot, template == null ? NO_TEMPLATE : template);
    return template;
  }

  /**
   * The encoded zone answer for a query the fast path did not take (its shape, or a first record
   * that does not fit): stamped from the answer's template when the query's question is the
   * template's, so that the bytes are the fast path's, else encoded by dnsjava; either way cut to
   * what fits {@code limit} ({@link LargeAnswers}).
   */
  byte[] zone(byte[] queryWire, Message query, ZoneCache.Lookup lookup, int limit, boolean udp) {
    Record question = query.getQuestion();
    if (question.getDClass() == DClass.IN) {
      int slot = query.getOPT() != null ? 1 : 0;
      EncodedAnswer template =
          template(lookup, slot, question.getName(), question.getType(), DClass.IN);
      int end = DnsWire.questionEnd(queryWire);
      if (template != null && end > 0 && template.answers(queryWire, end)) {
        byte[] wire = template.render(queryWire, end, lookup.rotation(), limit, udp);
        if (wire != null) {
          return wire;
        }
      }
    }
    return LargeAnswers.encode(query, lookup.rotated(), limit, udp, maxUdpPayload);
  }

  /** REFUSED to {@code query}, with an OPT record if it had one. */
  byte[] refused(Message query, int limit) {
    return DnsWire.encode(
        withOpt(query, response(query, Rcode.REFUSED, false), maxUdpPayload), limit);
  }

  /** SERVFAIL to {@code query} (forwarding failed), with an OPT record if it had one. */
  byte[] servfail(Message query, int limit) {
    return DnsWire.encode(
        withOpt(query, response(query, Rcode.SERVFAIL, false), maxUdpPayload), limit);
  }

  /** BADVERS to a query with an EDNS version above 0 (RFC 6891 §6.1.3). */
  byte[] badVersion(Message query, int limit) {
    Message r = response(query, Rcode.NOERROR, false);
    r.addRecord(new OPTRecord(maxUdpPayload, BADVERS_UPPER, 0, 0), Section.ADDITIONAL);
    return DnsWire.encode(r, limit);
  }

  /**
   * The template for answering {@code s}'s question from {@code base}, or null if it cannot have
   * one.
   */
  static EncodedAnswer template(SimpleQuery s, ZoneAnswer base, int maxUdpPayload) {
    return template(s.name(), s.qtype(), s.qclass(), s.hasOpt(), base, maxUdpPayload);
  }

  /**
   * The template for answering a question for {@code name} (any case), with or without OPT, from
   * {@code base}; null if it cannot have one. It holds every record even when that is more than one
   * message can carry: responses are windows of it.
   */
  static EncodedAnswer template(
      Name name, int qtype, int qclass, boolean hasOpt, ZoneAnswer base, int maxUdpPayload) {
    if (!base.additional().isEmpty()) {
      return null; // windows of answers only: SRV answers take the general path
    }
    Name lower = name.canonicalize();
    Message canonical = Message.newQuery(Record.newRecord(lower, qtype, qclass));
    if (hasOpt) {
      // the response's OPT carries our size, whatever the query's was
      canonical.addRecord(new OPTRecord(DnsWire.CLASSIC_UDP_PAYLOAD, 0, 0, 0), Section.ADDITIONAL);
    }
    canonical.getHeader().unsetFlag(Flags.RD);
    byte[] encoded = zoneResponse(canonical, base, maxUdpPayload).toWire();
    return EncodedAnswer.of(
        encoded, base.answers().size(), base.rotate() && base.answers().size() > 1);
  }

  /** The response message for a zone answer: AA, answers, authority, additional, OPT echoed. */
  static Message zoneResponse(Message query, ZoneAnswer a, int maxUdpPayload) {
    Message r = response(query, a.rcode(), true);
    for (Record rec : a.answers()) {
      r.addRecord(rec, Section.ANSWER);
    }
    for (Record rec : a.authority()) {
      r.addRecord(rec, Section.AUTHORITY);
    }
    for (Record rec : a.additional()) {
      r.addRecord(rec, Section.ADDITIONAL);
    }
    return withOpt(query, r, maxUdpPayload);
  }

  /**
   * A response header for {@code query}: id, opcode, RD and CD copied, RA set, question echoed as
   * sent.
   */
  static Message response(Message query, int rcode, boolean authoritative) {
    Header qh = query.getHeader();
    Message r = new Message(qh.getID());
    Header h = r.getHeader();
    h.setFlag(Flags.QR);
    h.setOpcode(Opcode.QUERY);
    if (qh.getFlag(Flags.RD)) {
      h.setFlag(Flags.RD);
    }
    if (qh.getFlag(Flags.CD)) {
      h.setFlag(Flags.CD);
    }
    h.setFlag(Flags.RA);
    if (authoritative) {
      h.setFlag(Flags.AA);
    }
    h.setRcode(rcode);
    r.addRecord(query.getQuestion(), Section.QUESTION);
    return r;
  }

  /** Echoes EDNS (RFC 6891 §6.1.1): an OPT in the answer iff the query had one. */
  static Message withOpt(Message query, Message response, int maxUdpPayload) {
    if (query.getOPT() != null) {
      response.addRecord(new OPTRecord(maxUdpPayload, 0, 0, 0), Section.ADDITIONAL);
    }
    return response;
  }
}
