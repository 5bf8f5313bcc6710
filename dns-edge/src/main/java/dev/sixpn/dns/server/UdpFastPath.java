package dev.sixpn.dns.server;

import dev.sixpn.dns.wire.SimpleQuery;
import dev.sixpn.dns.wire.Transport;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;

/**
 * First in a UDP pipeline: answers the hot queries (simple shape, cached zone answer with a
 * template) straight from the datagram, skipping the decoder, the request objects and the encoder;
 * passes everything else on unchanged to the general codec path. Replies are flushed together when
 * the read batch completes (sendmmsg).
 */
@ChannelHandler.Sharable
final class UdpFastPath extends ChannelInboundHandlerAdapter {

  private final QueryHandler handler;

  UdpFastPath(QueryHandler handler) {
    this.handler = handler;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof DatagramPacket packet) {
      long start = System.nanoTime();
      ByteBuf content = packet.content();
      byte[] wire = ByteBufUtil.getBytes(content);
      ByteBuf out = null;
      try {
        SimpleQuery s = SimpleQuery.read(wire);
        QueryHandler.Stamp stamp =
            s == null ? null : handler.fastAnswer(s, packet.sender(), Transport.UDP, start);
        if (stamp != null) {
          // straight into a direct buffer: the socket would otherwise copy a heap buffer into one
          out = ctx.alloc().directBuffer(stamp.template().length());
          stamp.template().renderInto(out, wire, s, stamp.rotation());
        }
      } catch (RuntimeException e) {
        // a bug here must not lose the packet: the general path answers it and reports problems
        if (out != null) {
          out.release();
          out = null;
        }
      }
      if (out != null) {
        packet.release();
        ctx.write(new DatagramPacket(out, packet.sender()), ctx.voidPromise());
        return;
      }
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    ctx.flush();
    ctx.fireChannelReadComplete();
  }
}
