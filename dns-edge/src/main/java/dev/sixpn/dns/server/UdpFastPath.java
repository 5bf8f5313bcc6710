package dev.sixpn.dns.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;

/**
 * First in a Netty UDP pipeline: answers the hot queries with {@link KeptTemplates} and passes
 * everything else on unchanged to the general codec path. Replies are flushed together when the
 * read batch completes (sendmmsg). One instance per channel, so per event loop.
 */
final class UdpFastPath extends ChannelInboundHandlerAdapter {

  /**
   * Replies of one read batch are rendered one after the other into this direct buffer and sent as
   * slices of it, instead of one pooled buffer each (allocator, leak-detector sampling and recycler
   * per packet). A batch of 64 replies of a few hundred bytes fits; a larger batch moves on to a
   * fresh buffer. It is reused from the start once every slice sent from it has been released.
   */
  static final int ARENA_BYTES = 64 * 1024;

  private final QueryAnswerer handler;
  private final KeptTemplates kept;
  private ByteBuf arena;

  UdpFastPath(QueryAnswerer handler) {
    this.handler = handler;
    this.kept = new KeptTemplates(handler);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof DatagramPacket packet) {
      long start = System.nanoTime();
      ByteBuf content = packet.content();
      int n = content.readableBytes();
      if (n <= kept.query().length) {
        content.getBytes(content.readerIndex(), kept.query(), 0, n);
        ByteBuf a = arena(ctx, handler.maxUdpPayload());
        int at = a.writerIndex();
        int length;
        try {
          length = kept.answer(n, packet.sender().getAddress(), a, start);
        } catch (RuntimeException e) {
          // a bug here must not lose the packet: the general path answers it and reports problems
          length = -1;
        }
        if (length >= 0) {
          ByteBuf out = a.retainedSlice(at, length);
          packet.release();
          ctx.write(new DatagramPacket(out, packet.sender()), ctx.voidPromise());
          return;
        }
      }
    }
    ctx.fireChannelRead(msg);
  }

  private ByteBuf arena(ChannelHandlerContext ctx, int length) {
    if (arena == null || arena.writableBytes() < length) {
      if (arena != null) {
        arena.release(); // its slices still in flight keep it alive until they are sent
      }
      arena = ctx.alloc().directBuffer(Math.max(ARENA_BYTES, length));
    }
    return arena;
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    if (arena != null) {
      arena.release();
      arena = null;
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    ctx.flush();
    if (arena != null && arena.refCnt() == 1) {
      arena.clear(); // every reply sent from it is released: reuse from the start
    }
    ctx.fireChannelReadComplete();
  }
}
