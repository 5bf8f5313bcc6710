package dev.sixpn.dns.forward;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Record;

/**
 * Sends queries for names outside {@code internal.} to upstream resolvers, asynchronously on Netty
 * event loops (a caller never waits on a socket).
 *
 * <p>Each query goes out over UDP with a fresh random id (RFC 5452: the client's id is not trusted
 * to be unpredictable) to the first upstream; after {@code attemptTimeout} without an answer the
 * next upstream is tried; when all have timed out the future fails with {@link
 * ForwardTimeoutException}. A response is accepted only from the upstream it was sent to, with the
 * id and question it was sent with. A truncated (TC) answer is asked again over TCP (RFC 7766); if
 * that fails, or the full answer is larger than the client's UDP limit, the truncated answer is
 * returned so the client retries over TCP itself. The client's id is restored in the answer.
 */
public final class UpstreamForwarder implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(UpstreamForwarder.class);

  private final EventLoopGroup group;
  private final Class<? extends SocketChannel> tcpChannel;
  private final List<InetSocketAddress> upstreams;
  private final long attemptNanos;
  private final Channel udp;
  private final ConcurrentHashMap<Integer, Pending> pending = new ConcurrentHashMap<>();
  private final int maxInFlight;

  /**
   * Queries waiting for an upstream at once. Ids are drawn at random from 65,536 until a free one
   * turns up: at half full that takes two draws on average, and a full table would never find one.
   * Past this bound a query fails at once ({@link ForwardOverloadException}, SERVFAIL): an upstream
   * that slow is not answering anyway, and a flood from one instance must not stall the thread that
   * forwards.
   */
  public static final int MAX_IN_FLIGHT = 1 << 15;

  /**
   * @param upstreams at least one resolver
   * @param attemptTimeout time to wait for one upstream before trying the next, positive
   */
  public UpstreamForwarder(
      EventLoopGroup group,
      Class<? extends DatagramChannel> udpChannel,
      Class<? extends SocketChannel> tcpChannel,
      List<InetSocketAddress> upstreams,
      Duration attemptTimeout)
      throws InterruptedException {
    this(group, udpChannel, tcpChannel, upstreams, attemptTimeout, MAX_IN_FLIGHT);
  }

  UpstreamForwarder(
      EventLoopGroup group,
      Class<? extends DatagramChannel> udpChannel,
      Class<? extends SocketChannel> tcpChannel,
      List<InetSocketAddress> upstreams,
      Duration attemptTimeout,
      int maxInFlight)
      throws InterruptedException {
    if (maxInFlight < 1 || maxInFlight > MAX_IN_FLIGHT) {
      throw new IllegalArgumentException(
          "maxInFlight must be in 1.." + MAX_IN_FLIGHT + ", got " + maxInFlight);
    }
    this.maxInFlight = maxInFlight;
    this.group = Objects.requireNonNull(group, "group");
    this.tcpChannel = Objects.requireNonNull(tcpChannel, "tcpChannel");
    if (upstreams == null || upstreams.isEmpty()) {
      throw new IllegalArgumentException("upstreams must name at least one resolver");
    }
    this.upstreams = List.copyOf(upstreams);
    if (attemptTimeout == null || attemptTimeout.isNegative() || attemptTimeout.isZero()) {
      throw new IllegalArgumentException("attemptTimeout must be positive, got " + attemptTimeout);
    }
    this.attemptNanos = attemptTimeout.toNanos();
    this.udp =
        new Bootstrap()
            .group(group)
            .channel(Objects.requireNonNull(udpChannel, "udpChannel"))
            .handler(new UdpAnswers())
            .bind(0)
            .sync()
            .channel();
  }

  public List<InetSocketAddress> upstreams() {
    return upstreams;
  }

  /**
   * Forwards one query.
   *
   * @param query the client's query as received (its id is restored in the answer)
   * @param question the query's question, for matching the answer
   * @param clientUdpLimit the client's UDP size limit, or 65535 for a TCP client
   * @return the answer's bytes, or a failure with {@link ForwardTimeoutException}, {@link
   *     ForwardOverloadException} or another {@link IOException}
   */
  public CompletableFuture<byte[]> forward(byte[] query, Record question, int clientUdpLimit) {
    Objects.requireNonNull(query, "query");
    Objects.requireNonNull(question, "question");
    if (query.length < 12) {
      throw new IllegalArgumentException(
          "query must be at least a header, got " + query.length + " bytes");
    }
    CompletableFuture<byte[]> result = new CompletableFuture<>();
    Pending p =
        new Pending(
            query.clone(),
            ((query[0] & 0xff) << 8) | (query[1] & 0xff),
            question,
            clientUdpLimit,
            result);
    send(p, 0);
    return result;
  }

  private void send(Pending p, int attempt) {
    if (pending.size() >= maxInFlight) {
      p.result.completeExceptionally(
          new ForwardOverloadException(
              maxInFlight + " queries already wait for " + upstreams + "; not forwarding more"));
      return;
    }
    int id;
    do {
      id = ThreadLocalRandom.current().nextInt(0x10000);
    } while (pending.putIfAbsent(id, p) != null);
    p.id = id;
    p.attempt = attempt;
    p.upstream = upstreams.get(attempt % upstreams.size());
    byte[] wire = p.query.clone();
    wire[0] = (byte) (id >>> 8);
    wire[1] = (byte) id;
    int sentId = id;
    EventLoop loop = udp.eventLoop();
    p.timeout = loop.schedule(() -> onTimeout(sentId, p), attemptNanos, TimeUnit.NANOSECONDS);
    udp.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(wire), p.upstream))
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                LOG.debug("send to upstream {} failed: {}", p.upstream, f.cause().toString());
              }
            });
  }

  private void onTimeout(int id, Pending p) {
    if (!pending.remove(id, p)) {
      return;
    }
    if (p.attempt + 1 < upstreams.size()) {
      send(p, p.attempt + 1);
    } else {
      p.result.completeExceptionally(
          new ForwardTimeoutException(
              "no answer from "
                  + upstreams
                  + " for "
                  + p.question.getName()
                  + " within "
                  + Duration.ofNanos(attemptNanos)
                  + " each"));
    }
  }

  private final class UdpAnswers extends SimpleChannelInboundHandler<DatagramPacket> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
      ByteBuf content = packet.content();
      if (content.readableBytes() < 12) {
        return;
      }
      int id = content.getUnsignedShort(content.readerIndex());
      Pending p = pending.get(id);
      if (p == null || !packet.sender().equals(p.upstream)) {
        return;
      }
      byte[] wire = ByteBufUtil.getBytes(content);
      Message answer = matching(wire, p);
      if (answer == null || !pending.remove(id, p)) {
        return;
      }
      ScheduledFuture<?> t = p.timeout;
      if (t != null) {
        t.cancel(false);
      }
      if (answer.getHeader().getFlag(Flags.TC)) {
        retryOverTcp(p, wire);
      } else {
        p.complete(wire);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      // ICMP unreachable and the like: the attempt's timeout moves on to the next upstream
      LOG.debug("forwarder socket: {}", cause.toString());
    }
  }

  /** The answer if it carries the question that was asked, else null (spoofed or stale). */
  private static Message matching(byte[] wire, Pending p) {
    try {
      Message m = new Message(wire);
      Record q = m.getQuestion();
      if (!m.getHeader().getFlag(Flags.QR) || q == null) {
        return null;
      }
      boolean same =
          q.getName().equals(p.question.getName())
              && q.getType() == p.question.getType()
              && q.getDClass() == p.question.getDClass();
      return same ? m : null;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private void retryOverTcp(Pending p, byte[] truncated) {
    int id = p.id;
    byte[] wire = p.query.clone();
    wire[0] = (byte) (id >>> 8);
    wire[1] = (byte) id;
    Bootstrap b =
        new Bootstrap()
            .group(group)
            .channel(tcpChannel)
            .handler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    ch.pipeline().addLast(new LengthFieldBasedFrameDecoder(0xffff, 0, 2, 0, 2));
                    ch.pipeline()
                        .addLast(
                            new SimpleChannelInboundHandler<ByteBuf>() {
                              @Override
                              protected void channelRead0(
                                  ChannelHandlerContext ctx, ByteBuf frame) {
                                byte[] full = ByteBufUtil.getBytes(frame);
                                Message m =
                                    full.length >= 12
                                            && ((full[0] & 0xff) << 8 | (full[1] & 0xff)) == id
                                        ? matching(full, p)
                                        : null;
                                if (m != null) {
                                  p.complete(full.length <= p.clientUdpLimit ? full : truncated);
                                  ctx.close();
                                }
                              }

                              @Override
                              public void exceptionCaught(
                                  ChannelHandlerContext ctx, Throwable cause) {
                                ctx.close();
                              }

                              @Override
                              public void channelInactive(ChannelHandlerContext ctx) {
                                p.complete(truncated);
                              }
                            });
                  }
                });
    b.connect(p.upstream)
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                p.complete(truncated);
                return;
              }
              Channel ch = ((io.netty.channel.ChannelFuture) f).channel();
              ScheduledFuture<?> t =
                  ch.eventLoop()
                      .schedule(
                          () -> {
                            p.complete(truncated);
                            ch.close();
                          },
                          attemptNanos,
                          TimeUnit.NANOSECONDS);
              ch.closeFuture().addListener(c -> t.cancel(false));
              ByteBuf out = ch.alloc().buffer(2 + wire.length);
              out.writeShort(wire.length).writeBytes(wire);
              ch.writeAndFlush(out);
            });
  }

  private static final class Pending {
    final byte[] query;
    final int clientId;
    final Record question;
    final int clientUdpLimit;
    final CompletableFuture<byte[]> result;
    volatile int id;
    volatile int attempt;
    volatile InetSocketAddress upstream;
    volatile ScheduledFuture<?> timeout;

    Pending(
        byte[] query,
        int clientId,
        Record question,
        int clientUdpLimit,
        CompletableFuture<byte[]> result) {
      this.query = query;
      this.clientId = clientId;
      this.question = question;
      this.clientUdpLimit = clientUdpLimit;
      this.result = result;
    }

    /** Completes once, with the client's id put back. */
    void complete(byte[] answer) {
      if (result.isDone()) {
        return;
      }
      byte[] out = answer.clone();
      out[0] = (byte) (clientId >>> 8);
      out[1] = (byte) clientId;
      result.complete(out);
    }
  }

  @Override
  public void close() {
    udp.close().awaitUninterruptibly();
    for (Pending p : pending.values()) {
      ScheduledFuture<?> t = p.timeout;
      if (t != null) {
        t.cancel(false);
      }
      p.result.completeExceptionally(new IOException("forwarder closed"));
    }
    pending.clear();
  }
}
