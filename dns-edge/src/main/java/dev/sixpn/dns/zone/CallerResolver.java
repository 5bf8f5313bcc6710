package dev.sixpn.dns.zone;

import dev.sixpn.address.SixpnAddress;
import dev.sixpn.state.ChangeFeed;
import dev.sixpn.state.Host;
import dev.sixpn.state.Instance;
import dev.sixpn.state.StateChange;
import dev.sixpn.state.StateReader;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Turns a query's source address into the {@link Caller} whose view of the zone it gets, or empty
 * when the source must be REFUSED.
 *
 * <p>The network is bits 16–47 of the source; the source must be a known instance of that network
 * (started or stopped), a peer of that network, or a host address (network 0). The development
 * option {@code loopbackNetwork} maps loopback sources ({@code ::1}, {@code 127/8}) to one network;
 * it is off unless set, because on a host it would let any local process read that network's names.
 */
public final class CallerResolver implements AutoCloseable {

  private static final int MAX_CACHED = 100_000;

  private final StateReader state;
  private final OptionalLong loopbackNetwork;

  /**
   * One clock per host: a source address names its host, and only a change to that host's instances
   * can change what it resolves to, so a batch elsewhere in the fleet keeps this host's callers
   * cached.
   */
  private final Invalidation byHost = new Invalidation();

  private final ConcurrentHashMap<InetAddress, Cached> cache = new ConcurrentHashMap<>();
  private final AutoCloseable subscription;

  /**
   * @param host the clock of the source's host, null when the answer reads no state
   */
  private record Cached(Optional<Caller> caller, long stamp, Invalidation.Clock host) {
    boolean valid(Invalidation byHost) {
      return host == null ? byHost.validGlobally(stamp) : byHost.valid(stamp, host, false);
    }
  }

  public CallerResolver(StateReader state, ChangeFeed feed, OptionalLong loopbackNetwork) {
    this.state = Objects.requireNonNull(state, "state");
    this.loopbackNetwork = Objects.requireNonNull(loopbackNetwork, "loopbackNetwork");
    loopbackNetwork.ifPresent(n -> new Caller(n, null)); // validates the range
    this.subscription = Objects.requireNonNull(feed, "feed").subscribe(this::onChange);
  }

  private void onChange(StateChange change) {
    for (long host : change.hosts()) {
      byHost.invalidateNetwork(host);
    }
    if (change.hosts().isEmpty() && !change.instanceIds().isEmpty()) {
      byHost.invalidateEverything(); // ids alone do not say which host: be safe
    }
  }

  public Optional<Caller> resolve(InetAddress source) {
    Cached c = cache.get(source);
    if (c != null && c.valid(byHost)) {
      return c.caller;
    }
    long stamp = byHost.stamp();
    Optional<Caller> caller = lookup(source);
    if (cache.size() >= MAX_CACHED) {
      cache.clear();
    }
    cache.put(source, new Cached(caller, stamp, hostClock(source)));
    return caller;
  }

  /** The clock of the host a 6PN source address names, null for sources that read no state. */
  private Invalidation.Clock hostClock(InetAddress source) {
    if (!(source instanceof Inet6Address) || !SixpnAddress.isSixpn(source.getAddress())) {
      return null;
    }
    return byHost.clockOf(SixpnAddress.fromBytes(source.getAddress()).host());
  }

  private Optional<Caller> lookup(InetAddress source) {
    if (loopbackNetwork.isPresent() && source.isLoopbackAddress()) {
      long n = loopbackNetwork.getAsLong();
      return Optional.of(n == Caller.HOST_NETWORK ? Caller.host() : new Caller(n, null));
    }
    if (!(source instanceof Inet6Address) || !SixpnAddress.isSixpn(source.getAddress())) {
      return Optional.empty();
    }
    SixpnAddress address = SixpnAddress.fromBytes(source.getAddress());
    if (address.network() == Caller.HOST_NETWORK) {
      return Optional.of(Caller.host());
    }
    if (address.role() == SixpnAddress.ROLE_PEER) {
      // A peer asks from its gateway host: that host's region orders the nearest answers.
      return state
          .peerByAddress(address)
          .filter(p -> p.network() == address.network())
          .map(
              p ->
                  new Caller(
                      p.network(), state.host(p.gatewayHost()).map(Host::region).orElse(null)));
    }
    return state
        .instanceByAddress(address)
        .filter(i -> i.network() == address.network())
        .map(CallerResolver::callerOf);
  }

  private static Caller callerOf(Instance i) {
    return new Caller(i.network(), i.region());
  }

  @Override
  public void close() throws Exception {
    subscription.close();
  }
}
