package dev.sixpn.dns.server;

import dev.sixpn.dns.forward.ForwardOverloadException;
import dev.sixpn.dns.forward.ForwardTimeoutException;
import dev.sixpn.dns.forward.UpstreamForwarder;
import dev.sixpn.dns.metrics.DnsMetrics;
import dev.sixpn.dns.wire.DnsRequest;
import dev.sixpn.dns.wire.DnsResponse;
import dev.sixpn.dns.wire.DnsWire;
import dev.sixpn.dns.wire.MalformedDnsException;
import dev.sixpn.dns.wire.SimpleQuery;
import dev.sixpn.dns.wire.Transport;
import dev.sixpn.dns.zone.Caller;
import dev.sixpn.dns.zone.CallerResolver;
import dev.sixpn.dns.zone.InternalZone;
import dev.sixpn.dns.zone.ZoneAnswer;
import dev.sixpn.dns.zone.ZoneCache;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.timeout.IdleStateEvent;
import java.io.IOException;
import java.net.InetAddress;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
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
import org.xbill.DNS.Type;

/**
 * The policy between the codecs: who is asking, the zone or the forwarder, and the response message
 * (RFC 1035 §4.1, RFC 2308 negative answers, RFC 6891 EDNS). Shared by every UDP and TCP channel;
 * never blocks its event loop.
 */
@ChannelHandler.Sharable
final class QueryHandler extends SimpleChannelInboundHandler<DnsRequest> {

  private static final Logger LOG = LoggerFactory.getLogger(QueryHandler.class);

  /** RFC 6891 §9: BADVERS is 16, carried as 1 in the OPT's upper rcode bits. */
  private static final int BADVERS_UPPER = Rcode.BADVERS >>> 4;

  private final CallerResolver callers;
  private final ZoneCache zone;
  private final UpstreamForwarder forwarder;
  private final DnsMetrics metrics;
  private final int maxUdpPayload;
  private final RateLimitedLog problems = new RateLimitedLog(LOG, 10_000_000_000L);

  QueryHandler(
      CallerResolver callers,
      ZoneCache zone,
      UpstreamForwarder forwarder,
      DnsMetrics metrics,
      int maxUdpPayload) {
    super(DnsRequest.class);
    this.callers = callers;
    this.zone = zone;
    this.forwarder = forwarder;
    this.metrics = metrics;
    this.maxUdpPayload = maxUdpPayload;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, DnsRequest request) {
    answer(request, new ChannelReplies(ctx));
  }

