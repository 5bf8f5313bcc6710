package dev.sixpn.dns.server;

import dev.sixpn.dns.wire.SimpleQuery;
import dev.sixpn.dns.zone.Caller;
import dev.sixpn.dns.zone.CallerResolver;
import dev.sixpn.dns.zone.InternalZone;
import dev.sixpn.dns.zone.ZoneCache;
import java.net.InetAddress;
import java.util.Optional;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

/**
 * What to answer, without encoding it: the EDNS version, who is asking (the caller's network, or
 * REFUSED), whether the zone answers (and its cached answer) or the forwarder does. No I/O besides
 * the state the resolver and the cache read.
 */
final class QueryPolicy {

  /** What a query gets. */
  sealed interface Decision {
    /** EDNS version above 0: BADVERS. */
    record BadVersion() implements Decision {}

    /**
     * REFUSED; {@code unknownSource} when the sender is neither an instance nor the host (counted
     * apart from refusals of classes, transfers and forwarding when it is off).
     */
    record Refuse(boolean unknownSource) implements Decision {}

    /** The zone's answer for the caller. */
    record Zone(ZoneCache.Lookup lookup) implements Decision {}

    /** A name outside the zone, to the forwarder. */
    record Forward() implements Decision {}
  }

  private static final Decision BAD_VERSION = new Decision.BadVersion();
  private static final Decision UNKNOWN_SOURCE = new Decision.Refuse(true);
  private static final Decision REFUSE = new Decision.Refuse(false);
  private static final Decision FORWARD = new Decision.Forward();

  private final CallerResolver callers;
  private final ZoneCache zone;
  private final boolean forwarding;

  QueryPolicy(CallerResolver callers, ZoneCache zone, boolean forwarding) {
    this.callers = callers;
    this.zone = zone;
    this.forwarding = forwarding;
  }

  /** The view {@code sender} gets, or empty if it is refused. */
  Optional<Caller> caller(InetAddress sender) {
    return callers.resolve(sender);
  }

  /** The decision for a parsed {@code query} from {@code sender}. */
  Decision decide(Message query, InetAddress sender) {
    OPTRecord opt = query.getOPT();
    if (opt != null && opt.getVersion() > 0) {
      return BAD_VERSION;
    }
    Optional<Caller> caller = callers.resolve(sender);
    if (caller.isEmpty()) {
      return UNKNOWN_SOURCE;
    }
    Record question = query.getQuestion();
    if (InternalZone.isAuthoritativeFor(question.getName())) {
      int qtype = question.getType();
      if ((question.getDClass() != DClass.IN && question.getDClass() != DClass.ANY)
          || qtype == Type.AXFR
          || qtype == Type.IXFR) {
        // no other classes here, and zone transfers are not offered: they would leak every network
        return REFUSE;
      }
      return new Decision.Zone(zone.lookup(question.getName(), qtype, caller.get()));
    }
    // forwarding off (no upstreams): REFUSED, but not a refused source
    return forwarding ? FORWARD : REFUSE;
  }

  /**
   * The zone lookup answering a simple query from {@code caller}, or null if the query needs the
   * general path's decision (not in the zone, EDNS version, class, transfers).
   */
  ZoneCache.Lookup zoneLookup(SimpleQuery s, Caller caller) {
    int qtype = s.qtype();
    if (s.qclass() != DClass.IN
        || s.ednsVersion() > 0
        || qtype == Type.AXFR
        || qtype == Type.IXFR
        || s.zone() == SimpleQuery.Zone.OTHER) {
      return null;
    }
    return zone.lookup(s.nameKey(), qtype, caller);
  }
}
