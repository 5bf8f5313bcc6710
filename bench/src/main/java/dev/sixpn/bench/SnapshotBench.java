package dev.sixpn.bench;

import dev.sixpn.address.SixpnAddress;
import dev.sixpn.events.LifecycleEvent.InstanceStarted;
import dev.sixpn.kafka.KafkaBroker;
import dev.sixpn.kafka.KafkaBrokers;
import dev.sixpn.projector.consume.LifecycleProjector;
import dev.sixpn.projector.consume.ProjectorConfig;
import dev.sixpn.projector.consume.SnapshotTopic;
import dev.sixpn.projector.metrics.ProjectorMetrics;
import dev.sixpn.projector.store.StateStore;
import dev.sixpn.publish.LifecyclePublisher;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * Snapshot figures, broker in this JVM: {@code SnapshotBench <dataDir> <instances>}. Publishes that
 * many instance starts (all live), then: the fold without snapshots; the fold with a snapshot
 * written every quarter of the log; the time to write one snapshot; the time for a new host to
 * bootstrap from it (load, restore, reload the memory state, replay an empty tail).
 */
public final class SnapshotBench {

  private SnapshotBench() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int instances = Integer.parseInt(args[1]);
    StateStore.destroy(dir);
    try (KafkaBroker broker =
        KafkaBrokers.startEmbedded(dir.resolve("kafka"), Integer.getInteger("port", 29192))) {
      String bootstrap = broker.bootstrapServers();
      String topic = "bench.snap";
      Instant t = Instant.parse("2026-12-01T00:00:00Z");
      try (LifecyclePublisher publisher =
          LifecyclePublisher.connect(bootstrap, topic, 12, Duration.ofSeconds(30))) {
        for (int i = 0; i < instances; i++) {
          long network = 2 + i % 1000;
          long host = 1 + (i / 10_000) % 50;
          publisher.publish(
              new InstanceStarted(
                  "ev-" + i,
                  t,
                  "i" + i,
                  network,
                  "app-" + (i / 1000) % 10,
                  "app",
                  host,
                  "ams",
                  SixpnAddress.ofInstance(network, host, 1 + i / 1000),
                  Map.of()));
        }
        publisher.flush();
      }
      SnapshotTopic snapshots = new SnapshotTopic(bootstrap, "bench.snapshots", Map.of());
      snapshots.ensureTopic((short) 1);
      fold("warm-up fold, no snapshots", bootstrap, topic, dir.resolve("w"), Optional.empty())
          .close();
      fold("fold, no snapshots", bootstrap, topic, dir.resolve("a"), Optional.empty()).close();
      try (Run writer =
          fold(
              "fold, a snapshot every " + instances / 4 + " events",
              bootstrap,
              topic,
              dir.resolve("b"),
              Optional.of(new LifecycleProjector.Snapshots(snapshots, instances / 4)))) {
        long t0 = System.nanoTime();
        SnapshotTopic.Manifest m = writer.projector().writeSnapshot();
        System.out.printf(
            "snapshot written: %d chunks in %.2f s%n", m.chunks(), (System.nanoTime() - t0) / 1e9);
      }
      try (StateStore fresh = StateStore.open(dir.resolve("fresh"))) {
        long t1 = System.nanoTime();
        try (LifecycleProjector p =
            new LifecycleProjector(
                ProjectorConfig.of(bootstrap, topic),
                fresh,
                new ProjectorMetrics(new PrometheusRegistry()),
                Optional.of(new LifecycleProjector.Snapshots(snapshots, 0)))) {
          if (!p.catchUp(Duration.ofMinutes(5))) {
            throw new IllegalStateException("bootstrap did not finish");
          }
        }
        System.out.printf(
            "new host bootstrapped from the snapshot in %.2f s (%d networks)%n",
            (System.nanoTime() - t1) / 1e9, fresh.networks().size());
      }
    }
  }

  /** A store and the projector that folded into it; closes both. */
  private record Run(StateStore store, LifecycleProjector projector) implements AutoCloseable {
    @Override
    public void close() {
      projector.close();
      store.close();
    }
  }

  /** Folds the whole topic into a new store. */
  private static Run fold(
      String what,
      String bootstrap,
      String topic,
      Path state,
      Optional<LifecycleProjector.Snapshots> snapshots) {
    StateStore store = StateStore.open(state);
    ProjectorMetrics metrics = new ProjectorMetrics(new PrometheusRegistry());
    LifecycleProjector p =
        new LifecycleProjector(ProjectorConfig.of(bootstrap, topic), store, metrics, snapshots);
    long start = System.nanoTime();
    if (!p.catchUp(Duration.ofMinutes(10))) {
      throw new IllegalStateException(what + " did not finish");
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    System.out.printf(
        "%s: %d events in %.2f s = %.0f events/s%n",
        what, metrics.foldedTotal(), seconds, metrics.foldedTotal() / seconds);
    return new Run(store, p);
  }
}
