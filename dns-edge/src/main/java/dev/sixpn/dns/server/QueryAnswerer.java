package dev.sixpn.dns.server;

import dev.sixpn.dns.forward.ForwardOverloadException;
import dev.sixpn.dns.forward.ForwardTimeoutException;
import dev.sixpn.dns.forward.UpstreamForwarder;
import dev.sixpn.dns.metrics.DnsMetrics;
import dev.sixpn.dns.wire.DnsRequest;
import dev.sixpn.dns.wire.DnsWire;
import dev.sixpn.dns.wire.MalformedDnsException;
import dev.sixpn.dns.wire.SimpleQuery;
import dev.sixpn.dns.wire.Transport;
import dev.sixpn.dns.zone.Caller;
import dev.sixpn.dns.zone.ZoneCache;
import java.io.IOException;
import java.net.InetAddress;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;

/**
 * Answers decoded queries: {@link QueryPolicy} decides, {@link ResponseEncoder} builds the bytes,
 * and every answered query is counted here, once ({@link #count}). Shared by every UDP and TCP
 * socket (the Netty {@link QueryHandler}, the {@link UdpReceiveLoop}s, and their {@link
 * KeptTemplates}); never blocks the thread that read the query.
 */
final class QueryAnswerer {

  private static final Logger LOG = LoggerFactory.getLogger(QueryAnswerer.class);

  private final QueryPolicy policy;
  private final ResponseEncoder encoder;
  private final UpstreamForwarder forwarder;
  private final DnsMetrics metrics;
  private final RateLimitedLog problems = new RateLimitedLog(LOG, 10_000_000_000L);

  QueryAnswerer(
      QueryPolicy policy,
      ResponseEncoder encoder,
      UpstreamForwarder forwarder,
      DnsMetrics metrics) {
    this.policy = policy;
    this.encoder = encoder;
    this.forwarder = forwarder;
    this.metrics = metrics;
  }

  /** Logs a problem the transport met, at most once per 10 s. */
  void problem(String what, Throwable cause) {
    problems.warn(what, cause.toString());
  }

  /** Answers {@code request} through {@code replies}; called on the thread that read it. */
  void answer(DnsRequest request, Replies replies) {
    long start = System.nanoTime();
    switch (request) {
      case DnsRequest.Unanswerable u ->
          send(
              replies,
              false,
              u,
              0,
              DnsWire.headerOnlyResponse(u.id(), u.flags(), u.rcode()),
              start,
              "zone");
      case DnsRequest.Query q -> query(replies, q, start);
    }
  }

  private void query(Replies replies, DnsRequest.Query q, long start) {
    if (q.simple() != null && fast(replies, q, q.simple(), start)) {
      return;
    }
    Message query;
    try {
      query = q.message();
    } catch (MalformedDnsException e) {
      metrics.malformed(e.reason(), true);
      send(
          replies,
          false,
          q,
          0,
          DnsWire.headerOnlyResponse(e.id(), e.flags(), Rcode.FORMERR),
          start,
          "zone");
      return;
    }
    int qtype = query.getQuestion().getType();
    boolean udp = q.transport() == Transport.UDP;
    int limit =
        udp ? DnsWire.udpLimit(query, encoder.maxUdpPayload()) : ResponseEncoder.MAX_MESSAGE;
    switch (policy.decide(query, q.sender().getAddress())) {
      case QueryPolicy.Decision.BadVersion b ->
          send(
              replies,
              false,
              q,
              qtype,
              encoder.badVersion(query, limit),
              Rcode.BADVERS,
              start,
              "zone");
      case QueryPolicy.Decision.Refuse r -> {
        if (r.unknownSource()) {
          metrics.refused();
        }
        send(replies, false, q, qtype, encoder.refused(query, limit), start, "zone");
      }
      case QueryPolicy.Decision.Zone z ->
          send(
              replies,
              false,
              q,
              qtype,
              encoder.zone(q.wire(), query, z.lookup(), limit, udp),
              start,
              "zone");
      case QueryPolicy.Decision.Forward f -> forward(replies, q, query, qtype, limit, start);
    }
  }

  private void forward(
      Replies replies, DnsRequest.Query q, Message query, int qtype, int limit, long start) {
    forwarder
        .forward(q.wire(), query.getQuestion(), limit)
        .whenComplete(
            (answer, error) -> {
              if (error == null) {
                metrics.forwarded("answered");
                replies.sendNow(q, answer);
                // the upstream's TC is its own: not counted as ours
                count(qtype, answer[3] & 0xf, q.transport(), false, "forward", start);
                return;
              }
              Throwable cause =
                  error instanceof CompletionException && error.getCause() != null
                      ? error.getCause()
                      : error;
              metrics.forwarded(
                  switch (cause) {
                    case ForwardTimeoutException t -> "timeout";
                    case ForwardOverloadException o -> "overload";
                    default -> "error";
                  });
              if (cause instanceof ForwardOverloadException) {
                problems.warn("forwarding overloaded", cause.getMessage());
              } else if (!(cause instanceof ForwardTimeoutException)
                  && !(cause instanceof IOException)) {
                problems.warn("forwarding failed", cause.toString());
              }
              send(replies, true, q, qtype, encoder.servfail(query, limit), start, "forward");
            });
  }

