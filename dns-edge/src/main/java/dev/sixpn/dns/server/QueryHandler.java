package dev.sixpn.dns.server;

import dev.sixpn.dns.wire.DnsRequest;
import dev.sixpn.dns.wire.DnsResponse;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.timeout.IdleStateEvent;

/**
 * The Netty end of {@link QueryAnswerer}: decoded queries in, responses written to the channel,
 * idle TCP connections closed. Shared by every Netty UDP and TCP channel.
 */
@ChannelHandler.Sharable
final class QueryHandler extends SimpleChannelInboundHandler<DnsRequest> {

  private final QueryAnswerer answerer;

  QueryHandler(QueryAnswerer answerer) {
    super(DnsRequest.class);
    this.answerer = answerer;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, DnsRequest request) {
    answerer.answer(request, new ChannelReplies(ctx));
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
    answerer.problem("error while answering", cause);
    if (ctx.channel() instanceof io.netty.channel.socket.SocketChannel) {
      ctx.close();
    }
  }
}
