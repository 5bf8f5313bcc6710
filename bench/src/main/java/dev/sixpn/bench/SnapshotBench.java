package dev.sixpn.bench;

import dev.sixpn.address.SixpnAddress;
import dev.sixpn.agent.HostAgent;
import dev.sixpn.agent.HostAgentConfig;
import dev.sixpn.events.LifecycleEvent;
import dev.sixpn.events.LifecycleEvent.InstanceStarted;
import dev.sixpn.events.LifecycleEvent.InstanceStopped;
import dev.sixpn.kafka.KafkaBroker;
import dev.sixpn.kafka.KafkaBrokers;
import dev.sixpn.projector.consume.LifecycleProjector;
import dev.sixpn.projector.consume.ProjectorConfig;
import dev.sixpn.projector.consume.SnapshotTopic;
import dev.sixpn.projector.metrics.ProjectorMetrics;
import dev.sixpn.projector.store.StateStore;
import dev.sixpn.publish.LifecyclePublisher;
import dev.sixpn.publish.LifecycleTopic;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * Snapshot figures, broker in this JVM: {@code SnapshotBench <dataDir> <instances> [history]}.
 * Publishes a history of {@code history} events (default {@code instances}) that leaves {@code
 * instances} live: every instance started once, then stop/start pairs of instances in turn, event
 * time 250 ms apart. Then, each with agents ({@link HostAgent}, no DNS, no dataplane) on new
 * stores: the fold without snapshots; the fold by a snapshot writer with the agent's defaults (a
 * snapshot every {@link HostAgentConfig.Snapshots#DEFAULT_EVERY_EVENTS} events or hourly); one
 * snapshot written at the end; a tail of {@value #TAIL} events; a new agent bootstrapping from the
 * snapshot and the tail.
 */
public final class SnapshotBench {

  static final String TOPIC = "bench.snap";
  static final int TAIL = 10_000;
  private static final Instant T0 = Instant.parse("2026-11-01T00:00:00Z");

  private SnapshotBench() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int instances = Integer.parseInt(args[1]);
    long history = args.length > 2 ? Long.parseLong(args[2]) : instances;
    if (history < instances) {
      throw new IllegalArgumentException("history must be >= instances");
    }
    StateStore.destroy(dir);
    try (KafkaBroker broker =
        KafkaBrokers.startEmbedded(dir.resolve("kafka"), Integer.getInteger("port", 29192))) {
      String bootstrap = broker.bootstrapServers();
      long t0 = System.nanoTime();
      publish(bootstrap, instances, 0, history);
      System.out.printf(
          "published %d events (%d live instances) in %.1f s%n",
          history, instances, (System.nanoTime() - t0) / 1e9);

      fold("warm-up fold, no snapshots", reader(bootstrap, dir.resolve("w"), 1, false), history);
      fold("fold, no snapshots", reader(bootstrap, dir.resolve("a"), 2, false), history);
      HostAgentConfig writer =
          reader(bootstrap, dir.resolve("b"), 3, false)
              .withSnapshots(
                  Optional.of(
                      new HostAgentConfig.Snapshots(
                          LifecycleTopic.snapshotTopic(TOPIC),
                          true,
                          HostAgentConfig.Snapshots.DEFAULT_EVERY_EVENTS,
                          HostAgentConfig.Snapshots.DEFAULT_INTERVAL)));
      long written = fold("fold, snapshot writer with the agent's defaults", writer, history);
      System.out.printf("  snapshots written during that fold: %d%n", written);

      SnapshotTopic snapshots =
          new SnapshotTopic(bootstrap, LifecycleTopic.snapshotTopic(TOPIC), Map.of());
      try (StateStore store = StateStore.open(writer.stateDir());
          LifecycleProjector p =
              new LifecycleProjector(
                  ProjectorConfig.of(bootstrap, TOPIC),
                  store,
                  new ProjectorMetrics(new PrometheusRegistry()),
                  Optional.of(LifecycleProjector.Snapshots.readOnly(snapshots)))) {
        p.catchUp(Duration.ofMinutes(1));
        long t1 = System.nanoTime();
        SnapshotTopic.Manifest m = p.writeSnapshot();
        System.out.printf(
            "one snapshot written at the end: %d chunks in %.2f s%n",
            m.chunks(), (System.nanoTime() - t1) / 1e9);
      }
      publish(bootstrap, instances, history, history + TAIL);

      long t2 = System.nanoTime();
      try (HostAgent fresh = HostAgent.start(reader(bootstrap, dir.resolve("fresh"), 4, true))) {
        awaitCaughtUp(fresh);
        System.out.printf(
            "new host: snapshot loaded (%d) + tail of %d events folded, caught up in %.2f s%n",
            fresh.projectorMetrics().snapshotsLoaded(),
            fresh.projectorMetrics().foldedTotal(),
            (System.nanoTime() - t2) / 1e9);
      }
    }
  }

  /**
   * Events {@code from} (inclusive) to {@code to} of the history: the first {@code instances} start
   * every instance, then each next pair stops and restarts the next instance in turn.
   */
  private static void publish(String bootstrap, int instances, long from, long to)
      throws Exception {
    try (LifecyclePublisher publisher =
        LifecyclePublisher.connect(bootstrap, TOPIC, 12, Duration.ofSeconds(30))) {
      for (long n = from; n < to; n++) {
        publisher.publish(event(n, instances));
      }
      publisher.flush();
    }
  }

  private static LifecycleEvent event(long n, int instances) {
    Instant t = T0.plusMillis(250 * n);
    int i = (int) (n < instances ? n : ((n - instances) / 2) % instances);
    long network = 2 + i % 1000;
    String app = "app-" + (i / 1000) % 10;
    if (n >= instances && (n - instances) % 2 == 0) {
      return new InstanceStopped("ev-" + n, t, "i" + i, network, app);
    }
    long host = 1 + (i / 10_000) % 50;
    return new InstanceStarted(
        "ev-" + n,
        t,
        "i" + i,
        network,
        app,
        "app",
        host,
        "ams",
        SixpnAddress.ofInstance(network, host, 1 + i / 1000),
        Map.of());
  }

  private static HostAgentConfig reader(String bootstrap, Path dir, long host, boolean snapshots) {
    HostAgentConfig c =
        new HostAgentConfig(
            host,
            bootstrap,
            TOPIC,
            dir,
            Optional.empty(),
            Optional.empty(),
            Optional.empty(),
            Optional.empty());
    return snapshots ? c : c.withSnapshots(Optional.empty());
  }

  /**
   * Runs an agent on a new store until it caught up and its last batch is committed (the metrics
   * count {@code records}); returns the snapshots it wrote.
   */
  private static long fold(String what, HostAgentConfig config, long records) throws Exception {
    long start = System.nanoTime();
    try (HostAgent agent = HostAgent.start(config)) {
      awaitCaughtUp(agent);
      ProjectorMetrics m = agent.projectorMetrics();
      while (m.foldedTotal() + m.quarantinedTotal() < records) {
        Thread.sleep(1);
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      long folded = agent.projectorMetrics().foldedTotal();
      System.out.printf(
          "%s: %d events in %.2f s = %.0f events/s%n", what, folded, seconds, folded / seconds);
      return agent.projectorMetrics().snapshotsWritten();
    }
  }

  private static void awaitCaughtUp(HostAgent agent) throws InterruptedException {
    while (!agent.caughtUp()) {
      if (agent.failure().isPresent()) {
        throw new IllegalStateException("projector failed", agent.failure().get());
      }
      Thread.sleep(5);
    }
  }
}
