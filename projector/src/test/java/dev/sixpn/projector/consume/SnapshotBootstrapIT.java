package dev.sixpn.projector.consume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sixpn.events.LifecycleEvent;
import dev.sixpn.events.synthetic.SyntheticFleet;
import dev.sixpn.kafka.KafkaBroker;
import dev.sixpn.projector.metrics.ProjectorMetrics;
import dev.sixpn.projector.store.StateStore;
import dev.sixpn.publish.LifecyclePublisher;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Snapshots against a real broker, PLAINTEXT and SASL_SSL (every client of the projector, the
 * snapshot topic's producer and consumers included, through TLS and SCRAM): a new host bootstraps
 * from the newest snapshot and the tail, a host whose offsets fell out of the log rebuilds from it,
 * and one with nothing to fill the gap fails instead of skipping it.
 */
class SnapshotBootstrapIT {

  private static final int PARTITIONS = 4;

  private KafkaBroker broker;

  /** Client settings: none on PLAINTEXT, a super user's credentials on SASL_SSL. */
  private Map<String, Object> client;

  @TempDir Path dir;

  private void use(boolean saslSsl) {
    ItBrokers.Connection c = ItBrokers.of(saslSsl);
    broker = c.broker();
    client = c.orchestrator();
  }

  @ParameterizedTest(name = "saslSsl={0}")
  @ValueSource(booleans = {false, true})
  void deletedHistory_newHostAndStaleHostRebuildFromSnapshot_hostWithoutSnapshotFails(
      boolean saslSsl) throws Exception {
    use(saslSsl);
    String topic = "snap-lifecycle";
    SnapshotTopic snapshots =
        new SnapshotTopic(broker.bootstrapServers(), "snap-snapshots", client);
    snapshots.ensureTopic(Duration.ofSeconds(30));
    List<LifecycleEvent> events = new SyntheticFleet(11, 4, 3, 6).generate(12_000);
    publish(topic, events.subList(0, 2_000));
    try (Admin admin = admin()) {
      HistoryTrim.RefusedException none =
          assertThrows(
              HistoryTrim.RefusedException.class,
              () -> HistoryTrim.plan(admin, snapshots, topic, Duration.ofSeconds(30)));
      assertTrue(
          none.getMessage().startsWith("no complete snapshot in snap-snapshots"),
          none.getMessage());
    }

    // Host C folds the beginning only, then is away while the history it missed is deleted.
    ProjectorMetrics staleMetrics = metrics();
    try (StateStore c = StateStore.open(dir.resolve("c"));
        LifecycleProjector p = projector(topic, c, staleMetrics, Optional.of(snapshots))) {
      assertTrue(p.catchUp(Duration.ofSeconds(60)));
    }

    publish(topic, events.subList(2_000, 8_000));
    String digestA;
    SnapshotTopic.Manifest manifest;
    try (StateStore a = StateStore.open(dir.resolve("a"));
        LifecycleProjector p = projector(topic, a, metrics(), Optional.of(snapshots))) {
      assertTrue(p.catchUp(Duration.ofSeconds(60)));
      // An older snapshot first: the newer one must win, and tombstone it.
      p.writeSnapshot();
      publish(topic, events.subList(8_000, 10_000));
      assertTrue(p.catchUp(Duration.ofSeconds(60)));
      manifest = p.writeSnapshot();
      publish(topic, events.subList(10_000, 12_000));
      assertTrue(p.catchUp(Duration.ofSeconds(60)));
      digestA = a.stateDigest();
    }
    assertEquals(PARTITIONS, manifest.lifecycle().partitions());
    assertEquals(manifest.id(), snapshots.newestComplete().orElseThrow().manifest().id());

    // The history before the snapshot ages out (`sixpn kafka trim-history`).
    try (Admin admin = admin()) {
      HistoryTrim.Plan plan = HistoryTrim.plan(admin, snapshots, topic, Duration.ofSeconds(30));
      Map<Integer, Long> behind = new HashMap<>(manifest.offsets());
      behind.values().removeIf(offset -> offset == 0); // an empty partition has nothing to delete
      assertEquals(manifest.id(), plan.snapshotId());
      assertEquals(behind, plan.beforeOffsets());
      assertEquals(behind, HistoryTrim.execute(admin, plan, Duration.ofSeconds(30)));
      assertEquals(
          Map.of(),
          HistoryTrim.plan(admin, snapshots, topic, Duration.ofSeconds(30)).beforeOffsets(),
          "trimmed as far as the snapshot: nothing more to delete");
    }

    // Host B, new: snapshot + tail.
    ProjectorMetrics newMetrics = metrics();
    try (StateStore b = StateStore.open(dir.resolve("b"));
        LifecycleProjector p = projector(topic, b, newMetrics, Optional.of(snapshots))) {
      assertTrue(p.catchUp(Duration.ofSeconds(60)));
      assertEquals(digestA, b.stateDigest());
      assertTrue(
          newMetrics.foldedTotal() <= 2_000,
          "only the tail is replayed, folded " + newMetrics.foldedTotal());
    }

    // Host C, back: its offsets are below the log's start; it rebuilds instead of skipping.
    ProjectorMetrics backMetrics = metrics();
    try (StateStore c = StateStore.open(dir.resolve("c"));
        LifecycleProjector p = projector(topic, c, backMetrics, Optional.of(snapshots))) {
      assertTrue(p.catchUp(Duration.ofSeconds(60)));
      assertEquals(digestA, c.stateDigest());
      assertEquals(1, backMetrics.rebuilds("offset_out_of_range"));
    }

    // Host D, new and without snapshots: the gap cannot be filled, so it fails, not caught up.
    try (StateStore d = StateStore.open(dir.resolve("d"));
        LifecycleProjector p = projector(topic, d, metrics(), Optional.empty())) {
      assertThrows(StateGapException.class, () -> p.catchUp(Duration.ofSeconds(60)));
      assertFalse(p.caughtUp());
    }
  }

  @ParameterizedTest(name = "saslSsl={0}")
  @ValueSource(booleans = {false, true})
  void recreatedTopic_storeRebuiltFromTheNewTopic(boolean saslSsl) throws Exception {
    use(saslSsl);
    String topic = "snap-recreated";
    List<LifecycleEvent> events = new SyntheticFleet(12, 3, 3, 4).generate(3_000);
    publish(topic, events);
    ProjectorMetrics metrics = metrics();
    try (StateStore s = StateStore.open(dir.resolve("s"));
        LifecycleProjector p = projector(topic, s, metrics, Optional.empty())) {
      assertTrue(p.catchUp(Duration.ofSeconds(60)));
    }
    try (Admin admin = admin()) {
      admin.deleteTopics(List.of(topic)).all().get();
      // Deletion is asynchronous on the broker: wait until the name is free again.
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (admin.listTopics().names().get().contains(topic) && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
    }
    List<LifecycleEvent> fewer = events.subList(0, 1_000);
    publish(topic, fewer);
    String fresh;
    try (StateStore f = StateStore.open(dir.resolve("fresh"));
        LifecycleProjector p = projector(topic, f, metrics(), Optional.empty())) {
      assertTrue(p.catchUp(Duration.ofSeconds(60)));
      fresh = f.stateDigest();
    }
    try (StateStore s = StateStore.open(dir.resolve("s"));
        LifecycleProjector p = projector(topic, s, metrics, Optional.empty())) {
      assertTrue(p.catchUp(Duration.ofSeconds(60)));
      assertEquals(fresh, s.stateDigest(), "the old topic's state is gone");
      assertEquals(1, metrics.rebuilds("topic_recreated"));
    }
  }

  private Admin admin() {
    Map<String, Object> config = new HashMap<>(client);
    config.put("bootstrap.servers", broker.bootstrapServers());
    return Admin.create(config);
  }

  private static ProjectorMetrics metrics() {
    return new ProjectorMetrics(new PrometheusRegistry());
  }

  private LifecycleProjector projector(
      String topic, StateStore store, ProjectorMetrics metrics, Optional<SnapshotTopic> snapshots) {
    return new LifecycleProjector(
        ProjectorConfig.of(broker.bootstrapServers(), topic).withKafkaOverrides(client),
        store,
        metrics,
        snapshots.map(LifecycleProjector.Snapshots::readOnly));
  }

  private void publish(String topic, List<LifecycleEvent> events) throws Exception {
    try (LifecyclePublisher publisher =
        LifecyclePublisher.connect(
            broker.bootstrapServers(), client, topic, PARTITIONS, Duration.ofSeconds(30))) {
      for (LifecycleEvent e : events) {
        publisher.publish(e);
      }
      publisher.flush();
    }
  }
}
