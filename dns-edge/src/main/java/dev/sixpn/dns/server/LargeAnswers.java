package dev.sixpn.dns.server;

import dev.sixpn.dns.wire.DnsWire;
import dev.sixpn.dns.zone.InternalZone;
import dev.sixpn.dns.zone.ZoneAnswer;
import java.util.List;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Record;
import org.xbill.DNS.TXTRecord;

/**
 * A zone answer that does not fit its message, encoded by dnsjava (the general path, for queries
 * whose question is not a template's; the fast path cuts its templates itself, the same way).
 *
 * <p>Never an empty answer because the set is large: the message carries the first records of the
 * (rotated) answer that fit, with TC over UDP (RFC 2181 §9; the client retries over TCP) and
 * without it over TCP, where no larger transport exists (a TC over TCP is an error to some stub
 * resolvers). A one-record list ({@code regions.<app>}, {@code _apps}) too long for the message is
 * cut at the last comma that fits ({@link InternalZone#shortenedList}). Only if nothing at all fits
 * is the answer TC with no records.
 */
final class LargeAnswers {

  private LargeAnswers() {}

  /**
   * {@code query}'s response carrying {@code answer} within {@code limit} bytes.
   *
   * @param answer the zone's answer, rotated for this response
   * @param udp whether the response goes over UDP (TC marks a cut answer)
   */
  static byte[] encode(
      Message query, ZoneAnswer answer, int limit, boolean udp, int maxUdpPayload) {
    Message response = ResponseEncoder.zoneResponse(query, answer, maxUdpPayload);
    byte[] full = response.toWire();
    if (full.length <= limit) {
      return full;
    }
    if (!answer.additional().isEmpty()) {
      // the additional section is a courtesy (RFC 2782: the client may look the targets up): the
      // answer without it, cut like any other
      return encode(
          query,
          new ZoneAnswer(answer.rcode(), answer.answers(), answer.authority(), answer.rotate()),
          limit,
          udp,
          maxUdpPayload);
    }
    int count = answer.answers().size();
    if (count > 0) {
      // its records from the first, as far as they fit (the answer is already rotated)
      EncodedAnswer window = EncodedAnswer.of(full, count, false);
      byte[] cut = window.render(full, window.questionEnd(), 0, limit, udp);
      if (cut != null) {
        return cut;
      }
    }
    if (count == 1 && !answer.rotate() && answer.answers().getFirst() instanceof TXTRecord list) {
      int others = full.length - list.rdataToWireCanonical().length;
      Record shorter = InternalZone.shortenedList(list, limit - others);
      if (shorter != null) {
        Message r =
            ResponseEncoder.zoneResponse(
                query,
                new ZoneAnswer(answer.rcode(), List.of(shorter), answer.authority(), false),
                maxUdpPayload);
        if (udp) {
          r.getHeader().setFlag(Flags.TC);
        }
        byte[] wire = r.toWire();
        if (wire.length <= limit) {
          return wire;
        }
      }
    }
    return DnsWire.encode(response, limit); // nothing fits: TC and the question only
  }
}
