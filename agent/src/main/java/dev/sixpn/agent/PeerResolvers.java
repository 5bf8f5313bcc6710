package dev.sixpn.agent;

import dev.sixpn.address.SixpnAddress;
import dev.sixpn.dns.server.DnsEdgeServer;
import dev.sixpn.state.ChangeFeed;
import dev.sixpn.state.Peer;
import dev.sixpn.state.StateReader;
import java.net.InetSocketAddress;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The resolver {@code fdaa:NNNN:NNNN::3} of each network with a peer whose gateway is this host:
 * the address on {@code lo} and the DNS edge listening on it, so a peer's wg-quick {@code DNS =}
 * line is answered here. Which network's names a query sees is still decided by its source address.
 * Addresses of networks whose last peer here went are no longer served (left on {@code lo}: an
 * address nobody listens on answers nothing, and instances never route there).
 */
final class PeerResolvers implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(PeerResolvers.class);

  private final long host;
  private final StateReader state;
  private final DnsEdgeServer dns;
  private final int port;
  private final ExecutorService worker;
  private final AutoCloseable subscription;
  private final Set<InetSocketAddress> served = new HashSet<>();

  PeerResolvers(long host, StateReader state, ChangeFeed feed, DnsEdgeServer dns, int port) {
    this.host = host;
    this.state = state;
    this.dns = dns;
    this.port = port;
    this.worker =
        Executors.newSingleThreadExecutor(
            r -> Thread.ofPlatform().name("sixpn-peer-resolvers").daemon().unstarted(r));
    // Listeners run on the projector's commit thread: the binds happen on our own.
    this.subscription =
        feed.subscribe(
            change -> {
              if (change.hosts().contains(host)) {
                worker.execute(this::reconcile);
              }
            });
    worker.execute(this::reconcile);
  }

  private synchronized void reconcile() {
    Set<InetSocketAddress> want = new HashSet<>();
    for (Peer p : state.peersOnHost(host)) {
      want.add(new InetSocketAddress(SixpnAddress.dnsOf(p.network()).toInetAddress(), port));
    }
    for (InetSocketAddress a : want) {
      if (served.contains(a)) {
        continue;
      }
      try {
        LocalAddresses.ensureOnLoopback(List.of(a));
        dns.listenAlso(a);
        served.add(a);
      } catch (Exception e) {
        // retried with the next change of this host; the peer meanwhile reaches fdaa::3 only
        LOG.warn("peer resolver not served address={} reason={}", a, e.toString());
      }
    }
    for (InetSocketAddress a : Set.copyOf(served)) {
      if (!want.contains(a)) {
        dns.stopListening(a);
        served.remove(a);
      }
    }
  }

  @Override
  public void close() throws Exception {
    subscription.close();
    worker.shutdown();
    worker.awaitTermination(5, TimeUnit.SECONDS);
  }
}
