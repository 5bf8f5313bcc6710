package dev.sixpn.dns.zone;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Generation stamps that make cached answers safe against the race between computing an answer and
 * a batch committing. An entry is stamped with {@link #stamp()} read BEFORE it reads the state; the
 * change feed calls {@link #invalidate} AFTER the batch is committed. An entry is valid if its
 * stamp is at least the scope's last invalidation: a stamp taken before the invalidation is older,
 * so an answer computed from pre-commit state is never served after the change feed has spoken; a
 * stamp taken after it read post-commit state.
 */
final class Invalidation {

  private final AtomicLong generation = new AtomicLong(1);
  private final ConcurrentHashMap<Long, Clock> byNetwork = new ConcurrentHashMap<>();

  /**
   * When a network was last invalidated. An entry keeps its network's clock, so checking it is one
   * volatile read instead of a map lookup per query.
   */
  static final class Clock {
    volatile long last;
  }

  Clock clockOf(long network) {
    return byNetwork.computeIfAbsent(network, n -> new Clock());
  }

  private volatile long everything;
  private volatile long locations;

  long stamp() {
    return generation.get();
  }

  void invalidateNetwork(long network) {
    clockOf(network).last = generation.incrementAndGet();
  }

  /** Region locations may have changed: answers that depend on distance are stale. */
  void invalidateLocations() {
    locations = generation.incrementAndGet();
  }

  void invalidateEverything() {
    everything = generation.incrementAndGet();
  }

  /** Valid unless everything was invalidated since {@code stamp} (no per-network lookup). */
  boolean validGlobally(long stamp) {
    return stamp >= everything;
  }

  boolean valid(long stamp, Clock network, boolean dependsOnLocations) {
    return stamp >= everything
        && (!dependsOnLocations || stamp >= locations)
        && stamp >= network.last;
  }
}
