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
   * @param parsed the full dnsjava parse, or null if the query was read only as a {@link
   *     SimpleQuery} (then {@link #message()} parses on demand)
   * @param simple the fast reading, or null if the query is not of that shape
   * @param wire the bytes as received (forwarding sends them on)
   */
  record Query(
      Message parsed,
      SimpleQuery simple,
      byte[] wire,
      InetSocketAddress sender,
      InetSocketAddress recipient,
      Transport transport)
      implements DnsRequest {
    public Query {
      if (parsed == null && simple == null) {
        throw new IllegalArgumentException("a query needs its parse or its simple reading");
      }
      Objects.requireNonNull(wire, "wire");
      Objects.requireNonNull(sender, "sender");
      Objects.requireNonNull(transport, "transport");
    }

    public Query(
        Message message,
        byte[] wire,
        InetSocketAddress sender,
        InetSocketAddress recipient,
        Transport transport) {
      this(Objects.requireNonNull(message, "message"), null, wire, sender, recipient, transport);
    }

    /**
     * The full message, parsed now if only the simple reading was made.
     *
     * @throws MalformedDnsException if the full parse finds what the simple reading does not look
     *     at (for example a malformed EDNS option): the query then gets FORMERR
     */
    public Message message() throws MalformedDnsException {
      return parsed != null ? parsed : DnsWire.parseQuery(wire);
    }
  }

  /**
   * A message with a readable header that gets only an error: FORMERR (malformed) or NOTIMP (an
   * opcode other than QUERY).
   */
  record Unanswerable(
      int id,
      int flags,
      int rcode,
      String reason,
      InetSocketAddress sender,
      InetSocketAddress recipient,
      Transport transport)
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