  /**
   * The hot path: a simple query for a name in the zone whose answer is cached with its encoding.
   * Returns false to let the general path answer (and build the encoding for next time).
   */
  private boolean fast(Replies replies, DnsRequest.Query q, SimpleQuery s, long start) {
    Stamp stamp = fastAnswer(s, q.sender().getAddress(), q.transport(), start);
    if (stamp == null) {
      return false;
    }
    replies.send(
        q,
        stamp
            .template()
            .render(
                q.wire(),
                s.questionEnd(),
                stamp.rotation(),
                stamp.limit(),
                q.transport() == Transport.UDP));
    return true;
  }

  /**
   * A cached answer's template, the rotation and size limit for this response, with the cache
   * lookup it came from and the caller it was answered for (so that the UDP fast path can keep it).
   * A template longer than {@code limit} is sent as a window of its records that fits.
   */
  record Stamp(
      EncodedAnswer template, int rotation, ZoneCache.Lookup lookup, Caller caller, int limit) {}

  /** The view {@code sender} gets, or empty if it is refused. */
  Optional<Caller> caller(InetAddress sender) {
    return policy.caller(sender);
  }

  /** The largest UDP answer this server sends (and advertises). */
  int maxUdpPayload() {
    return encoder.maxUdpPayload();
  }

  /** The largest UDP response a query may get (512 without EDNS, else its size capped). */
  int udpLimit(boolean hasOpt, int ednsPayload) {
    return encoder.udpLimit(hasOpt, ednsPayload);
  }

  /** Counts a UDP query answered by the fast path from a kept template within {@code limit}. */
  void countFast(int qtype, EncodedAnswer template, int limit, long start) {
    count(qtype, template.rcode(), Transport.UDP, template.length() > limit, "zone", start);
  }

  /**
   * The template to answer a simple query from, or null if the query needs the general path (not in
   * the zone, unknown source, EDNS version, class, an answer shape without a template, or one too
   * large for the message whose first record alone does not fit). Takes the answer's rotation step
   * and counts the query when it answers.
   */
  Stamp fastAnswer(SimpleQuery s, InetAddress sender, Transport transport, long start) {
    Optional<Caller> caller = policy.caller(sender);
    if (caller.isEmpty()) {
      return null;
    }
    ZoneCache.Lookup lookup = policy.zoneLookup(s, caller.get());
    if (lookup == null) {
      return null;
    }
    int qtype = s.qtype();
    EncodedAnswer template =
        encoder.template(lookup, s.hasOpt() ? 1 : 0, s.name(), qtype, DClass.IN);
    if (template == null) {
      return null;
    }
    int limit =
        transport == Transport.UDP
            ? encoder.udpLimit(s.hasOpt(), s.ednsPayload())
            : ResponseEncoder.MAX_MESSAGE;
    int rotation = lookup.rotation();
    boolean cut = template.length() > limit;
    if (cut && template.truncatedLength(rotation, limit) < 0) {
      return null; // not one record fits: the general path decides
    }
    count(qtype, template.rcode(), transport, cut && transport == Transport.UDP, "zone", start);
    return new Stamp(template, rotation, lookup, caller.get(), limit);
  }

  /** Sends an encoded response; {@code now} when off the reading thread. */
  private void send(
      Replies replies,
      boolean now,
      DnsRequest to,
      int qtype,
      byte[] wire,
      long start,
      String source) {
    send(replies, now, to, qtype, wire, wire[3] & 0xf, start, source);
  }

  /** As above, counted under {@code rcode} (BADVERS does not fit the header's four bits). */
  private void send(
      Replies replies,
      boolean now,
      DnsRequest to,
      int qtype,
      byte[] wire,
      int rcode,
      long start,
      String source) {
    if (now) {
      replies.sendNow(to, wire);
    } else {
      replies.send(to, wire);
    }
    count(qtype, rcode, to.transport(), (wire[2] & 0x02) != 0, source, start);
  }

  /** The one place an answered query is counted: type, rcode, transport, TC, latency. */
  private void count(
      int qtype, int rcode, Transport transport, boolean truncated, String source, long start) {
    metrics.answered(qtype, rcode, transport.name(), truncated, source, System.nanoTime() - start);
  }
}
