package dev.sixpn.projector.consume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sixpn.address.InstanceAllocator;
import dev.sixpn.events.EventCodec;
import dev.sixpn.events.LifecycleEvent;
import dev.sixpn.kafka.KafkaCluster;
import dev.sixpn.projector.metrics.ProjectorMetrics;
import dev.sixpn.projector.store.StateStore;
import dev.sixpn.publish.LifecyclePublisher;
import dev.sixpn.publish.LifecycleTopic;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real 3-node cluster (each node its own JVM) loses the leader of its busiest partition to a
 * SIGKILL while a publisher sends and two hosts fold; the node comes back later. Every event the
 * publisher got an acknowledgement for must be in the log once and folded once by each host, and
 * the hosts must end with the same state.
 */
class ClusterFailoverIT {

  private static final String TOPIC = LifecycleTopic.NAME;
  private static final int PARTITIONS = 6;
  private static final int NETWORKS = 8;
  private static final String APP = "app";

  @TempDir Path dir;

  /** One host: a store and a projector folding on a thread of its own. */
  private record Host(StateStore store, ProjectorMetrics metrics, LifecycleProjector projector) {}

  @Test
  void fold_leaderKilledWhilePublishing_everyAckedEventFoldedOnceByEveryHost() throws Exception {
    long testStart = System.nanoTime();
    try (KafkaCluster cluster = KafkaCluster.start(dir.resolve("kafka"), 3);
        LifecyclePublisher publisher =
            LifecyclePublisher.connect(
                cluster.bootstrapServers(), TOPIC, PARTITIONS, Duration.ofSeconds(30))) {
      assertDurableTopic(cluster.bootstrapServers());

      List<Host> hosts = new ArrayList<>();
      List<Thread> folding = new ArrayList<>();
      AtomicInteger stop = new AtomicInteger();
      for (String name : List.of("host-a", "host-b")) {
        StateStore store = StateStore.open(dir.resolve(name));
        ProjectorMetrics metrics = new ProjectorMetrics(new PrometheusRegistry());
        Host h =
            new Host(
                store,
                metrics,
                new LifecycleProjector(
                    ProjectorConfig.of(cluster.bootstrapServers(), TOPIC), store, metrics));
        hosts.add(h);
        folding.add(
            Thread.ofPlatform()
                .name("fold-" + name)
                .start(() -> h.projector.run(() -> stop.get() > 0)));
      }

      Map<String, LifecycleEvent> acked = new ConcurrentHashMap<>();
      AtomicLongArray ackedPerPartition = new AtomicLongArray(PARTITIONS);
      AtomicInteger failed = new AtomicInteger();
      AtomicLong killedAt = new AtomicLong(Long.MAX_VALUE);
      AtomicLong firstAckAfterKill = new AtomicLong(-1);
      AtomicInteger busiest = new AtomicInteger(-1);
      AtomicInteger sending = new AtomicInteger(1);
      AtomicInteger sent = new AtomicInteger();
      Thread sender =
          Thread.ofPlatform()
              .name("publisher")
              .start(
                  () -> {
                    InstanceAllocator allocator = new InstanceAllocator();
                    List<LifecycleEvent> setup = new ArrayList<>();
                    for (int n = 1; n <= NETWORKS; n++) {
                      setup.add(
                          new LifecycleEvent.NetworkCreated("net-" + n, Instant.now(), n, null));
                      setup.add(new LifecycleEvent.AppCreated("app-" + n, Instant.now(), n, APP));
                    }
                    setup.forEach(e -> send(publisher, e, acked, ackedPerPartition, failed));
                    for (int i = 0; sending.get() > 0; i++) {
                      // Networks 1..4 are on every other event: their partitions are the busiest.
                      long network = i % 2 == 0 ? 1 + (i / 2) % 4 : 1 + i % NETWORKS;
                      long host = 1 + i % 3;
                      LifecycleEvent e =
                          new LifecycleEvent.InstanceStarted(
                              "start-" + i,
                              Instant.now(),
                              "i" + i,
                              network,
                              APP,
                              "app",
                              host,
                              "nrt",
                              allocator.allocate(network, host),
                              Map.of());
                      long sentAt = System.nanoTime();
                      publisher
                          .publish(e)
                          .whenComplete(
                              (md, error) -> {
                                if (error != null) {
                                  failed.incrementAndGet();
                                  return;
                                }
                                acked.put(e.eventId(), e);
                                ackedPerPartition.incrementAndGet(md.partition());
                                if (md.partition() == busiest.get() && sentAt > killedAt.get()) {
                                  firstAckAfterKill.compareAndSet(-1, System.nanoTime());
                                }
                              });
                      sent.incrementAndGet();
                      if (i % 100 == 99) {
                        sleep(Duration.ofMillis(20)); // ~5000 events/s
                      }
                    }
                  });

      sleep(Duration.ofSeconds(3));
      int partition = 0;
      for (int p = 1; p < PARTITIONS; p++) {
        if (ackedPerPartition.get(p) > ackedPerPartition.get(partition)) {
          partition = p;
        }
      }
      busiest.set(partition);
      TopicPartition tp = new TopicPartition(TOPIC, partition);
      int leader = cluster.leaderOf(tp);
      long ackedBeforeKill = acked.size();
      killedAt.set(System.nanoTime());
      cluster.kill(leader);
      System.out.printf(
          "SIGKILLed node %d, leader of %s (the busiest), after %d acks%n",
          leader, tp, ackedBeforeKill);
      sleep(Duration.ofSeconds(6));
      long restartAt = System.nanoTime();
      cluster.restart(leader);
      System.out.printf(
          "node %d back after %d ms (restart took %d ms); %s now led by %d%n",
          leader,
          Duration.ofNanos(System.nanoTime() - killedAt.get()).toMillis(),
          Duration.ofNanos(System.nanoTime() - restartAt).toMillis(),
          tp,
          cluster.leaderOf(tp));
      sleep(Duration.ofSeconds(3));
      sending.set(0);
      sender.join();
      publisher.flush();
      assertTrue(
          firstAckAfterKill.get() > 0, "a write sent after the kill was acknowledged on " + tp);
      System.out.printf(
          "sent %d, acknowledged %d, failed %d; first ack on %s of a send after the kill %d ms"
              + " after it%n",
          sent.get() + 2 * NETWORKS,
          acked.size(),
          failed.get(),
          tp,
          Duration.ofNanos(firstAckAfterKill.get() - killedAt.get()).toMillis());
      assertEquals(sent.get() + 2 * NETWORKS, acked.size() + failed.get());

      Map<String, Integer> inLog = readLog(cluster.bootstrapServers());
      List<String> doubled =
          inLog.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).toList();
      assertEquals(List.of(), doubled, "no event is in the log twice");
      List<String> lost = acked.keySet().stream().filter(id -> !inLog.containsKey(id)).toList();
      assertEquals(List.of(), lost, "every acknowledged event is in the log");

      // The fold loops see the flag within a poll timeout; then each host catches up to the end.
      stop.set(1);
      for (Thread t : folding) {
        t.join();
      }
      List<String> digests = new ArrayList<>();
      for (Host h : hosts) {
        try (h.store;
            h.projector) {
          assertTrue(h.projector.catchUp(Duration.ofSeconds(60)));
          assertEquals(inLog.size(), h.metrics.foldedTotal(), "each logged event folded once");
          assertEquals(0, h.metrics.quarantinedTotal());
          for (LifecycleEvent e : acked.values()) {
            if (e instanceof LifecycleEvent.InstanceStarted s) {
              assertTrue(
                  h.store.state().instance(s.network(), APP, s.instanceId()).isPresent(),
                  s.instanceId());
            }
          }
          digests.add(h.store.digest());
        }
      }
      assertEquals(digests.get(0), digests.get(1), "both hosts hold the same state and offsets");
    }
    System.out.printf(
        "whole test %d ms%n", Duration.ofNanos(System.nanoTime() - testStart).toMillis());
  }

  private static void send(
      LifecyclePublisher publisher,
      LifecycleEvent e,
      Map<String, LifecycleEvent> acked,
      AtomicLongArray ackedPerPartition,
      AtomicInteger failed) {
    try {
      var md = publisher.publish(e).get(60, TimeUnit.SECONDS);
      acked.put(e.eventId(), e);
      ackedPerPartition.incrementAndGet(md.partition());
    } catch (Exception ex) {
      failed.incrementAndGet();
    }
  }

  /** RF 3 on every partition and the durable configuration, as {@link LifecycleTopic} made it. */
  private static void assertDurableTopic(String bootstrap) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      TopicDescription d = admin.describeTopics(List.of(TOPIC)).allTopicNames().get().get(TOPIC);
      assertEquals(PARTITIONS, d.partitions().size());
      d.partitions().forEach(p -> assertEquals(3, p.replicas().size(), p.toString()));
      ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, TOPIC);
      var config = admin.describeConfigs(List.of(r)).all().get().get(r);
      assertEquals("2", config.get("min.insync.replicas").value());
      assertEquals("-1", config.get("retention.ms").value());
      assertEquals("false", config.get("unclean.leader.election.enable").value());
    }
  }

  /** Event id → how many records carry it, over the whole topic. */
  private static Map<String, Integer> readLog(String bootstrap) throws Exception {
    Properties c = new Properties();
    c.put("bootstrap.servers", bootstrap);
    c.put("isolation.level", "read_committed");
    Map<String, Integer> out = new HashMap<>();
    try (var consumer =
        new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> parts = new ArrayList<>();
      for (int p = 0; p < PARTITIONS; p++) {
        parts.add(new TopicPartition(TOPIC, p));
      }
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      Map<TopicPartition, Long> end = consumer.endOffsets(parts);
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (parts.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("the log could not be read to its end");
        }
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          out.merge(EventCodec.decode(r.value()).eventId(), 1, Integer::sum);
        }
      }
    }
    return out;
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
