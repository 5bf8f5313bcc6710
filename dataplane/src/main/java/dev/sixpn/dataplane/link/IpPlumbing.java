package dev.sixpn.dataplane.link;

import dev.sixpn.dataplane.bpf.ProgramLoader;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link HostPlumbing} inside the host's namespace: programs as tcx links through bpf(2) ({@link
 * TcxAttachments}), addresses and routes with iproute2 ({@code ip}).
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
  private volatile Map<String, Integer> linkCache;
  private volatile java.util.function.BooleanSupplier watching = () -> false;
  private long linkGeneration;

  public IpPlumbing(Netns netns, ProgramLoader.Pins pins) {
    this.netns = netns;
    this.interfaces = new NetnsExecutor(netns);
    this.tcx = new TcxAttachments(pins);
  }

  /** Closes the program fds and the namespace thread; attached links stay (they are pinned). */
  @Override
  public void close() {
    tcx.close();
    interfaces.close();
  }

  /**
   * Listing 400 links with if_nameindex (a netlink dump) costs ~1.5 ms, most of a map pass, so the
   * list is cached while a {@link LinkWatcher} is alive to say when it changes.
   */
  @Override
  public Map<String, Integer> links() {
    Map<String, Integer> cached = linkCache;
    if (cached != null && watching.getAsBoolean()) {
      return cached;
    }
    long generation;
    synchronized (this) {
      generation = linkGeneration;
    }
    Map<String, Integer> fresh = Map.copyOf(interfaces.interfaces());
    synchronized (this) {
      // Kept only if no invalidation raced with the read; otherwise the next call reads again.
      if (linkGeneration == generation) {
        linkCache = fresh;
      }
    }
    return fresh;
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
    return interfaces.call(tcx::read);
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
    netns
        .run("ip", "-6", "addr", "replace", GATEWAY, "dev", link, "nodad")
        .orThrow("cannot give " + link + " the gateway address");
  }

  @Override
  public Map<String, String> routes() {
    Exec.Result r =
        netns
            .run("ip", "-6", "-o", "route", "show", "proto", Integer.toString(ROUTE_PROTOCOL))
            .orThrow("");
    Map<String, String> out = new HashMap<>();
    for (String line : r.stdout().split("\n")) {
      List<String> words = List.of(line.trim().split("\\s+"));
      if (words.size() >= 2 && words.getFirst().equals(UNREACHABLE)) {
        out.put(Prefixes.canonical(words.get(1)), UNREACHABLE);
        continue;
      }
      int dev = words.indexOf("dev");
      if (words.isEmpty() || words.getFirst().isEmpty() || dev < 0 || dev + 1 >= words.size()) {
        continue;
      }
      out.put(Prefixes.canonical(words.getFirst()), words.get(dev + 1));
    }
    return out;
  }

  @Override
  public void replaceRoute(String prefix, String device) {
    if (device.equals(UNREACHABLE)) {
      netns
          .run(
              "ip",
              "-6",
              "route",
              "replace",
              UNREACHABLE,
              prefix,
              "proto",
              Integer.toString(ROUTE_PROTOCOL))
          .orThrow("");
      return;
    }
    netns
        .run(
            "ip",
            "-6",
            "route",
            "replace",
            prefix,
            "dev",
            device,
            "proto",
            Integer.toString(ROUTE_PROTOCOL))
        .orThrow("is the link " + device + " there and up?");
  }

  @Override
  public void deleteRoute(String prefix) {
    Exec.Result r =
        netns.run("ip", "-6", "route", "del", prefix, "proto", Integer.toString(ROUTE_PROTOCOL));
    if (!r.ok() && !r.stderr().contains("No such process")) {
      r.orThrow("");
    }
  }

  @Override
  public void enableForwarding() {
    // Written from inside the namespace: /proc/sys/net is per network namespace of the opener.
    netns
        .run("sh", "-c", "echo 1 > /proc/sys/net/ipv6/conf/all/forwarding")
        .orThrow("the agent needs root to enable IPv6 forwarding");
  }
}
