package dev.sixpn.agent;

import dev.sixpn.dataplane.Dataplane;
import dev.sixpn.dataplane.DataplaneMetrics;
import dev.sixpn.dns.server.DnsEdgeServer;
import dev.sixpn.events.Events;
import dev.sixpn.events.LifecycleEvent;
import dev.sixpn.projector.consume.LifecycleProjector;
import dev.sixpn.projector.consume.ProjectorConfig;
import dev.sixpn.projector.consume.SnapshotTopic;
import dev.sixpn.projector.metrics.ProjectorMetrics;
import dev.sixpn.projector.store.StateStore;
import dev.sixpn.publish.LifecyclePublisher;
import dev.sixpn.publish.LifecycleTopic;
import dev.sixpn.publish.progress.ProgressTopic;
import dev.sixpn.publish.progress.ProgressWriter;
import dev.sixpn.state.AppliedOffsets;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One host's agent: the projector folds the log into the host's RocksDB, and the DNS edge and the
 * dataplane serve from that state and follow its change feed.
 *
 * <p>Start order: the store (its state is what was last committed), the dataplane and the DNS edge
 * serving that state at once, the metrics and health server, then the projector on its own thread,
 * catching up in the background, the progress reporter (this host's committed offsets to the
 * progress topic, for {@code publish --wait}), and the host.joined announcement on another thread,
 * retried until the broker takes it. Nothing in start waits for the broker: an agent restarted
 * while its broker is down serves what it had. Until the projector has caught up ({@link
 * LifecycleProjector#caughtUp}) the state may be behind, so the dataplane must not prune. Close
 * runs in reverse.
 *
 * <p>With {@link HostAgentConfig#snapshots()}, an empty store (a new or wiped host) or one that
 * must be rebuilt loads the newest complete snapshot and replays only the tail; a snapshot writer
 * also writes them, beside the fold.
 */
public final class HostAgent implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(HostAgent.class);

  /** Readiness fails once the broker has not answered for this long. */
  public static final Duration BROKER_CONTACT_MAX_AGE = Duration.ofSeconds(10);

  /** Retries of the announcement wait this long at first, doubling up to {@link #ANNOUNCE_MAX}. */
  static final Duration ANNOUNCE_BACKOFF = Duration.ofSeconds(1);

  static final Duration ANNOUNCE_MAX = Duration.ofSeconds(30);

  private final HostAgentConfig config;
  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final Readiness readiness = new Readiness();
  private StateStore store;
  private ProjectorMetrics projectorMetrics;
  private LifecycleProjector projector;
  private Thread projectorThread;
  private Thread announcer;
  private volatile boolean stopping;
  private volatile Throwable projectorFailure;
  private final CountDownLatch projectorDone = new CountDownLatch(1);
  private Dataplane dataplane;
  private DnsEdgeServer dns;
  private ProgressWriter progress;
  private PeerResolvers peerResolvers;
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
    long t0 = System.nanoTime();
    store = StateStore.openOrRebuild(config.stateDir());
    projectorMetrics = new ProjectorMetrics(registry);
    storeMemoryGauge(store);
    projector =
        new LifecycleProjector(
            ProjectorConfig.of(config.bootstrapServers(), config.topic())
                .withKafkaOverrides(config.kafkaOverrides()),
            store,
            projectorMetrics,
            config.snapshots().map(this::snapshots));
    readiness.register("caught_up", projector::caughtUp);
    readiness.register(
        "broker_contact",
        () ->
            projectorMetrics
                .brokerContactAge()
                .map(age -> age.compareTo(BROKER_CONTACT_MAX_AGE) < 0)
                .orElse(false));
    if (config.dataplane().isPresent()) {
      // No pruning until the projector has caught up with the log: the stored state may be behind.
      BooleanSupplier stateComplete = projector::caughtUp;
      dataplane =
          Dataplane.start(
              config.dataplane().get(),
              store.state(),
              projector,
              new DataplaneMetrics(registry),
              stateComplete);
      readiness.register("dataplane_pass", dataplane::lastPassSucceeded);
    }
    if (config.dns().isPresent()) {
      LocalAddresses.ensureOnLoopback(config.dns().get().listen());
      // The fence names answer from what the projector announced, as the progress record does.
      AppliedOffsets applied = partition -> projector.appliedOffsets().getOrDefault(partition, 0L);
      dns = new DnsEdgeServer(config.dns().get(), store.state(), applied, projector, registry);
      dns.start();
      LOG.info("dns edge listening udp={} tcp={}", dns.udpAddresses(), dns.tcpAddresses());
      if (config.dataplane().isPresent()) {
        peerResolvers =
            new PeerResolvers(
                config.host(),
                store.state(),
                projector,
                dns,
                config.dns().get().listen().getFirst().getPort());
      }
    }
    if (config.metrics().isPresent()) {
      InetSocketAddress at = config.metrics().get();
      try {
        metricsServer =
            HTTPServer.builder()
                .hostname(at.getHostString())
                .port(at.getPort())
                .registry(registry)
                .defaultHandler(
                    new HealthHandler(
                        this::projectorRunning,
                        readiness,
                        new StatusEndpoint(
                            config.host(),
                            store.state(),
                            () -> java.util.Optional.ofNullable(dataplane))))
                .buildAndStart();
      } catch (BindException e) {
        throw new BindException(
            "metrics: cannot listen on "
                + at
                + " ("
                + e.getMessage()
                + "); another agent in this network namespace? pass --metrics ip:port or off");
      }
      LOG.info(
          "metrics on http://{}:{}/metrics, /healthz, /readyz",
          at.getHostString(),
          metricsServer.getPort());
    }
    projectorThread =
        Thread.ofPlatform().name("sixpn-projector-" + config.host()).start(this::runProjector);
    progress =
        new ProgressWriter(
            config.bootstrapServers(),
            config.kafkaOverrides(),
            ProgressTopic.of(config.topic()),
            config.host(),
            projector::appliedOffsets,
            ProgressWriter.DEFAULT_INTERVAL);
    LOG.info(
        "agent serving host={} from the stored state after {} s; projector catching up",
        config.host(),
        String.format("%.2f", (System.nanoTime() - t0) / 1e9));
    if (config.announce().isPresent() && !config.announce().get().publish()) {
      // Hosts only read the lifecycle topic: orchestration publishes this host's host.joined.
      LOG.info(
          "host.joined for orchestration to publish: {}",
          config.announce().get().hostJoinCommand(config.host(), publicKey()));
    } else if (config.announce().isPresent()) {
      var event = config.announce().get().event(config.host(), publicKey(), Events.newEventId());
      announcer =
          Thread.ofPlatform()
              .name("sixpn-announce-" + config.host())
              .daemon()
              .start(() -> announce(event));
    }
  }

  private LifecycleProjector.Snapshots snapshots(HostAgentConfig.Snapshots s) {
    SnapshotTopic topic =
        new SnapshotTopic(config.bootstrapServers(), s.topic(), config.kafkaOverrides());
    if (!s.write()) {
      return LifecycleProjector.Snapshots.readOnly(topic);
    }
    LOG.info(
        "snapshot writer topic={} every_events={} interval={}",
        s.topic(),
        s.everyEvents(),
        s.interval());
    return new LifecycleProjector.Snapshots(topic, s.everyEvents(), s.interval());
  }

  private void runProjector() {
    try {
      projector.run(() -> stopping);
    } catch (RuntimeException | Error e) {
      if (!stopping) {
        projectorFailure = e;
        LOG.error("projector thread died, the agent stops: {}", e.toString(), e);
      }
    } finally {
      projectorDone.countDown();
    }
  }

  private boolean projectorRunning() {
    return projectorThread != null && projectorThread.isAlive();
  }

  private String publicKey() {
    return dataplane != null
        ? dataplane.publicKey().base64()
        : Dataplane.publicKey(dataplaneOrDefault()).base64();
  }

  /**
   * Publishes host.joined until the broker acknowledges it, backing off between attempts. Every
   * attempt sends the same event id: if an acknowledgement was lost, the copy is a duplicate and
   * every projector skips it.
   */
  private void announce(LifecycleEvent.HostJoined event) {
    Duration backoff = ANNOUNCE_BACKOFF;
    for (int attempt = 1; !stopping; attempt++) {
      try (LifecyclePublisher publisher =
          LifecyclePublisher.connect(
              config.bootstrapServers(),
              config.kafkaOverrides(),
              config.topic(),
              LifecycleTopic.DEFAULT_PARTITIONS,
              Duration.ofSeconds(10))) {
        publisher.publish(event).get(30, TimeUnit.SECONDS);
        LOG.info(
            "announced host.joined host={} region={} endpoint={} attempts={}",
            config.host(),
            event.region(),
            event.endpoint(),
            attempt);
        return;
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException | ExecutionException | TimeoutException e) {
        Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
        LOG.warn(
            "cannot publish host.joined host={} attempt={} ({}); retrying in {} s",
            config.host(),
            attempt,
            cause.toString(),
            backoff.toSeconds());
      }
      try {
        Thread.sleep(backoff);
      } catch (InterruptedException e) {
        return;
      }
      backoff =
          backoff.multipliedBy(2).compareTo(ANNOUNCE_MAX) > 0
              ? ANNOUNCE_MAX
              : backoff.multipliedBy(2);
    }
  }

  private dev.sixpn.dataplane.DataplaneConfig dataplaneOrDefault() {
    return config
        .dataplane()
        .orElse(dev.sixpn.dataplane.DataplaneConfig.defaults(config.host(), config.dataDir()));
  }

  /** RocksDB's memory by part, so an RSS that grows can be told from the heap. */
  private void storeMemoryGauge(StateStore s) {
    io.prometheus.metrics.core.metrics.GaugeWithCallback.builder()
        .name("sixpn_store_native_memory_bytes")
        .help("Memory RocksDB holds outside the JVM heap, by part.")
        .labelNames("part")
        .callback(
            cb -> {
              StateStore.NativeMemory m = s.nativeMemory();
              cb.call(m.memtableBytes(), "memtables");
              cb.call(m.blockCacheBytes(), "block_cache");
              cb.call(m.tableReaderBytes(), "table_readers");
            })
        .register(registry);
  }

  /** The projector's metrics (folded events, rebuilds, snapshots). */
  public ProjectorMetrics projectorMetrics() {
    return projectorMetrics;
  }

  public PrometheusRegistry registry() {
    return registry;
  }

  /** The port metrics are served on, or -1 when off. */
  public int metricsPort() {
    return metricsServer == null ? -1 : metricsServer.getPort();
  }

  /** The checks behind {@code /readyz}; parts started later register theirs here. */
  public Readiness readiness() {
    return readiness;
  }

  /** Whether the projector has caught up with the log as it was when it could first read it. */
  public boolean caughtUp() {
    return projector.caughtUp();
  }

  /** Blocks until the projector thread ends (on close, or on a fatal store error). */
  public void awaitTermination() throws InterruptedException {
    projectorDone.await();
  }

  /**
   * Why the projector thread died, if it did other than by {@link #close()}: the agent no longer
   * follows the log and must exit non-zero.
   */
  public Optional<Throwable> failure() {
    return Optional.ofNullable(projectorFailure);
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
    if (announcer != null) {
      announcer.interrupt();
    }
    if (metricsServer != null) {
      metricsServer.close();
    }
    if (peerResolvers != null) {
      try {
        peerResolvers.close();
      } catch (Exception e) {
        LOG.warn("peer resolvers did not stop: {}", e.toString());
      }
    }
    if (dns != null) {
      dns.close();
    }
    if (progress != null) {
      progress.close();
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
