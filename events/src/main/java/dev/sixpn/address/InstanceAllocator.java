package dev.sixpn.address;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Hands out instance numbers unique per (network, host), never one that is still live.
 *
 * <p>Numbers are handed out in rising order from 1 and wrap around after 2³²−1, so a number
 * released by a destroyed instance is reused as late as possible (old DNS answers and peer caches
 * expire first). Thread-safe.
 */
public final class InstanceAllocator {

  private record Scope(long network, long host) {}

  private static final class Pool {
    final Set<Long> live = new HashSet<>();
    long next = 1;
  }

  private final Map<Scope, Pool> pools = new HashMap<>();

  /** Allocates a fresh instance address in {@code network} on {@code host}. */
  public synchronized SixpnAddress allocate(long network, long host) {
    SixpnAddress.requireU32("network", network);
    SixpnAddress.requireU32("host", host);
    Pool pool = pools.computeIfAbsent(new Scope(network, host), s -> new Pool());
    if (pool.live.size() >= SixpnAddress.MAX_U32) {
      throw new IllegalStateException(
          "no free instance number in network " + network + " on host " + host);
    }
    long candidate = pool.next;
    while (pool.live.contains(candidate)) {
      candidate = candidate == SixpnAddress.MAX_U32 ? 1 : candidate + 1;
    }
    pool.live.add(candidate);
    pool.next = candidate == SixpnAddress.MAX_U32 ? 1 : candidate + 1;
    return SixpnAddress.ofInstance(network, host, candidate);
  }

  /** Records an address allocated elsewhere (for example replayed from the log) as live. */
  public synchronized void markLive(SixpnAddress address) {
    pools
        .computeIfAbsent(new Scope(address.network(), address.host()), s -> new Pool())
        .live
        .add(address.instance());
  }

  /** Frees the address's number; releasing a number that is not live is a no-op. */
  public synchronized void release(SixpnAddress address) {
    Pool pool = pools.get(new Scope(address.network(), address.host()));
    if (pool != null) {
      pool.live.remove(address.instance());
    }
  }

  public synchronized boolean isLive(SixpnAddress address) {
    Pool pool = pools.get(new Scope(address.network(), address.host()));
    return pool != null && pool.live.contains(address.instance());
  }
}
