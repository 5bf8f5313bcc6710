package dev.sixpn.dns.server;

import dev.sixpn.dns.wire.SimpleQuery;
import dev.sixpn.dns.wire.Transport;
import dev.sixpn.dns.zone.Caller;
import dev.sixpn.dns.zone.ZoneCache;
import io.netty.buffer.ByteBuf;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * The UDP hot path of one socket: answers a simple query whose zone answer is cached with a
 * template straight from the datagram's bytes, skipping the decoder, the request objects and the
 * encoder. Whatever it cannot answer this way goes to the general path, unchanged.
 *
 * <p>One instance per socket, used by one thread only. A repeated question needs no allocation: the
 * datagram is copied into {@link #query()}, checked by a reused {@link SimpleQuery.Scan}, and found
 * in a small table of the templates this socket answered recently, keyed by the question and the
 * caller's view; an entry is used only while its zone answer {@link ZoneCache.Lookup#isCurrent is
 * current}. An answer larger than the query's UDP limit is sent as a window of its records with TC
 * ({@link EncodedAnswer#renderTruncatedInto}), from the table too.
 *
 * <p>Memory: the table holds at most {@link #TABLE_SLOTS} entries, and only templates of at most
 * {@link QueryAnswerer#maxUdpPayload()} bytes (answers that can go whole over UDP, a few dozen
 * records): an entry keeps its zone answer alive even after the {@link ZoneCache} evicted it, so
 * the table must not keep large ones. Larger answers are looked up in the cache for each query.
 */
final class KeptTemplates {

  /** Slots of the template table (a power of two); a full table replaces, it never grows. */
  static final int TABLE_SLOTS = 1 << 14;

  /** Slots probed for a key before the first one probed is replaced. */
  private static final int PROBES = 4;

  private final QueryAnswerer handler;
  private final byte[] query = new byte[DnsEdgeServer.MAX_QUERY_DATAGRAM];
  private final SimpleQuery.Scan scan = new SimpleQuery.Scan();
  private final int[] hashes = new int[TABLE_SLOTS];
  private final Kept[] kept = new Kept[TABLE_SLOTS];

  /** A template this socket answered with, for whom, and the cache lookup it came from. */
  private record Kept(
      int hash,
      EncodedAnswer template,
      boolean opt,
      long network,
      String region,
      ZoneCache.Lookup lookup) {}

  KeptTemplates(QueryAnswerer handler) {
    this.handler = Objects.requireNonNull(handler, "handler");
  }

  /** Where the caller puts a datagram of up to {@link DnsEdgeServer#MAX_QUERY_DATAGRAM} bytes. */
  byte[] query() {
    return query;
  }

  /**
   * Writes the answer to the {@code n} bytes in {@link #query()}, sent from {@code source}, at
   * {@code out}'s writer index, which needs {@link QueryAnswerer#maxUdpPayload()} writable bytes.
   *
   * @return the answer's length, or -1 if the general path must answer (nothing written)
   */
  int answer(int n, InetAddress source, ByteBuf out, long start) {
    if (n > query.length || !scan.read(query, n) || scan.ednsVersion() > 0) {
      return -1; // not the simple shape, or BADVERS: the general path
    }
    Optional<Caller> who = handler.caller(source);
    if (who.isEmpty()) {
      return -1; // REFUSED (or counted as such) by the general path
    }
    Caller caller = who.get();
    boolean opt = scan.hasOpt();
    int hash = hash(scan.questionHash(), opt, caller);
    int home = hash & (TABLE_SLOTS - 1);
    Kept k = find(home, hash, opt, caller);
    EncodedAnswer template;
    int rotation;
    int limit;
    if (k != null && k.lookup().isCurrent()) {
      template = k.template();
      limit = handler.udpLimit(opt, scan.ednsPayload());
      rotation = k.lookup().nextRotation();
      if (template.length() > limit && template.truncatedLength(rotation, limit) < 0) {
        return -1; // not one record fits: the general path
      }
      handler.countFast(scan.qtype(), template, limit, start);
    } else {
      SimpleQuery s = SimpleQuery.read(Arrays.copyOf(query, n));
      QueryAnswerer.Stamp stamp =
          s == null ? null : handler.fastAnswer(s, source, Transport.UDP, start);
      if (stamp == null) {
        return -1;
      }
      if (stamp.template().length() <= handler.maxUdpPayload()) {
        keep(home, hash, opt, stamp);
      }
      template = stamp.template();
      rotation = stamp.rotation();
      limit = stamp.limit();
    }
    int at = out.writerIndex();
    try {
      if (template.length() <= limit) {
        template.renderInto(out, query, scan.questionEnd(), rotation);
        return template.length();
      }
      return template.renderTruncatedInto(out, query, scan.questionEnd(), rotation, limit, true);
    } catch (RuntimeException e) {
      out.writerIndex(at);
      throw e;
    }
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
  private void keep(int home, int hash, boolean opt, QueryAnswerer.Stamp stamp) {
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
}
