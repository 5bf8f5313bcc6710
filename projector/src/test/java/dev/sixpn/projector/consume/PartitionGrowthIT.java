package dev.sixpn.projector.consume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sixpn.address.SixpnAddress;
import dev.sixpn.events.LifecycleEvent;
import dev.sixpn.events.LifecycleEvent.InstanceStarted;
import dev.sixpn.events.LifecycleEvent.InstanceStopped;
import dev.sixpn.projector.metrics.ProjectorMetrics;
import dev.sixpn.projector.store.StateStore;
import dev.sixpn.publish.LifecyclePublisher;
import dev.sixpn.state.InstanceStatus;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewPartitions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Starts and stops that straddle a partition-count increase, on a live and on a new host; on
 * PLAINTEXT and on SASL_SSL, where the hosts read as a principal that may only read.
 */
class PartitionGrowthIT {

  private static final int NETWORKS = 40;

  private ItBrokers.Connection kafka;

  @TempDir Path dir;

  @ParameterizedTest(name = "saslSsl={0}")
  @ValueSource(booleans = {false, true})
  void startBeforeAndStopAfterPartitionGrowth_instanceEndsStoppedOnEveryHost(boolean saslSsl)
      throws Exception {
    kafka = ItBrokers.of(saslSsl);
    String topic = "growth";
    Instant t = Instant.parse("2026-11-30T00:00:00Z");
    List<LifecycleEvent> starts = new ArrayList<>();
    List<LifecycleEvent> stops = new ArrayList<>();
    for (int n = 1; n <= NETWORKS; n++) {
      starts.add(
          new InstanceStarted(
              "start-" + n,
              t,
              "i" + n,
              n,
              "app",
              "app",
              7,
              "ams",
              SixpnAddress.ofInstance(n, 7, 1),
              Map.of()));
      stops.add(new InstanceStopped("stop-" + n, t.plusSeconds(60), "i" + n, n, "app"));
    }
    publish(topic, 2, starts);
    kafka.grantHost(topic);

    ProjectorMetrics liveMetrics = new ProjectorMetrics(new PrometheusRegistry());
    try (StateStore live = StateStore.open(dir.resolve("live"));
        LifecycleProjector p =
            new LifecycleProjector(
                ProjectorConfig.of(kafka.bootstrap(), topic).withKafkaOverrides(kafka.host()),
                live,
                liveMetrics)) {
      assertTrue(p.catchUp(Duration.ofSeconds(60)));
      try (Admin admin = kafka.admin()) {
        admin.createPartitions(Map.of(topic, NewPartitions.increaseTo(8))).all().get();
      }
      // A new publisher hashes the networks over 8 partitions: most stops land elsewhere.
      publish(topic, 8, stops);
      // The projector sees the new partitions at its next refresh, within PARTITION_REFRESH.
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (stoppedCount(live) < NETWORKS && System.nanoTime() < deadline) {
        p.pollOnce();
      }
      assertEquals(NETWORKS, stoppedCount(live), "live host");
      assertEquals(6, liveMetrics.partitionsAddedTotal());
    }

    // A new host reads all 8 partitions at once: a stop may come before its start.
    try (StateStore fresh = StateStore.open(dir.resolve("fresh"));
        LifecycleProjector p =
            new LifecycleProjector(
                ProjectorConfig.of(kafka.bootstrap(), topic).withKafkaOverrides(kafka.host()),
                fresh,
                new ProjectorMetrics(new PrometheusRegistry()))) {
      assertTrue(p.catchUp(Duration.ofSeconds(60)));
      assertEquals(NETWORKS, stoppedCount(fresh), "new host");
    }
  }

  private static int stoppedCount(StateStore store) {
    int n = 0;
    for (int net = 1; net <= NETWORKS; net++) {
      var i = store.state().instance(net, "app", "i" + net);
      if (i.isPresent() && i.get().status() == InstanceStatus.STOPPED) {
        n++;
      }
    }
    return n;
  }

  private void publish(String topic, int partitions, List<LifecycleEvent> events) throws Exception {
    try (LifecyclePublisher publisher =
        LifecyclePublisher.connect(
            kafka.bootstrap(), kafka.orchestrator(), topic, partitions, Duration.ofSeconds(30))) {
      for (LifecycleEvent e : events) {
        publisher.publish(e);
      }
      publisher.flush();
    }
  }
}
