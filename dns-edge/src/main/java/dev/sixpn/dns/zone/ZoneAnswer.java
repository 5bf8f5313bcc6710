package dev.sixpn.dns.zone;

import java.util.List;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;

/**
 * The zone's answer to one (name, type) for one caller, before it is put into a message.
 *
 * @param rcode {@link Rcode#NOERROR} or {@link Rcode#NXDOMAIN}
 * @param answers the answer RRset(s), owner names in canonical (lower) case; a message echoes the
 *     asker's case through name compression against the question
 * @param authority the SOA for negative answers (RFC 2308 §3), else empty
 * @param rotate true if consecutive answers should rotate the records (round-robin); false where
 *     the order is the meaning ({@code top<N>.nearest})
 * @param additional records for the additional section (the AAAA of SRV targets, RFC 2782); left
 *     out of a message they do not fit
 */
public record ZoneAnswer(
    int rcode,
    List<Record> answers,
    List<Record> authority,
    boolean rotate,
    List<Record> additional) {

  /** An answer without additional records. */
  public ZoneAnswer(int rcode, List<Record> answers, List<Record> authority, boolean rotate) {
    this(rcode, answers, authority, rotate, List.of());
  }

  public ZoneAnswer {
    if (rcode != Rcode.NOERROR && rcode != Rcode.NXDOMAIN) {
      throw new IllegalArgumentException(
          "rcode must be NOERROR or NXDOMAIN, got " + Rcode.string(rcode));
    }
    answers = List.copyOf(answers);
    authority = List.copyOf(authority);
    additional = List.copyOf(additional);
  }

  public boolean isNegative() {
    return rcode == Rcode.NXDOMAIN || answers.isEmpty();
  }
}
