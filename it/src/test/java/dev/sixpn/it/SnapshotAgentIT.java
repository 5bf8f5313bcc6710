package dev.sixpn.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sixpn.agent.HostAgent;
import dev.sixpn.agent.HostAgentConfig;
import dev.sixpn.events.LifecycleEvent;
import dev.sixpn.events.synthetic.SyntheticFleet;
import dev.sixpn.projector.consume.SnapshotTopic;
import dev.sixpn.projector.store.StateStore;
import dev.sixpn.publish.LifecyclePublisher;
import dev.sixpn.publish.LifecycleTopic;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Snapshots in the running agents, against a real broker (PLAINTEXT, and SASL_SSL where only the
 * snapshot writer may write snapshots): a writer agent writes them periodically, the history they
 * cover is deleted from the log, a new agent with an empty store bootstraps from the newest one to
 * the state of an agent that folded everything, and an agent whose offsets fell out of the log
 * rebuilds instead of skipping the gap.
 */
class SnapshotAgentIT {

  private static final String TOPIC = "snapshot-agent-it";
  private static final int PARTITIONS = 4;
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  @TempDir Path dir;

  @ParameterizedTest
  @EnumSource(ItKafka.Security.class)
  void deletedHistory_newAgentBootstrapsFromSnapshot_staleAgentRebuilds(ItKafka.Security security)
      throws Exception {
    List<LifecycleEvent> events = new SyntheticFleet(21, 5, 3, 6).generate(7_000);
    try (ItKafka kafka = ItKafka.start(security)) {
      kafka.grant(TOPIC);
      publish(kafka, events.subList(0, 3_000));

      // Host 3 folds the beginning only, then is away while the history it missed is deleted.
      try (HostAgent stale = HostAgent.start(reader(kafka, 3))) {
        ItAgents.awaitCaughtUp(stale);
      }

      publish(kafka, events.subList(3_000, 6_000));
      HostAgentConfig writerConfig = writer(kafka, 1);
      SnapshotTopic.Manifest manifest;
      try (HostAgent writer = HostAgent.start(writerConfig)) {
        ItAgents.awaitCaughtUp(writer);
        manifest = awaitSnapshotCovering(kafka, 6_000);
        String metrics = ItAgents.get("http://127.0.0.1:" + writer.metricsPort() + "/metrics");
        assertTrue(metrics.contains("sixpn_projector_snapshots_written_total"), metrics);
        assertTrue(metrics.contains("sixpn_projector_last_snapshot_age_seconds"), metrics);
        assertTrue(writer.projectorMetrics().snapshotsWritten() >= 1);
      }
      assertEquals(PARTITIONS, manifest.lifecycle().partitions());

      // The history the snapshot covers ages out of the log.
      try (Admin admin = kafka.admin()) {
        Map<TopicPartition, RecordsToDelete> delete = new HashMap<>();
        manifest
            .offsets()
            .forEach(
                (p, o) ->
                    delete.put(new TopicPartition(TOPIC, p), RecordsToDelete.beforeOffset(o)));
        admin.deleteRecords(delete).all().get();
        Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
        delete.keySet().forEach(tp -> earliest.put(tp, OffsetSpec.earliest()));
        long logStart =
            admin.listOffsets(earliest).all().get().values().stream()
                .mapToLong(i -> i.offset())
                .sum();
        assertEquals(6_000, logStart, "the log now starts where the snapshot ends");
      }
      publish(kafka, events.subList(6_000, 7_000));

      // Host 1 ran all along: it folds the tail from its own offsets.
      try (HostAgent writer = HostAgent.start(writerConfig)) {
        ItAgents.awaitCaughtUp(writer);
      }

      // Host 2, new: the snapshot and the tail, not the history (which is gone).
      try (HostAgent fresh = HostAgent.start(reader(kafka, 2))) {
        ItAgents.awaitCaughtUp(fresh);
        assertEquals(1, fresh.projectorMetrics().snapshotsLoaded());
        long replayed =
            fresh.projectorMetrics().foldedTotal() + fresh.projectorMetrics().quarantinedTotal();
        assertTrue(replayed <= 1_000, "only the tail is replayed, got " + replayed);
      }

      // Host 3, back: its offsets are below the log's start; it rebuilds, it does not skip.
      try (HostAgent back = HostAgent.start(reader(kafka, 3))) {
        ItAgents.awaitCaughtUp(back);
        assertEquals(1, back.projectorMetrics().rebuilds("offset_out_of_range"));
        assertEquals(1, back.projectorMetrics().snapshotsLoaded());
      }
    }
    String ranAllAlong = digest(1);
    assertEquals(ranAllAlong, digest(2), "new host bootstrapped from the snapshot");
    assertEquals(ranAllAlong, digest(3), "stale host rebuilt from the snapshot");
  }

  private HostAgentConfig reader(ItKafka kafka, long host) {
    return config(kafka.bootstrap(), host, Optional.empty(), kafka.host(host));
  }

  /** Writes a snapshot a second after events were folded (the count trigger is out of reach). */
  private HostAgentConfig writer(ItKafka kafka, long host) {
    return config(
            kafka.bootstrap(),
            host,
            Optional.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)),
            kafka.snapshotWriter())
        .withSnapshots(
            Optional.of(
                new HostAgentConfig.Snapshots(
                    LifecycleTopic.snapshotTopic(TOPIC), true, 1_000_000, Duration.ofSeconds(1))));
  }

  /** No DNS, no dataplane: the state is what this test looks at. */
  private HostAgentConfig config(
      String bootstrap,
      long host,
      Optional<InetSocketAddress> metrics,
      Map<String, Object> kafkaOverrides) {
    return new HostAgentConfig(
        host,
        bootstrap,
        TOPIC,
        dir.resolve("h" + host),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        metrics,
        kafkaOverrides);
  }

  /** The newest complete snapshot once it covers {@code records} records of the log. */
  private static SnapshotTopic.Manifest awaitSnapshotCovering(ItKafka kafka, long records)
      throws InterruptedException {
    SnapshotTopic snapshots =
        new SnapshotTopic(
            kafka.bootstrap(), LifecycleTopic.snapshotTopic(TOPIC), kafka.orchestrator());
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (true) {
      Optional<SnapshotTopic.Snapshot> s = snapshots.newestComplete();
      if (s.isPresent()
          && s.get().manifest().offsets().values().stream().mapToLong(Long::longValue).sum()
              == records) {
        return s.get().manifest();
      }
      assertTrue(System.nanoTime() < deadline, "no snapshot of " + records + " records written");
      Thread.sleep(200);
    }
  }

  private String digest(long host) {
    try (StateStore s = StateStore.openReadOnly(dir.resolve("h" + host).resolve("state"))) {
      return s.stateDigest();
    }
  }

  private static void publish(ItKafka kafka, List<LifecycleEvent> events) throws Exception {
    try (LifecyclePublisher publisher =
        LifecyclePublisher.connect(
            kafka.bootstrap(), kafka.orchestrator(), TOPIC, PARTITIONS, Duration.ofSeconds(30))) {
      for (LifecycleEvent e : events) {
        publisher.publish(e);
      }
      publisher.flush();
    }
  }
}
