package dev.sixpn.dns.server;

import dev.sixpn.dns.wire.SimpleQuery;
import dev.sixpn.dns.wire.Transport;
import dev.sixpn.dns.zone.Caller;
import dev.sixpn.dns.zone.ZoneCache;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * First in a UDP pipeline: answers the hot queries (simple shape, cached zone answer with a
 * template) straight from the datagram, skipping the decoder, the request objects and the encoder;
 * passes everything else on unchanged to the general codec path. Replies are flushed together when
 * the read batch completes (sendmmsg).
 *
 * <p>One instance per channel, so per event loop: its buffers and its table are used by one thread
 * only. A repeated question needs no allocation besides the reply's slice and packet: the datagram
 * is copied into a reused array, checked by a reused {@link SimpleQuery.Scan}, and found in a small
 * table of the templates this socket answered recently, keyed by the question and the caller's
 * view; an entry is used only while its zone answer {@link ZoneCache.Lookup#isCurrent is current}.
 */
final class UdpFastPath extends ChannelInboundHandlerAdapter {

  /**
   * Replies of one read batch are rendered one after the other into this direct buffer and sent as
   * slices of it, instead of one pooled buffer each (allocator, leak-detector sampling and recycler
   * per packet). A batch of 64 replies of a few hundred bytes fits; a larger batch moves on to a
   * fresh buffer. It is reused from the start once every slice sent from it has been released.
   */
  static final int ARENA_BYTES = 64 * 1024;

  /** Slots of the template table (a power of two); a full table replaces, it never grows. */
  static final int TABLE_SLOTS = 1 << 14;

  /** Slots probed for a key before the first one probed is replaced. */
  private static final int PROBES = 4;

  private final QueryHandler handler;
  private final byte[] query = new byte[DnsEdgeServer.MAX_QUERY_DATAGRAM];
  private final SimpleQuery.Scan scan = new SimpleQuery.Scan();
  private final int[] hashes = new int[TABLE_SLOTS];
  private final Kept[] kept = new Kept[TABLE_SLOTS];
  private ByteBuf arena;

  /** A template this socket answered with, for whom, and the cache lookup it came from. */
  private record Kept(
      int hash,
      EncodedAnswer template,
      boolean opt,
      long network,
      String region,
      ZoneCache.Lookup lookup) {}

  UdpFastPath(QueryHandler handler) {
    this.handler = handler;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof DatagramPacket packet) {
      long start = System.nanoTime();
      ByteBuf out = null;
      try {
        out = answer(ctx, packet, start);
      } catch (RuntimeException e) {
        // a bug here must not lose the packet: the general path answers it and reports problems
        out = null;
      }
      if (out != null) {
        packet.release();
        ctx.write(new DatagramPacket(out, packet.sender()), ctx.voidPromise());
        return;
      }
    }
    ctx.fireChannelRead(msg);
  }

  /** The reply to {@code packet} from a template, or null if the general path must answer. */
  private ByteBuf answer(ChannelHandlerContext ctx, DatagramPacket packet, long start) {
    ByteBuf content = packet.content();
    int n = content.readableBytes();
    if (n > query.length) {
      return null;
    }
    content.getBytes(content.readerIndex(), query, 0, n);
    if (!scan.read(query, n) || scan.ednsVersion() > 0) {
      return null; // not the simple shape, or BADVERS: the general path
    }
    Optional<Caller> who = handler.caller(packet.sender());
    if (who.isEmpty()) {
      return null; // REFUSED (or counted as such) by the general path
    }
    Caller caller = who.get();
    boolean opt = scan.hasOpt();
    int hash = hash(scan.questionHash(), opt, caller);
    int home = hash & (TABLE_SLOTS - 1);
    Kept k = find(home, hash, opt, caller);
    EncodedAnswer template;
    int rotation;
    if (k != null && k.lookup().isCurrent()) {
      template = k.template();
      if (template.length() > handler.udpLimit(opt, scan.ednsPayload())) {
        return null; // TC: the general path
      }
      rotation = k.lookup().nextRotation();
      handler.countFast(scan.qtype(), template, start);
    } else {
      SimpleQuery s = SimpleQuery.read(Arrays.copyOf(query, n));
      QueryHandler.Stamp stamp =
          s == null ? null : handler.fastAnswer(s, packet.sender(), Transport.UDP, start);
      if (stamp == null) {
        return null;
      }
      keep(home, hash, opt, stamp);
      template = stamp.template();
      rotation = stamp.rotation();
    }
    int length = template.length();
    ByteBuf a = arena(ctx, length);
    int at = a.writerIndex();
    try {
      template.renderInto(a, query, scan.questionEnd(), rotation);
    } catch (RuntimeException e) {
      a.writerIndex(at);
      throw e;
    }
    return a.retainedSlice(at, length);
  }

  private static int hash(int questionHash, boolean opt, Caller caller) {
    int h = questionHash * 31 + Long.hashCode(caller.network());
    h = h * 31 + Objects.hashCode(caller.region());
    h = h * 2 + (opt ? 1 : 0);
    return h ^ (h >>> 16);
  }

  private Kept find(int home, int hash, boolean opt, Caller caller) {
    for (int i = 0; i < PROBES; i++) {
      int slot = (home + i) & (TABLE_SLOTS - 1);
      Kept k = kept[slot];
      if (hashes[slot] == hash && isFor(k, opt, caller)) {
        return k;
      }
    }
    return null;
  }

  /** True if {@code k} answers the scanned question with this EDNS presence for this view. */
  private boolean isFor(Kept k, boolean opt, Caller caller) {
    return k != null
        && k.opt() == opt
        && k.network() == caller.network()
        && Objects.equals(k.region(), caller.region())
        && k.template().answers(query, scan.questionEnd());
  }

  /** Keeps the stamp's template in the slot of its key, else a free one, else the home slot. */
  private void keep(int home, int hash, boolean opt, QueryHandler.Stamp stamp) {
    Caller caller = stamp.caller();
    Kept k =
        new Kept(hash, stamp.template(), opt, caller.network(), caller.region(), stamp.lookup());
    int target = home;
    for (int i = 0; i < PROBES; i++) {
      int slot = (home + i) & (TABLE_SLOTS - 1);
      Kept old = kept[slot];
      if (old == null) {
        target = slot;
        break;
      }
      if (old.hash() == hash && isFor(old, opt, caller)) {
        target = slot; // the same question and view: replace the stale entry
        break;
      }
    }
    hashes[target] = hash;
    kept[target] = k;
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
