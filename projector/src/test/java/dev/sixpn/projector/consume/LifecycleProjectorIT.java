package dev.sixpn.projector.consume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sixpn.events.EventCodec;
import dev.sixpn.events.LifecycleEvent;
import dev.sixpn.events.synthetic.SyntheticFleet;
import dev.sixpn.kafka.KafkaBroker;
import dev.sixpn.kafka.KafkaBrokers;
import dev.sixpn.projector.fold.ChangeCollector;
import dev.sixpn.projector.fold.EventFolder;
import dev.sixpn.projector.metrics.ProjectorMetrics;
import dev.sixpn.projector.store.StateStore;
import dev.sixpn.projector.store.StoreBatch;
import dev.sixpn.publish.LifecyclePublisher;
import dev.sixpn.state.StateChange;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The projector against a real broker and a real RocksDB store. */
class LifecycleProjectorIT {

  private static KafkaBroker broker;

  @TempDir Path dir;

  @BeforeAll
  static void start() {
    broker = KafkaBrokers.start();
  }

  @AfterAll
  static void stop() {
    broker.close();
  }

  private static final List<String> BAD_RECORDS =
      List.of(
          "{not json",
          "{\"schema\":1,\"type\":\"instance.teleported\",\"id\":\"b1\",\"time\":\"2026-11-25T00:00:00Z\",\"data\":{}}",
          "{\"schema\":9,\"type\":\"host.left\",\"id\":\"b2\",\"time\":\"2026-11-25T00:00:00Z\",\"data\":{\"host\":1}}",
          "{\"schema\":1,\"type\":\"app.created\",\"id\":\"b3\",\"time\":\"2026-11-25T00:00:00Z\",\"data\":{\"network\":1,\"app\":\"Bad_App\"}}",
          "{\"schema\":1,\"type\":\"instance.stopped\",\"id\":\"b4\",\"time\":\"2026-11-25T00:00:00Z\",\"data\":{\"network\":1,\"app\":\"app-0\",\"instanceId\":\"never-started\"}}");

  @Test
  void badRecordsMixedWithGood_goodFoldedBadQuarantinedWithReasons() throws Exception {
    String topic = "bad-input";
    List<LifecycleEvent> good = new SyntheticFleet(7, 3, 3, 4).generate(3000);
    List<CompletableFuture<?>> acks = new ArrayList<>();
    try (LifecyclePublisher publisher =
        LifecyclePublisher.connect(broker.bootstrapServers(), topic, 4, Duration.ofSeconds(30))) {
      for (int i = 0; i < good.size(); i++) {
        acks.add(publisher.publish(good.get(i)));
        if (i % 500 == 250) {
          for (String bad : BAD_RECORDS) {
            acks.add(publisher.publishRaw("1", bad.getBytes(StandardCharsets.UTF_8)));
          }
          acks.add(publisher.publishRaw("1", null));
          acks.add(publisher.publishRaw("2", new byte[] {(byte) 0xff, 0, 1, 2}));
        }
      }
      publisher.flush();
      CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get();
    }
    int badCount = 6 * (BAD_RECORDS.size() + 2);

    PrometheusRegistry registry = new PrometheusRegistry();
    ProjectorMetrics metrics = new ProjectorMetrics(registry);
    List<StateChange> changes = new CopyOnWriteArrayList<>();
    String stateDigest;
    try (StateStore store = StateStore.open(dir.resolve("state"));
        LifecycleProjector projector =
            new LifecycleProjector(
                ProjectorConfig.of(broker.bootstrapServers(), topic), store, metrics)) {
      projector.subscribe(changes::add);
      assertTrue(projector.catchUp(Duration.ofSeconds(60)));
      List<String> quarantined = store.quarantined();
      assertEquals(badCount, quarantined.size());
      Set<String> reasons =
          quarantined.stream()
              .map(q -> q.replaceAll(".*\"reason\":\"([A-Z_]+)\".*", "$1"))
              .collect(Collectors.toSet());
      assertEquals(
          Set.of(
              "MALFORMED_JSON",
              "UNKNOWN_TYPE",
              "UNKNOWN_SCHEMA_VERSION",
              "INVALID_FIELD",
              "RULE_VIOLATION"),
          reasons);
      assertTrue(
          quarantined.stream()
              .allMatch(q -> q.contains("\"partition\":") && q.contains("\"offset\":")));
      assertTrue(
          quarantined.stream().anyMatch(q -> q.contains("valueBase64")),
          "binary values are kept as base64");
      assertEquals(badCount, metrics.quarantinedTotal());
      assertEquals(good.size(), metrics.foldedTotal());
      assertFalse(changes.isEmpty());
      String exposition = scrape(registry);
      assertTrue(
          exposition.contains("sixpn_projector_events_folded_total{type=\"instance.started\"}"),
          exposition);
      assertTrue(
          exposition.contains("sixpn_projector_quarantined_total{reason=\"RULE_VIOLATION\"} 6.0"),
          exposition);
      assertTrue(
          exposition.contains("sixpn_projector_lag_records{partition=\"0\"} 0.0"), exposition);
      assertTrue(exposition.contains("sixpn_projector_last_commit_timestamp_seconds"), exposition);
      assertTrue(exposition.contains("sixpn_projector_batch_seconds_count"), exposition);
      stateDigest = store.stateDigest();
    }
    assertEquals(
        directFold(good),
        stateDigest,
        "every good event folded as if the bad ones were never there");

    // Restart on the same store: re-delivered events (same ids) change nothing.
    try (LifecyclePublisher publisher =
        LifecyclePublisher.connect(broker.bootstrapServers(), topic, 4, Duration.ofSeconds(30))) {
      for (LifecycleEvent e : good.subList(100, 400)) {
        publisher.publish(e);
      }
      publisher.flush();
    }
    ProjectorMetrics again = new ProjectorMetrics(new PrometheusRegistry());
    try (StateStore store = StateStore.open(dir.resolve("state"));
        LifecycleProjector projector =
            new LifecycleProjector(
                ProjectorConfig.of(broker.bootstrapServers(), topic), store, again)) {
      assertTrue(projector.catchUp(Duration.ofSeconds(60)));
      assertEquals(stateDigest, store.stateDigest());
      assertEquals(0, again.foldedTotal(), "resumed from stored offsets: nothing folded twice");
      assertEquals(badCount, store.quarantined().size());
    }
  }

  private static String scrape(PrometheusRegistry registry) throws java.io.IOException {
    var out = new java.io.ByteArrayOutputStream();
    io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter.create()
        .write(out, registry.scrape());
    return out.toString(StandardCharsets.UTF_8);
  }

  /** The state the good events give when folded straight into a fresh store, in order. */
  private String directFold(List<LifecycleEvent> events) throws Exception {
    try (StateStore store = StateStore.open(dir.resolve("direct"))) {
      StoreBatch batch = store.newBatch();
      ChangeCollector changes = new ChangeCollector();
      for (LifecycleEvent e : events) {
        EventFolder.fold(store, batch, EventCodec.decode(EventCodec.encode(e)), changes);
      }
      store.commit(batch);
      return store.stateDigest();
    }
  }
}