  /** Answers {@code request} through {@code replies}; called on the thread that read it. */
  void answer(DnsRequest request, Replies replies) {
    long start = System.nanoTime();
    switch (request) {
      case DnsRequest.Unanswerable u -> {
        replies.send(request, DnsWire.headerOnlyResponse(u.id(), u.flags(), u.rcode()));
        metrics.query(0, u.rcode(), u.transport().name());
      }
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
      replies.send(q, DnsWire.headerOnlyResponse(e.id(), e.flags(), Rcode.FORMERR));
      metrics.query(0, Rcode.FORMERR, q.transport().name());
      return;
    }
    Record question = query.getQuestion();
    int qtype = question.getType();
    int limit = q.transport() == Transport.UDP ? DnsWire.udpLimit(query, maxUdpPayload) : 0xffff;
    OPTRecord opt = query.getOPT();
    if (opt != null && opt.getVersion() > 0) {
      Message r = response(query, Rcode.NOERROR, false);
      r.addRecord(new OPTRecord(maxUdpPayload, BADVERS_UPPER, 0, 0), Section.ADDITIONAL);
      finish(replies, false, q, qtype, r, limit, start, "zone");
      return;
    }
    Optional<Caller> caller = callers.resolve(q.sender().getAddress());
    if (caller.isEmpty()) {
      metrics.refused();
      finish(replies, false, q, qtype, refused(query), limit, start, "zone");
      return;
    }
    if (InternalZone.isAuthoritativeFor(question.getName())) {
      if ((question.getDClass() != DClass.IN && question.getDClass() != DClass.ANY)
          || qtype == Type.AXFR
          || qtype == Type.IXFR) {
        // no other classes here, and zone transfers are not offered: they would leak every network
        finish(replies, false, q, qtype, refused(query), limit, start, "zone");
      } else {
        ZoneCache.Lookup lookup = zone.lookup(question.getName(), qtype, caller.get());
        send(replies, false, q, qtype, zoneWire(q, query, lookup, limit), start, "zone");
      }
      return;
    }
    if (forwarder == null) {
      // forwarding is off (no upstreams): counted under rcode REFUSED, not as a refused source
      finish(replies, false, q, qtype, refused(query), limit, start, "zone");
      return;
    }
    forwarder
        .forward(q.wire(), question, limit)
        .whenComplete(
            (answer, error) -> {
              if (error == null) {
                metrics.forwarded("answered");
                replies.sendNow(q, answer);
                metrics.query(qtype, answer[3] & 0xf, q.transport().name());
                metrics.latency("forward", System.nanoTime() - start);
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
              finish(
                  replies,
                  true,
                  q,
                  qtype,
                  withOpt(query, response(query, Rcode.SERVFAIL, false), maxUdpPayload),
                  limit,
                  start,
                  "forward");
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
    return callers.resolve(sender);
  }

  /** The largest UDP answer this server sends (and advertises). */
  int maxUdpPayload() {
    return maxUdpPayload;
  }

  /** The largest UDP response a query may get (512 without EDNS, else its size capped). */
  int udpLimit(boolean hasOpt, int ednsPayload) {
    return udpLimit(hasOpt, ednsPayload, maxUdpPayload);
  }

  /** Counts a UDP query answered by the fast path from a kept template within {@code limit}. */
  void countFast(int qtype, EncodedAnswer template, int limit, long start) {
    if (template.length() > limit) {
      metrics.truncated();
    }
    metrics.query(qtype, template.rcode(), Transport.UDP.name());
    metrics.latency("zone", System.nanoTime() - start);
  }

  /**
   * The template to answer a simple query from, or null if the query needs the general path (not in
   * the zone, unknown source, EDNS version, class, an answer shape without a template, or one too
   * large for the message whose first record alone does not fit). Takes the answer's rotation step
   * and counts the query when it answers.
   */
  Stamp fastAnswer(SimpleQuery s, InetAddress sender, Transport transport, long start) {
    int qtype = s.qtype();
    if (s.qclass() != DClass.IN
        || s.ednsVersion() > 0
        || qtype == Type.AXFR
        || qtype == Type.IXFR
        || s.zone() == SimpleQuery.Zone.OTHER) {
      return null;
    }
    Optional<Caller> caller = callers.resolve(sender);
    if (caller.isEmpty()) {
      return null;
    }
    ZoneCache.Lookup lookup = zone.lookup(s.nameKey(), qtype, caller.get());
    int slot = s.hasOpt() ? 1 : 0;
    Object attached = lookup.attachment(slot);
    if (attached == NO_TEMPLATE) {
      return null;
    }
    EncodedAnswer template = (EncodedAnswer) attached;
    if (template == null) {
      template = attachTemplate(lookup, slot, s.name(), qtype, s.qclass());
      if (template == null) {
        return null;
      }
    }
    int limit =
        transport == Transport.UDP
            ? udpLimit(s.hasOpt(), s.ednsPayload(), maxUdpPayload)
            : MAX_MESSAGE;
    int rotation = lookup.rotation();
    if (template.length() > limit) {
      if (template.truncatedLength(rotation, limit) < 0) {
        return null; // not one record fits: the general path decides
      }
      if (transport == Transport.UDP) {
        metrics.truncated();
      }
    }
    metrics.query(qtype, template.rcode(), transport.name());
    metrics.latency("zone", System.nanoTime() - start);
    return new Stamp(template, rotation, lookup, caller.get(), limit);
  }

  /** The largest DNS message: TCP frames it with a 16-bit length (RFC 1035 §4.2.2). */
  static final int MAX_MESSAGE = 0xffff;

  private static final Object NO_TEMPLATE = new Object();

  /**
   * Builds the template of {@code lookup}'s answer to {@code name} (any case) for slot 0 (no OPT)
   * or 1 (OPT) and keeps it with the answer; null, also kept, if the answer cannot have one.
   */
  private EncodedAnswer attachTemplate(
      ZoneCache.Lookup lookup, int slot, Name name, int qtype, int qclass) {
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
  private byte[] zoneWire(DnsRequest.Query q, Message query, ZoneCache.Lookup lookup, int limit) {
    boolean udp = q.transport() == Transport.UDP;
    Record question = query.getQuestion();
    if (question.getDClass() == DClass.IN) {
      int slot = query.getOPT() != null ? 1 : 0;
      Object attached = lookup.attachment(slot);
      EncodedAnswer template =
          attached instanceof EncodedAnswer t
              ? t
              : attached == NO_TEMPLATE
                  ? null
                  : attachTemplate(lookup, slot, question.getName(), question.getType(), DClass.IN);
      int end = DnsWire.questionEnd(q.wire());
      if (template != null && end > 0 && template.answers(q.wire(), end)) {
        byte[] wire = template.render(q.wire(), end, lookup.rotation(), limit, udp);
        if (wire != null) {
          return wire;
        }
      }
    }
    return LargeAnswers.encode(query, lookup.rotated(), limit, udp, maxUdpPayload);
  }

  static int udpLimit(boolean hasOpt, int ednsPayload, int maxUdpPayload) {
    return hasOpt
        ? Math.max(DnsWire.CLASSIC_UDP_PAYLOAD, Math.min(ednsPayload, maxUdpPayload))
        : DnsWire.CLASSIC_UDP_PAYLOAD;
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

  /** The response message for a zone answer: AA, answers, authority, OPT echoed. */
  static Message zoneResponse(Message query, ZoneAnswer a, int maxUdpPayload) {
    Message r = response(query, a.rcode(), true);
    for (Record rec : a.answers()) {
      r.addRecord(rec, Section.ANSWER);
    }
    for (Record rec : a.authority()) {
      r.addRecord(rec, Section.AUTHORITY);
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

  /** REFUSED to {@code query}, with an OPT record if it had one. */
  private Message refused(Message query) {
    return withOpt(query, response(query, Rcode.REFUSED, false), maxUdpPayload);
  }

  /** Encodes and sends {@code response}; {@code now} when off the reading thread. */
  private void finish(
      Replies replies,
      boolean now,
      DnsRequest.Query q,
      int qtype,
      Message response,
      int limit,
      long start,
      String source) {
    byte[] wire = DnsWire.encode(response, limit);
    sent(replies, now, q, wire);
    metrics.query(qtype, response.getRcode(), q.transport().name());
    metrics.latency(source, System.nanoTime() - start);
  }

  /** Sends an encoded response whose rcode fits the header (no extended rcode). */
  private void send(
      Replies replies,
      boolean now,
      DnsRequest.Query q,
      int qtype,
      byte[] wire,
      long start,
      String source) {
    sent(replies, now, q, wire);
    metrics.query(qtype, wire[3] & 0xf, q.transport().name());
    metrics.latency(source, System.nanoTime() - start);
  }

  private void sent(Replies replies, boolean now, DnsRequest.Query q, byte[] wire) {
    if ((wire[2] & 0x02) != 0) {
      metrics.truncated();
    }
    if (now) {
      replies.sendNow(q, wire);
    } else {
      replies.send(q, wire);
    }
  }

  /**
   * Replies through a Netty channel. Answers found while reading are only written; {@link
   * #channelReadComplete} flushes them together, which lets epoll send a batch with one sendmmsg(2)
   * instead of a syscall each.
   */
  private record ChannelReplies(ChannelHandlerContext ctx) implements Replies {
    @Override
    public void send(DnsRequest to, byte[] wire) {
      // UDP replies leave from the socket's own (specific) address; see DnsEdgeConfig.listen
      ctx.write(new DnsResponse(wire, to.sender()), ctx.voidPromise());
    }

    @Override
    public void sendNow(DnsRequest to, byte[] wire) {
      ctx.writeAndFlush(new DnsResponse(wire, to.sender()), ctx.voidPromise());
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    ctx.flush();
    ctx.fireChannelReadComplete();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof IdleStateEvent) {
      ctx.close();
      return;
    }
    super.userEventTriggered(ctx, evt);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    problems.warn("error while answering", cause.toString());
    if (ctx.channel() instanceof io.netty.channel.socket.SocketChannel) {
      ctx.close();
    }
  }
}
