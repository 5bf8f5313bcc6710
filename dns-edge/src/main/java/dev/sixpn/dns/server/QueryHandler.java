package dev.sixpn.dns.server;

import dev.sixpn.dns.forward.ForwardTimeoutException;
import dev.sixpn.dns.forward.UpstreamForwarder;
import dev.sixpn.dns.metrics.DnsMetrics;
import dev.sixpn.dns.wire.DnsRequest;
import dev.sixpn.dns.wire.DnsResponse;
import dev.sixpn.dns.wire.DnsWire;
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
import java.util.Optional;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.DClass;
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
 * The policy between the codecs: who is asking, the zone or the forwarder, and the response
 * message (RFC 1035 §4.1, RFC 2308 negative answers, RFC 6891 EDNS). Shared by every UDP and TCP
 * channel; never blocks its event loop.
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

  QueryHandler(CallerResolver callers, ZoneCache zone, UpstreamForwarder forwarder, DnsMetrics metrics, int maxUdpPayload) {
    super(DnsRequest.class);
    this.callers = callers;
    this.zone = zone;
    this.forwarder = forwarder;
    this.metrics = metrics;
    this.maxUdpPayload = maxUdpPayload;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, DnsRequest request) {
    long start = System.nanoTime();
    switch (request) {
      case DnsRequest.Unanswerable u -> {
        send(ctx, request, DnsWire.headerOnlyResponse(u.id(), u.flags(), u.rcode()), false);
        metrics.query(0, u.rcode(), u.transport().name());
      }
      case DnsRequest.Query q -> query(ctx, q, start);
    }
  }

  private void query(ChannelHandlerContext ctx, DnsRequest.Query q, long start) {
    Message query = q.message();
    Record question = query.getQuestion();
    int qtype = question.getType();
    int limit = q.transport() == Transport.UDP ? DnsWire.udpLimit(query, maxUdpPayload) : 0xffff;
    OPTRecord opt = query.getOPT();
    if (opt != null && opt.getVersion() > 0) {
      Message r = response(query, Rcode.NOERROR, false);
      r.addRecord(new OPTRecord(maxUdpPayload, BADVERS_UPPER, 0, 0), Section.ADDITIONAL);
      finish(ctx, q, r, limit, start, "zone");
      return;
    }
    Optional<Caller> caller = callers.resolve(q.sender().getAddress());
    if (caller.isEmpty()) {
      metrics.refused();
      finish(ctx, q, withOpt(query, response(query, Rcode.REFUSED, false)), limit, start, "zone");
      return;
    }
    if (InternalZone.isAuthoritativeFor(question.getName())) {
      Message r;
      if ((question.getDClass() != DClass.IN && question.getDClass() != DClass.ANY) || qtype == Type.AXFR || qtype == Type.IXFR) {
        // no other classes here, and zone transfers are not offered: they would leak every network
        r = response(query, Rcode.REFUSED, false);
      } else {
        ZoneAnswer a = zone.answer(question.getName(), qtype, caller.get());
        r = response(query, a.rcode(), true);
        for (Record rec : a.answers()) {
          r.addRecord(rec, Section.ANSWER);
        }
        for (Record rec : a.authority()) {
          r.addRecord(rec, Section.AUTHORITY);
        }
      }
      finish(ctx, q, withOpt(query, r), limit, start, "zone");
      return;
    }
    if (forwarder == null) {
      metrics.refused();
      finish(ctx, q, withOpt(query, response(query, Rcode.REFUSED, false)), limit, start, "zone");
      return;
    }
    forwarder.forward(q.wire(), question, limit).whenComplete((answer, error) -> {
      if (error == null) {
        metrics.forwarded("answered");
        send(ctx, q, answer, true);
        metrics.query(qtype, answer[3] & 0xf, q.transport().name());
        metrics.latency("forward", System.nanoTime() - start);
        return;
      }
      Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
      metrics.forwarded(cause instanceof ForwardTimeoutException ? "timeout" : "error");
      if (!(cause instanceof ForwardTimeoutException) && !(cause instanceof IOException)) {
        problems.warn("forwarding failed", cause.toString());
      }
      finish(ctx, q, withOpt(query, response(query, Rcode.SERVFAIL, false)), limit, start, "forward");
      ctx.flush();
    });
  }

  /** A response header for {@code query}: id, opcode, RD and CD copied, RA set, question echoed as sent. */
  private static Message response(Message query, int rcode, boolean authoritative) {
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
  private Message withOpt(Message query, Message response) {
    if (query.getOPT() != null) {
      response.addRecord(new OPTRecord(maxUdpPayload, 0, 0, 0), Section.ADDITIONAL);
    }
    return response;
  }

  private void finish(ChannelHandlerContext ctx, DnsRequest.Query q, Message response, int limit, long start, String source) {
    byte[] wire = DnsWire.encode(response, limit);
    if ((wire[2] & 0x02) != 0) {
      metrics.truncated();
    }
    send(ctx, q, wire, false);
    metrics.query(q.message().getQuestion().getType(), response.getRcode(), q.transport().name());
    metrics.latency(source, System.nanoTime() - start);
  }

  /**
   * Answers found while reading are only written; {@link #channelReadComplete} flushes them
   * together, which lets epoll send a batch with one sendmmsg(2) instead of a syscall each.
   */
  private static void send(ChannelHandlerContext ctx, DnsRequest to, byte[] wire, boolean flush) {
    // UDP replies leave from the socket's own (specific) address; see DnsEdgeConfig.listen
    DnsResponse response = new DnsResponse(wire, to.sender(), null);
    if (flush) {
      ctx.writeAndFlush(response, ctx.voidPromise());
    } else {
      ctx.write(response, ctx.voidPromise());
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
