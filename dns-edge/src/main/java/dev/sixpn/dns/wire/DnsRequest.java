package dev.sixpn.dns.wire;

import java.net.InetSocketAddress;
import java.util.Objects;
import org.xbill.DNS.Message;

/** What the decoders hand to the query handler. */
public sealed interface DnsRequest permits DnsRequest.Query, DnsRequest.Unanswerable {

  InetSocketAddress sender();

  /** The local address the query was sent to; replies go out from it. */
  InetSocketAddress recipient();

  Transport transport();

  /**
   * A well-formed query with exactly one question.
   *
   * @param wire the bytes as received (forwarding sends them on)
   */
  record Query(Message message, byte[] wire, InetSocketAddress sender, InetSocketAddress recipient, Transport transport)
      implements DnsRequest {
    public Query {
      Objects.requireNonNull(message, "message");
      Objects.requireNonNull(wire, "wire");
      Objects.requireNonNull(sender, "sender");
      Objects.requireNonNull(transport, "transport");
    }
  }

  /**
   * A message with a readable header that gets only an error: FORMERR (malformed) or NOTIMP
   * (an opcode other than QUERY).
   */
  record Unanswerable(int id, int flags, int rcode, String reason, InetSocketAddress sender, InetSocketAddress recipient, Transport transport)
      implements DnsRequest {
    public Unanswerable {
      if (id < 0 || id > 0xffff) {
        throw new IllegalArgumentException("id must be in 0..65535, got " + id);
      }
      Objects.requireNonNull(sender, "sender");
      Objects.requireNonNull(transport, "transport");
    }
  }
}
