package dev.sixpn.dataplane.link;

import dev.sixpn.dataplane.bpf.ProgramLoader;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link HostPlumbing} inside the host's namespace, with no process: programs as tcx links through
 * bpf(2) ({@link TcxAttachments}), addresses and routes over rtnetlink ({@link Rtnetlink}), links
 * by if_nameindex(3).
 */
public final class IpPlumbing implements HostPlumbing, AutoCloseable {

  /**
   * The route protocol number marking our routes (rtnetlink {@code rtm_protocol}), so the
   * reconciler lists and prunes only its own; not one of /etc/iproute2/rt_protos.
   */
  public static final int ROUTE_PROTOCOL = 166;

  /** Link-local gateway every instance routes through: {@code default via fe80::1}. */
  public static final String GATEWAY = "fe80::1/64";

  private static final Logger log = LoggerFactory.getLogger(IpPlumbing.class);

  private final Netns netns;
  private final NetnsExecutor interfaces;
  private final TcxAttachments tcx;
  private final Rtnetlink netlink;
  private volatile Map<String, Integer> linkCache;
  private volatile java.util.function.BooleanSupplier watching = () -> false;
  private long linkGeneration;
  private volatile long linkCacheReadAt;

  private static final long LINK_CACHE_MAX_AGE_NANOS = java.time.Duration.ofSeconds(30).toNanos();

  public IpPlumbing(Netns netns, ProgramLoader.Pins pins) {
    this.netns = netns;
    this.interfaces = new NetnsExecutor(netns);
    this.tcx = new TcxAttachments(pins);
    this.netlink = interfaces.call(Rtnetlink::open); // a socket of the host's namespace
  }

  /** Closes the program fds and the namespace thread; attached links stay (they are pinned). */
  @Override
  public void close() {
    netlink.close();
    tcx.close();
    interfaces.close();
  }

  /**
   * Listing 50 links with if_nameindex (a netlink dump of every link's attributes and counters,
   * from the namespace's thread) costs ~1.5 ms, several times a map pass, and grows with the links:
   * so the list is cached while a {@link LinkWatcher} is alive, which keeps it current message by
   * message ({@link #linkChanged}), and read again at least every {@link #LINK_CACHE_MAX_AGE_NANOS}
   * as a safety net.
   */
  @Override
  public Map<String, Integer> links() {
    Map<String, Integer> cached = linkCache;
    if (cached != null
        && watching.getAsBoolean()
        && System.nanoTime() - linkCacheReadAt < LINK_CACHE_MAX_AGE_NANOS) {
      return cached;
    }
    long readAt = System.nanoTime();
    long generation;
    synchronized (this) {
      generation = linkGeneration;
    }
    Map<String, Integer> fresh = Map.copyOf(interfaces.interfaces());
    synchronized (this) {
      // Kept only if no invalidation raced with the read; otherwise the next call reads again.
      if (linkGeneration == generation) {
        linkCacheReadAt = readAt;
        linkCache = fresh;
      }
    }
    return fresh;
  }

  /**
   * Follows one link message of the {@link LinkWatcher} in the cached list (no dump): a link that
   * is there under {@code name}, or gone. Without a name, or with no list cached, the next {@link
   * #links()} reads the kernel.
   */
  public void linkChanged(boolean present, int ifindex, String name) {
    synchronized (this) {
      linkGeneration++; // a dump that raced with this message is not kept
      Map<String, Integer> cached = linkCache;
      if (cached == null || (present && name == null)) {
        linkCache = null;
        return;
      }
      Map<String, Integer> next = new HashMap<>(cached);
      next.values().removeIf(i -> i == ifindex); // gone, or renamed
      if (present) {
        next.put(name, ifindex);
      }
      if (!next.equals(cached)) {
        linkCache = Map.copyOf(next);
      }
    }
  }

  @Override
  public void invalidateLinks() {
    synchronized (this) {
      linkGeneration++;
      linkCache = null;
    }
  }

  /** Links are cached only while {@code watcher} says the link watcher runs. */
  public void cacheLinksWhile(java.util.function.BooleanSupplier watcher) {
    this.watching = watcher;
  }

  @Override
  public Map<Integer, String> attachments() {
    return attachments(links().values());
  }

  @Override
  public Map<Integer, String> attachments(java.util.Collection<Integer> ifindexes) {
    return interfaces.call(() -> tcx.read(ifindexes));
  }

  @Override
  public void attach(int ifindex, String program) {
    interfaces.call(
        () -> {
          tcx.attach(ifindex, program);
          return null;
        });
    log.debug("attached program={} ifindex={} netns={}", program, ifindex, netns);
  }

  @Override
  public void detach(int ifindex) {
    interfaces.call(
        () -> {
          tcx.detach(ifindex);
          return null;
        });
  }

  @Override
  public void assignGateway(String link) {
    netlink.replaceAddress(ifindex(link), GATEWAY, true);
  }

  /** The ifindex of a link by name, reading the kernel again if the cached list lacks it. */
  private int ifindex(String link) {
    Integer i = links().get(link);
    if (i == null) {
      invalidateLinks();
      i = links().get(link);
    }
    if (i == null) {
      throw new IllegalStateException("no link named " + link + " in " + netns);
    }
    return i;
  }

  @Override
  public Map<String, String> routes() {
    List<Rtnetlink.Route> routes = netlink.routes(ROUTE_PROTOCOL);
    Map<Integer, String> names = names(links());
    Map<String, String> out = new HashMap<>();
    for (Rtnetlink.Route r : routes) {
      if (r.type() == Rtnetlink.RTN_UNREACHABLE) {
        out.put(r.prefix(), UNREACHABLE);
        continue;
      }
      String name = names.get(r.ifindex());
      if (name == null) {
        invalidateLinks(); // a link newer than the cache
        names = names(links());
        name = names.getOrDefault(r.ifindex(), "ifindex" + r.ifindex());
      }
      out.put(r.prefix(), name);
    }
    return out;
  }

  private static Map<Integer, String> names(Map<String, Integer> links) {
    Map<Integer, String> out = new HashMap<>();
    links.forEach((name, index) -> out.put(index, name));
    return out;
  }

  @Override
  public void replaceRoute(String prefix, String device) {
    if (device.equals(UNREACHABLE)) {
      netlink.replaceRoute(prefix, true, 0, ROUTE_PROTOCOL);
      return;
    }
    netlink.replaceRoute(prefix, false, ifindex(device), ROUTE_PROTOCOL);
  }

  @Override
  public void deleteRoute(String prefix) {
    netlink.deleteRoute(prefix, ROUTE_PROTOCOL);
  }

  @Override
  public void enableForwarding() {
    // From the namespace's thread: /proc/sys/net is the network namespace of the opener.
    interfaces.call(
        () -> {
          try {
            java.nio.file.Files.writeString(
                java.nio.file.Path.of("/proc/sys/net/ipv6/conf/all/forwarding"), "1\n");
          } catch (java.io.IOException e) {
            throw new IllegalStateException(
                "cannot enable IPv6 forwarding (the agent needs root): " + e.getMessage(), e);
          }
          return null;
        });
  }
}
