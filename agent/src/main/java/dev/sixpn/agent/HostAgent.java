package dev.sixpn.agent;

import dev.sixpn.dataplane.Dataplane;
import dev.sixpn.dataplane.DataplaneMetrics;
import dev.sixpn.dns.server.DnsEdgeServer;
import dev.sixpn.events.Events;
import dev.sixpn.projector.consume.LifecycleProjector;
import dev.sixpn.projector.consume.ProjectorConfig;
import dev.sixpn.projector.metrics.ProjectorMetrics;
import dev.sixpn.projector.store.StateStore;
import dev.sixpn.publish.LifecyclePublisher;
import dev.sixpn.publish.LifecycleTopic;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One host's agent: the projector folds the log into the host's RocksDB, then the DNS edge and the
 * dataplane serve from that state and follow its change feed.
 *
 * <p>Start order: store, projector catch-up (so nothing is served from a half-built state), then
 * the dataplane (its WireGuard key is needed for the announcement), the announcement, the DNS edge
 * and metrics. Close runs in reverse.
 */
public final class HostAgent implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(HostAgent.class);

  private final HostAgentConfig config;
  private final PrometheusRegistry registry = new PrometheusRegistry();
  private StateStore store;
  private LifecycleProjector projector;
  private Thread projectorThread;
  private volatile boolean stopping;
  private final CountDownLatch projectorDone = new CountDownLatch(1);
  private Dataplane dataplane;
  private DnsEdgeServer dns;
  private HTTPServer metricsServer;
  private boolean closed;

  private HostAgent(HostAgentConfig config) {
    this.config = config;
  }

  /** Starts every part; on failure, closes what had started and rethrows. */
  public static HostAgent start(HostAgentConfig config) throws Exception {
    HostAgent agent = new HostAgent(config);
    try {
      agent.startParts();
      return agent;
    } catch (Exception | Error e) {
      agent.close();
      throw e;
    }
  }

  private void startParts() throws Exception {
    store = StateStore.openOrRebuild(config.stateDir());
    projector =
        new LifecycleProjector(
            ProjectorConfig.of(config.bootstrapServers(), config.topic()),
            store,
            new ProjectorMetrics(registry));
    long t0 = System.nanoTime();
    boolean caughtUp = projector.catchUp(config.catchUpTimeout());
    LOG.info(
        "projector caught_up={} host={} seconds={}",
        caughtUp,
        config.host(),
        String.format("%.2f", (System.nanoTime() - t0) / 1e9));
    if (config.dataplane().isPresent()) {
      dataplane =
          Dataplane.start(
              config.dataplane().get(),
              store.state(),
              projector,
              new DataplaneMetrics(registry),
              () -> true); // start waits for the catch-up above
    }
    if (config.announce().isPresent()) {
      announce();
    }
    if (config.dns().isPresent()) {
      LocalAddresses.ensureOnLoopback(config.dns().get().listen());
      dns = new DnsEdgeServer(config.dns().get(), store.state(), projector, registry);
      dns.start();
      LOG.info("dns edge listening udp={} tcp={}", dns.udpAddresses(), dns.tcpAddresses());
    }
    if (config.metrics().isPresent()) {
      metricsServer =
          HTTPServer.builder()
              .hostname(config.metrics().get().getHostString())
              .port(config.metrics().get().getPort())
              .registry(registry)
              .defaultHandler(
                  new StatusEndpoint(
                      config.host(), store.state(), () -> java.util.Optional.ofNullable(dataplane)))
              .buildAndStart();
      LOG.info(
          "metrics on http://{}:{}/metrics",
          config.metrics().get().getHostString(),
          metricsServer.getPort());
    }
    projectorThread =
        Thread.ofPlatform().name("sixpn-projector-" + config.host()).start(this::runProjector);
  }

  private void runProjector() {
    try {
      projector.run(() -> stopping);
    } catch (RuntimeException e) {
      if (!stopping) {
        LOG.error("projector stopped: {}", e.toString(), e);
      }
    } finally {
      projectorDone.countDown();
    }
  }

  private void announce() throws InterruptedException {
    String key =
        dataplane != null
            ? dataplane.publicKey().base64()
            : dev.sixpn.dataplane.Dataplane.publicKey(dataplaneOrDefault()).base64();
    var event = config.announce().get().event(config.host(), key, Events.newEventId());
    try (LifecyclePublisher publisher =
        LifecyclePublisher.connect(
            config.bootstrapServers(),
            config.topic(),
            LifecycleTopic.DEFAULT_PARTITIONS,
            Duration.ofSeconds(10))) {
      publisher.publish(event).get();
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException(
          "cannot publish host.joined for host " + config.host() + ": " + e.getCause().getMessage(),
          e.getCause());
    }
    LOG.info(
        "announced host.joined host={} region={} endpoint={}",
        config.host(),
        event.region(),
        event.endpoint());
  }

  private dev.sixpn.dataplane.DataplaneConfig dataplaneOrDefault() {
    return config
        .dataplane()
        .orElse(dev.sixpn.dataplane.DataplaneConfig.defaults(config.host(), config.dataDir()));
  }

  public PrometheusRegistry registry() {
    return registry;
  }

  /** The port metrics are served on, or -1 when off. */
  public int metricsPort() {
    return metricsServer == null ? -1 : metricsServer.getPort();
  }

  /** Blocks until the projector thread ends (on close, or on a fatal store error). */
  public void awaitTermination() throws InterruptedException {
    projectorDone.await();
  }

  /**
   * Stops in reverse start order: metrics, DNS (no more answers), projector (no more changes),
   * dataplane, and the store last, since every other part reads it. Safe to call twice.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    stopping = true;
    if (metricsServer != null) {
      metricsServer.close();
    }
    if (dns != null) {
      dns.close();
    }
    if (projector != null) {
      projector.wakeup();
      if (projectorThread != null) {
        try {
          projectorThread.join(10_000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      projector.close();
    }
    if (dataplane != null) {
      dataplane.close();
    }
    if (store != null) {
      store.close();
    }
    LOG.info("agent stopped host={}", config.host());
  }
}
