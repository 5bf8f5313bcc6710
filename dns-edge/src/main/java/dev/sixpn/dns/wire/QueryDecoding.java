package dev.sixpn.dns.wire;

import java.net.InetSocketAddress;
import java.util.List;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;

/** The decision shared by the UDP and TCP decoders: query, error answer, or drop. */
final class QueryDecoding {

  private QueryDecoding() {}

  static void decode(
      byte[] wire,
      InetSocketAddress sender,
      InetSocketAddress recipient,
      Transport transport,
      WireErrors errors,
      List<Object> out) {
    if (wire.length < DnsWire.HEADER_LENGTH) {
      errors.onMalformed(MalformedDnsException.Reason.SHORT_HEADER, false, wire.length + " bytes");
      return;
    }
    int flags = DnsWire.flags(wire);
    if (DnsWire.isResponse(flags)) {
      // answering a response invites reflection loops between two servers: drop it silently
      return;
    }
    int id = DnsWire.id(wire);
    if (!DnsWire.isStandardQuery(flags)) {
      out.add(
          new DnsRequest.Unanswerable(
              id,
              flags,
              Rcode.NOTIMP,
              "opcode " + DnsWire.opcode(flags),
              sender,
              recipient,
              transport));
      return;
    }
    SimpleQuery simple = SimpleQuery.read(wire);
    if (simple != null) {
      out.add(new DnsRequest.Query(null, simple, wire, sender, recipient, transport));
      return;
    }
    try {
      Message m = DnsWire.parseQuery(wire);
      out.add(new DnsRequest.Query(m, wire, sender, recipient, transport));
    } catch (MalformedDnsException e) {
      errors.onMalformed(e.reason(), e.headerReadable(), e.getMessage());
      if (e.headerReadable()) {
        out.add(
            new DnsRequest.Unanswerable(
                e.id(), e.flags(), Rcode.FORMERR, e.getMessage(), sender, recipient, transport));
      }
    }
  }
}
