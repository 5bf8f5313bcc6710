package dev.sixpn.dns.server;

import dev.sixpn.address.SixpnAddress;
import dev.sixpn.dns.forward.ResolvConf;
import dev.sixpn.dns.zone.ZoneCache;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * How the DNS edge runs.
 *
 * @param listen addresses served over both UDP and TCP; on a host {@code [fdaa::3]:53}. Bind
 *     specific addresses, not the wildcard: a UDP answer leaves from the socket's address, and a
 *     client drops an answer from an address it did not ask.
 * @param eventLoops threads per kind of work, normally one per core: Netty event loops (TCP,
 *     forwarding) and, per address, as many SO_REUSEPORT UDP sockets (each with its own receive
 *     thread under {@link UdpEngine#RECVMMSG}, on the event loops under {@link UdpEngine#NETTY}
 *     with epoll), so the kernel spreads queries over cores
 * @param upstreams resolvers for names outside {@code internal.}, tried in order; empty turns
 *     forwarding off (such queries are REFUSED)
 * @param forwardAttemptTimeout how long to wait for one upstream before the next; after the last,
 *     SERVFAIL
 * @param devLoopbackNetwork DEVELOPMENT ONLY, OFF (empty) BY DEFAULT: treat queries from loopback
 *     sources ({@code ::1}, {@code 127.0.0.0/8}) as coming from this network. On a host it would
 *     let any local process read that network's names, so never set it in production.
 * @param maxUdpPayload the largest UDP answer we send, and the size we advertise in OPT: 512..65535
 *     (default 1232, the DNS Flag Day 2020 value that avoids IP fragmentation)
 * @param cacheEntries bound on cached zone answers
 * @param cacheBytes bound on their estimated heap (default {@link ZoneCache#DEFAULT_MAX_BYTES},
 *     which says why): every distinct name asked is an entry, so this is what a flood of names can
 *     cost
 * @param tcpIdleTimeout an idle TCP connection is closed after this (RFC 7766 §6.2.3)
 * @param maxTcpConnections TCP connections open at once; one more is closed as it arrives and
 *     counted (RFC 7766 §6.2.2: servers limit what a client can hold open), 1..1,000,000
 * @param udpEngine what serves UDP: {@link UdpEngine#RECVMMSG} (default on Linux) or {@link
 *     UdpEngine#NETTY}
 */
public record DnsEdgeConfig(
    List<InetSocketAddress> listen,
    int eventLoops,
    List<InetSocketAddress> upstreams,
    Duration forwardAttemptTimeout,
    OptionalLong devLoopbackNetwork,
    int maxUdpPayload,
    int cacheEntries,
    long cacheBytes,
    Duration tcpIdleTimeout,
    int maxTcpConnections,
    UdpEngine udpEngine) {

  public static final int DEFAULT_MAX_UDP_PAYLOAD = 1232;

  /**
   * TCP connections at once: instances mostly ask over UDP and fall back to TCP for one truncated
   * answer, so a thousand is far above normal use and far below the fd limit.
   */
  public static final int DEFAULT_MAX_TCP_CONNECTIONS = 1024;

  /** What reads UDP queries and sends the answers; TCP is Netty's in both cases. */
  public enum UdpEngine {
    /**
     * Per-core threads that block in recvmmsg(2) and answer with sendmmsg(2), called directly
     * (Linux): two syscalls per wake-up, the lowest latency and CPU per query.
     */
    RECVMMSG,
    /** Netty's datagram channels on the event loops (epoll on Linux, else NIO); works anywhere. */
    NETTY;

    /** RECVMMSG where its syscalls can be linked (Linux), else NETTY. */
    public static UdpEngine preferred() {
      return dev.sixpn.dns.unix.UdpSocket.isAvailable() ? RECVMMSG : NETTY;
    }
  }

  public DnsEdgeConfig {
    if (listen == null || listen.isEmpty()) {
      throw new IllegalArgumentException("listen must name at least one address");
    }
    for (InetSocketAddress a : listen) {
      if (a == null || a.isUnresolved()) {
        throw new IllegalArgumentException(
            "listen addresses must be resolved IP addresses, got " + a);
      }
    }
    listen = List.copyOf(listen);
    if (eventLoops < 1 || eventLoops > 1024) {
      throw new IllegalArgumentException("eventLoops must be in 1..1024, got " + eventLoops);
    }
    if (upstreams == null) {
      throw new IllegalArgumentException("upstreams must not be null (empty turns forwarding off)");
    }
    for (InetSocketAddress a : upstreams) {
      if (a == null || a.isUnresolved()) {
        throw new IllegalArgumentException("upstreams must be resolved IP addresses, got " + a);
      }
    }
    upstreams = List.copyOf(upstreams);
    if (forwardAttemptTimeout == null
        || forwardAttemptTimeout.isNegative()
        || forwardAttemptTimeout.isZero()) {
      throw new IllegalArgumentException(
          "forwardAttemptTimeout must be positive, got " + forwardAttemptTimeout);
    }
    if (devLoopbackNetwork == null) {
      throw new IllegalArgumentException(
          "devLoopbackNetwork must not be null (use OptionalLong.empty(): off)");
    }
    devLoopbackNetwork.ifPresent(
        n -> {
          if (n < 0 || n > 0xffff_ffffL) {
            throw new IllegalArgumentException(
                "devLoopbackNetwork must be in 0..4294967295, got " + n);
          }
        });
    if (maxUdpPayload < 512 || maxUdpPayload > 65535) {
      throw new IllegalArgumentException(
          "maxUdpPayload must be in 512..65535, got " + maxUdpPayload);
    }
    if (cacheEntries < 1) {
      throw new IllegalArgumentException("cacheEntries must be at least 1, got " + cacheEntries);
    }
    if (cacheBytes < 1) {
      throw new IllegalArgumentException("cacheBytes must be at least 1, got " + cacheBytes);
    }
    if (tcpIdleTimeout == null || tcpIdleTimeout.isNegative() || tcpIdleTimeout.isZero()) {
      throw new IllegalArgumentException("tcpIdleTimeout must be positive, got " + tcpIdleTimeout);
    }
    if (maxTcpConnections < 1 || maxTcpConnections > 1_000_000) {
      throw new IllegalArgumentException(
          "maxTcpConnections must be in 1..1000000, got " + maxTcpConnections);
    }
    if (udpEngine == null) {
      throw new IllegalArgumentException("udpEngine must not be null (RECVMMSG or NETTY)");
    }
  }

  /**
   * Production defaults: {@code [fdaa::3]:53}, one event loop per core, the host's resolv.conf
   * resolvers (minus our own listen addresses, which would loop), 1 s per upstream, development
   * loopback mapping off.
   */
  public static DnsEdgeConfig defaults() {
    List<InetSocketAddress> listen =
        List.of(new InetSocketAddress(SixpnAddress.RESOLVER.toInetAddress(), 53));
    return new DnsEdgeConfig(
        listen,
        Runtime.getRuntime().availableProcessors(),
        withoutSelf(ResolvConf.nameservers(ResolvConf.DEFAULT), listen),
        Duration.ofSeconds(1),
        OptionalLong.empty(),
        DEFAULT_MAX_UDP_PAYLOAD,
        100_000,
        ZoneCache.DEFAULT_MAX_BYTES,
        Duration.ofSeconds(10),
        DEFAULT_MAX_TCP_CONNECTIONS,
        UdpEngine.preferred());
  }

  static List<InetSocketAddress> withoutSelf(
      List<InetSocketAddress> upstreams, List<InetSocketAddress> listen) {
    List<InetSocketAddress> out = new ArrayList<>();
    for (InetSocketAddress u : upstreams) {
      if (!listen.contains(u)) {
        out.add(u);
      }
    }
    return out;
  }

  public DnsEdgeConfig withListen(List<InetSocketAddress> listen) {
    return copy(c -> c.listen = listen);
  }

  public DnsEdgeConfig withEventLoops(int eventLoops) {
    return copy(c -> c.eventLoops = eventLoops);
  }

  public DnsEdgeConfig withUpstreams(List<InetSocketAddress> upstreams, Duration attemptTimeout) {
    return copy(
        c -> {
          c.upstreams = upstreams;
          c.forwardAttemptTimeout = attemptTimeout;
        });
  }

  /** DEVELOPMENT ONLY: see {@link #devLoopbackNetwork()}. */
  public DnsEdgeConfig withDevLoopbackNetwork(OptionalLong network) {
    return copy(c -> c.devLoopbackNetwork = network);
  }

  public DnsEdgeConfig withMaxUdpPayload(int maxUdpPayload) {
    return copy(c -> c.maxUdpPayload = maxUdpPayload);
  }

  public DnsEdgeConfig withCache(int cacheEntries, long cacheBytes) {
    return copy(
        c -> {
          c.cacheEntries = cacheEntries;
          c.cacheBytes = cacheBytes;
        });
  }

  public DnsEdgeConfig withTcpIdleTimeout(Duration tcpIdleTimeout) {
    return copy(c -> c.tcpIdleTimeout = tcpIdleTimeout);
  }

  public DnsEdgeConfig withMaxTcpConnections(int maxTcpConnections) {
    return copy(c -> c.maxTcpConnections = maxTcpConnections);
  }

  public DnsEdgeConfig withUdpEngine(UdpEngine udpEngine) {
    return copy(c -> c.udpEngine = udpEngine);
  }

  /** This config with {@code change} applied; the constructor validates the result. */
  private DnsEdgeConfig copy(java.util.function.Consumer<Draft> change) {
    Draft d = new Draft(this);
    change.accept(d);
    return d.build();
  }

  /** The components as mutable fields, so that each wither names only what it changes. */
  private static final class Draft {
    List<InetSocketAddress> listen;
    int eventLoops;
    List<InetSocketAddress> upstreams;
    Duration forwardAttemptTimeout;
    OptionalLong devLoopbackNetwork;
    int maxUdpPayload;
    int cacheEntries;
    long cacheBytes;
    Duration tcpIdleTimeout;
    int maxTcpConnections;
    UdpEngine udpEngine;

    Draft(DnsEdgeConfig c) {
      listen = c.listen;
      eventLoops = c.eventLoops;
      upstreams = c.upstreams;
      forwardAttemptTimeout = c.forwardAttemptTimeout;
      devLoopbackNetwork = c.devLoopbackNetwork;
      maxUdpPayload = c.maxUdpPayload;
      cacheEntries = c.cacheEntries;
      cacheBytes = c.cacheBytes;
      tcpIdleTimeout = c.tcpIdleTimeout;
      maxTcpConnections = c.maxTcpConnections;
      udpEngine = c.udpEngine;
    }

    DnsEdgeConfig build() {
      return new DnsEdgeConfig(
          listen,
          eventLoops,
          upstreams,
          forwardAttemptTimeout,
          devLoopbackNetwork,
          maxUdpPayload,
          cacheEntries,
          cacheBytes,
          tcpIdleTimeout,
          maxTcpConnections,
          udpEngine);
    }
  }

  /**
   * Parses {@code [v6]:port}, {@code v4:port}, or a bare address (port 53).
   *
   * @throws IllegalArgumentException naming the text if it is not an address literal with a port in
   *     0..65535
   */
  public static InetSocketAddress parseAddress(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("address must not be blank");
    }
    String host;
    int port = 53;
    try {
      if (text.startsWith("[")) {
        int close = text.indexOf(']');
        if (close < 0) {
          throw new IllegalArgumentException("address '" + text + "' has '[' without ']'");
        }
        host = text.substring(1, close);
        String rest = text.substring(close + 1);
        if (!rest.isEmpty()) {
          if (!rest.startsWith(":")) {
            throw new IllegalArgumentException(
                "address '" + text + "': expected ':port' after ']'");
          }
          port = Integer.parseInt(rest.substring(1));
        }
      } else if (text.indexOf(':') != text.lastIndexOf(':')) {
        host = text; // bare IPv6
      } else {
        int colon = text.indexOf(':');
        host = colon < 0 ? text : text.substring(0, colon);
        if (colon >= 0) {
          port = Integer.parseInt(text.substring(colon + 1));
        }
      }
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "address '" + text + "' has a port that is not a number", e);
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException(
          "address '" + text + "' has port " + port + " outside 0..65535");
    }
    InetAddress ip;
    try {
      ip = InetAddress.ofLiteral(host);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("address '" + text + "' is not an IP literal", e);
    }
    return new InetSocketAddress(ip, port);
  }
}
