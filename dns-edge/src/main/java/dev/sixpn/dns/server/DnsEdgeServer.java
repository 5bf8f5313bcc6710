package dev.sixpn.dns.server;

import dev.sixpn.dns.forward.UpstreamForwarder;
import dev.sixpn.dns.metrics.DnsMetrics;
import dev.sixpn.dns.unix.UdpSocket;
import dev.sixpn.dns.unix.UnixException;
import dev.sixpn.dns.wire.DatagramDnsQueryDecoder;
import dev.sixpn.dns.wire.DatagramDnsResponseEncoder;
import dev.sixpn.dns.wire.TcpDnsCodec;
import dev.sixpn.dns.wire.WireErrors;
import dev.sixpn.dns.zone.CallerResolver;
import dev.sixpn.dns.zone.InternalZone;
import dev.sixpn.dns.zone.ZoneCache;
import dev.sixpn.state.AppliedOffsets;
import dev.sixpn.state.ChangeFeed;
import dev.sixpn.state.StateReader;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.unix.UnixChannelOption;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The DNS edge: UDP and TCP on the configured addresses, answering {@code internal.} for the
 * caller's network and forwarding the rest.
 *
 * <p>UDP on Linux ({@link DnsEdgeConfig.UdpEngine#RECVMMSG}): each address gets one SO_REUSEPORT
 * socket per event loop's worth of cores, each served by a {@link UdpReceiveLoop} thread that
 * blocks in recvmmsg(2) and answers with sendmmsg(2), so the kernel hashes clients over the cores.
 * With {@link DnsEdgeConfig.UdpEngine#NETTY}, Netty's datagram channels do the same on the event
 * loops (epoll), or one NIO channel per address elsewhere. TCP, and the forwarder's sockets, are
 * Netty's in every case. {@link #start()} binds or fails with nothing left bound; {@link #close()}
 * may be called any number of times.
 */
public final class DnsEdgeServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(DnsEdgeServer.class);

  /**
   * The largest UDP query read in full: queries are a few dozen bytes (a name and an OPT), and 1232
   * is the EDNS size of DNS Flag Day 2020; a longer one is cut and answered FORMERR, and a client
   * can always ask over TCP.
   */
  static final int MAX_QUERY_DATAGRAM = 1232;

  /**
   * Datagrams per recvmmsg(2): measured here, 4 → 16 → 64 gave ≈225k → 275k → 305k answers per
   * core; 128 no better.
   */
  static final int RECV_BATCH = 64;

  /** SO_RCVBUF and SO_SNDBUF of UDP sockets: a burst of queries waits in the kernel, not lost. */
  private static final int UDP_BUFFER_BYTES = 4 << 20;

  private final DnsEdgeConfig config;
  private final StateReader state;
  private final AppliedOffsets applied;
  private final ChangeFeed feed;
  private final DnsMetrics metrics;
  private final boolean epoll;

  private EventLoopGroup group;
  private UpstreamForwarder forwarder;
  private volatile ZoneCache cache;
  private CallerResolver callers;
  private final List<Channel> channels = new ArrayList<>();
  private final List<UdpReceiveLoop> udpLoops = new ArrayList<>();

  /** TCP connections open now, over every listen address (bounded by maxTcpConnections). */
  private final AtomicInteger tcpOpen = new AtomicInteger();

  private final List<InetSocketAddress> udpBound = new ArrayList<>();
  private final List<InetSocketAddress> tcpBound = new ArrayList<>();
  private boolean started;
  private boolean closed;

  /** Binds one more address with the started server's pipeline (set by {@link #start()}). */
  private interface Binder {
    void bind(InetSocketAddress address) throws Exception;
  }

  private Binder binder;

  /** What {@link #listenAlso} bound, per address, for {@link #stopListening}. */
  private record Added(List<Channel> channels, List<UdpReceiveLoop> loops) {}

  private final java.util.Map<InetSocketAddress, Added> added = new java.util.HashMap<>();

  public DnsEdgeServer(
      DnsEdgeConfig config, StateReader state, ChangeFeed feed, PrometheusRegistry registry) {
    this(config, state, AppliedOffsets.NONE, feed, registry);
  }

  /** A server whose {@code _fence.internal} names answer from {@code applied}. */
  public DnsEdgeServer(
      DnsEdgeConfig config,
      StateReader state,
      AppliedOffsets applied,
      ChangeFeed feed,
      PrometheusRegistry registry) {
    this.config = Objects.requireNonNull(config, "config");
    this.state = Objects.requireNonNull(state, "state");
    this.applied = Objects.requireNonNull(applied, "applied");
    this.feed = Objects.requireNonNull(feed, "feed");
    this.metrics = new DnsMetrics(Objects.requireNonNull(registry, "registry"));
    CounterWithCallback.builder()
        .name("sixpn_dns_answer_cache_misses")
        .help(
            "Zone lookups that computed their answer from the state (first sight or changed state)")
        .callback(
            cb -> {
              ZoneCache c = cache;
              cb.call(c == null ? 0 : c.misses());
            })
        .register(registry);
    CounterWithCallback.builder()
        .name("sixpn_dns_answer_cache_evictions")
        .help("Cached zone answers dropped to stay within the cache's entry and byte bounds")
        .callback(
            cb -> {
              ZoneCache c = cache;
              cb.call(c == null ? 0 : c.evictions());
            })
        .register(registry);
    GaugeWithCallback.builder()
        .name("sixpn_dns_answer_cache_entries")
        .help("Zone answers cached now")
        .callback(
            cb -> {
              ZoneCache c = cache;
              cb.call(c == null ? 0 : c.size());
            })
        .register(registry);
    GaugeWithCallback.builder()
        .name("sixpn_dns_answer_cache_bytes")
        .help("Estimated heap of the cached zone answers (bounded by cacheBytes)")
        .callback(
            cb -> {
              ZoneCache c = cache;
              cb.call(c == null ? 0 : c.bytes());
            })
        .register(registry);
    this.epoll = Epoll.isAvailable();
  }

  /**
   * Binds every listen address over UDP and TCP.
   *
   * @throws IllegalStateException if already started or closed
   * @throws Exception if a bind fails (everything bound so far is released)
   */
  public synchronized void start() throws Exception {
    if (closed) {
      throw new IllegalStateException("server is closed");
    }
    if (started) {
      throw new IllegalStateException("server is already started");
    }
    started = true;
    if (config.udpEngine() == DnsEdgeConfig.UdpEngine.RECVMMSG && !UdpSocket.isAvailable()) {
      throw new IllegalStateException(
          "udpEngine RECVMMSG needs Linux and its libc (recvmmsg, sendmmsg); use NETTY here");
    }
    IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    group =
        new MultiThreadIoEventLoopGroup(
            config.eventLoops(), new DefaultThreadFactory("dns-edge", true), io);
    Class<? extends DatagramChannel> udpClass =
        epoll ? EpollDatagramChannel.class : NioDatagramChannel.class;
    Class<? extends SocketChannel> tcpClass =
        epoll ? EpollSocketChannel.class : NioSocketChannel.class;
    Class<? extends ServerSocketChannel> serverClass =
        epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    try {
      callers = new CallerResolver(state, feed, config.devLoopbackNetwork());
      cache =
          new ZoneCache(
              new InternalZone(state, applied), feed, config.cacheEntries(), config.cacheBytes());
      if (!config.upstreams().isEmpty()) {
        forwarder =
            new UpstreamForwarder(
                group, udpClass, tcpClass, config.upstreams(), config.forwardAttemptTimeout());
      }
      QueryAnswerer answerer =
          new QueryAnswerer(
              new QueryPolicy(callers, cache, forwarder != null),
              new ResponseEncoder(config.maxUdpPayload()),
              forwarder,
              metrics);
      QueryHandler handler = new QueryHandler(answerer);
      WireErrors errors = new CountingWireErrors(metrics);
      DatagramDnsQueryDecoder udpDecoder = new DatagramDnsQueryDecoder(errors);
      DatagramDnsResponseEncoder udpEncoder = new DatagramDnsResponseEncoder();
      binder =
          address -> {
            if (address.getPort() == 0) {
              // the kernel picks the UDP port; TCP takes the same one
              bindUdp(address, udpClass, udpDecoder, udpEncoder, answerer, handler);
              bindTcp(address, serverClass, errors, handler);
            } else {
              // TCP first: a second server on the address fails here, before its UDP sockets
              // could join ours through SO_REUSEPORT
              bindTcp(address, serverClass, errors, handler);
              bindUdp(address, udpClass, udpDecoder, udpEncoder, answerer, handler);
            }
          };
      for (InetSocketAddress address : config.listen()) {
        binder.bind(address);
      }
      if (config.devLoopbackNetwork().isPresent()) {
        LOG.warn(
            "DEVELOPMENT option on: loopback sources are treated as network {}",
            config.devLoopbackNetwork().getAsLong());
      }
      LOG.info(
          "dns-edge listening udp={} tcp={} transport={} loops={} upstreams={}",
          udpBound,
          tcpBound,
          config.udpEngine() == DnsEdgeConfig.UdpEngine.RECVMMSG
              ? "recvmmsg+" + (epoll ? "epoll" : "nio")
              : epoll ? "epoll" : "nio",
          config.eventLoops(),
          config.upstreams());
    } catch (Exception | Error e) {
      release();
      throw e;
    }
  }

  private void bindUdp(
      InetSocketAddress address,
      Class<? extends DatagramChannel> udpClass,
      DatagramDnsQueryDecoder decoder,
      DatagramDnsResponseEncoder encoder,
      QueryAnswerer answerer,
      QueryHandler handler)
      throws InterruptedException, UnixException {
    if (config.udpEngine() == DnsEdgeConfig.UdpEngine.RECVMMSG) {
      bindUdpLoops(address, decoder, answerer);
      return;
    }
    ChannelInitializer<DatagramChannel> init =
        new ChannelInitializer<>() {
          @Override
          protected void initChannel(DatagramChannel ch) {
            // one fast path per channel: it keeps per-socket buffers
            ch.pipeline().addLast(new UdpFastPath(answerer), decoder, encoder, handler);
          }
        };
    int sockets = epoll ? config.eventLoops() : 1;
    InetSocketAddress target = address;
    Iterator<io.netty.util.concurrent.EventExecutor> loops = group.iterator();
    for (int i = 0; i < sockets; i++) {
      Bootstrap b =
          new Bootstrap()
              .group((EventLoop) loops.next())
              .handler(init)
              .option(ChannelOption.SO_RCVBUF, UDP_BUFFER_BYTES)
              .option(ChannelOption.SO_SNDBUF, UDP_BUFFER_BYTES);
      if (epoll && address.getAddress() instanceof java.net.Inet4Address) {
        // an IPv4 address gets an IPv4 socket, not a dual-stack one bound to ::ffff:a.b.c.d (the
        // kernel's v4-mapped path costs a little on every datagram)
        b.channelFactory(() -> new EpollDatagramChannel(SocketProtocolFamily.INET));
      } else {
        b.channel(udpClass);
      }
      if (epoll) {
        b.option(UnixChannelOption.SO_REUSEPORT, true);
        // recvmmsg(2): up to RECV_BATCH datagrams per syscall; a query longer than
        // MAX_QUERY_DATAGRAM is cut and so answered FORMERR (real queries are a few hundred bytes)
        b.option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, MAX_QUERY_DATAGRAM);
        b.option(
            ChannelOption.RECVBUF_ALLOCATOR,
            new FixedRecvByteBufAllocator(MAX_QUERY_DATAGRAM * RECV_BATCH));
      }
      Channel ch = b.bind(target).sync().channel();
      channels.add(ch);
      InetSocketAddress local = (InetSocketAddress) ch.localAddress();
      if (i == 0) {
        udpBound.add(local);
        target = local; // with port 0, the other sockets join the port the first one got
      }
    }
  }

  /** One SO_REUSEPORT socket and receive loop per event loop's worth of cores. */
  private void bindUdpLoops(
      InetSocketAddress address, DatagramDnsQueryDecoder decoder, QueryAnswerer answerer)
      throws UnixException {
    InetSocketAddress target = address;
    for (int i = 0; i < config.eventLoops(); i++) {
      UdpSocket socket = UdpSocket.bind(target, true, UDP_BUFFER_BYTES);
      UdpReceiveLoop loop =
          new UdpReceiveLoop(socket, answerer, decoder, metrics, "dns-edge-udp-" + udpLoops.size());
      udpLoops.add(loop);
      loop.start();
      if (i == 0) {
        udpBound.add(socket.localAddress());
        target = socket.localAddress(); // with port 0, the other sockets join the port it got
      }
    }
  }

  private void bindTcp(
      InetSocketAddress address,
      Class<? extends ServerSocketChannel> serverClass,
      WireErrors errors,
      QueryHandler handler)
      throws InterruptedException {
    InetSocketAddress target =
        address.getPort() != 0 || udpBound.isEmpty()
            ? address
            : new InetSocketAddress(address.getAddress(), udpBound.getLast().getPort());
    long idleMillis = config.tcpIdleTimeout().toMillis();
    ServerBootstrap b =
        new ServerBootstrap()
            .group(group)
            .channel(serverClass)
            .option(ChannelOption.SO_BACKLOG, 1024)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    if (tcpOpen.incrementAndGet() > config.maxTcpConnections()) {
                      tcpOpen.decrementAndGet();
                      metrics.tcpRejected();
                      ch.close();
                      return;
                    }
                    ch.closeFuture().addListener(f -> tcpOpen.decrementAndGet());
                    ch.pipeline()
                        .addLast(new IdleStateHandler(idleMillis, 0, 0, TimeUnit.MILLISECONDS));
                    TcpDnsCodec.install(ch.pipeline(), errors);
                    ch.pipeline().addLast(handler);
                  }
                });
    // No SO_REUSEPORT here, on purpose: the one TCP listener makes a second server on the same
    // address fail to start ("address in use") instead of silently sharing the UDP port with it.
    Channel ch = b.bind(target).sync().channel();
    channels.add(ch);
    tcpBound.add((InetSocketAddress) ch.localAddress());
  }

  /**
   * Serves one more address, over UDP and TCP, with the same answers (the caller is still told by
   * the query's source address): the per-network resolvers {@code fdaa:NNNN:NNNN::3} of a gateway
   * host's peers. Already served: nothing happens.
   *
   * @throws Exception if a bind fails (nothing of this address stays bound)
   */
  public synchronized void listenAlso(InetSocketAddress address) throws Exception {
    if (!started || closed || binder == null) {
      throw new IllegalStateException("server is not running");
    }
    if (added.containsKey(address)) {
      return;
    }
    int c = channels.size();
    int l = udpLoops.size();
    int u = udpBound.size();
    int t = tcpBound.size();
    try {
      binder.bind(address);
    } catch (Exception | Error e) {
      release(new Added(slice(channels, c), slice(udpLoops, l)));
      udpBound.subList(u, udpBound.size()).clear();
      tcpBound.subList(t, tcpBound.size()).clear();
      throw e;
    }
    added.put(address, new Added(slice(channels, c), slice(udpLoops, l)));
    LOG.info("dns-edge listening also at {}", address);
  }

  /** Stops serving an address {@link #listenAlso} added; any other is ignored. */
  public synchronized void stopListening(InetSocketAddress address) {
    Added a = added.remove(address);
    if (a == null) {
      return;
    }
    release(a);
    udpBound.remove(address);
    tcpBound.remove(address);
    LOG.info("dns-edge stopped listening at {}", address);
  }

  private static <T> List<T> slice(List<T> list, int from) {
    return new ArrayList<>(list.subList(from, list.size()));
  }

  private void release(Added a) {
    for (UdpReceiveLoop loop : a.loops()) {
      loop.close();
    }
    udpLoops.removeAll(a.loops());
    for (Channel ch : a.channels()) {
      ch.close().awaitUninterruptibly();
    }
    channels.removeAll(a.channels());
  }

  /** The UDP addresses actually bound (a configured port 0 becomes the kernel's choice). */
  public synchronized List<InetSocketAddress> udpAddresses() {
    return List.copyOf(udpBound);
  }

  /** The TCP addresses bound; each uses the same port as its UDP twin. */
  public synchronized List<InetSocketAddress> tcpAddresses() {
    return List.copyOf(tcpBound);
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    release();
  }

  private void release() {
    binder = null;
    added.clear();
    // UDP loops first: a forwarded answer still in flight then finds its socket closed, not reused
    for (UdpReceiveLoop loop : udpLoops) {
      loop.close();
    }
    udpLoops.clear();
    for (Channel ch : channels) {
      ch.close().awaitUninterruptibly();
    }
    channels.clear();
    if (forwarder != null) {
      forwarder.close();
      forwarder = null;
    }
    closeQuietly(cache);
    closeQuietly(callers);
    cache = null;
    callers = null;
    if (group != null) {
      group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
      group = null;
    }
  }

  private static void closeQuietly(AutoCloseable c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (Exception e) {
      LOG.warn("closing {}: {}", c.getClass().getSimpleName(), e.toString());
    }
  }

  /** Counts malformed messages and reports them at a bounded rate. */
  private static final class CountingWireErrors implements WireErrors {
    private final DnsMetrics metrics;
    private final RateLimitedLog log = new RateLimitedLog(LOG, 10_000_000_000L);

    CountingWireErrors(DnsMetrics metrics) {
      this.metrics = metrics;
    }

    @Override
    public void onMalformed(
        dev.sixpn.dns.wire.MalformedDnsException.Reason reason, boolean answered, String detail) {
      metrics.malformed(reason, answered);
      log.warn(
          "malformed DNS message " + reason + (answered ? " (FORMERR sent)" : " (dropped)"),
          detail);
    }
  }
}
