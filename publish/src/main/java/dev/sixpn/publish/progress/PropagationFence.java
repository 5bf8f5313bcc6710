package dev.sixpn.publish.progress;

import dev.sixpn.events.EventCodec;
import dev.sixpn.events.LifecycleEvent;
import dev.sixpn.events.MalformedEventException;
import dev.sixpn.publish.KafkaClientProperties;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Waits until every live host has applied one record of the lifecycle topic: what {@code sixpn
 * publish … --wait} does after publishing.
 *
 * <p>Live hosts are those whose {@code host.joined} has no later {@code host.left}, read from the
 * lifecycle topic itself up to its end when the wait starts (only records keyed {@code host:…} are
 * decoded; the scan reads the whole log, so its cost grows with the history). A host has applied
 * the record at {@code offset} of {@code partition} once its latest {@link Progress} says its next
 * offset there is above it. A host that never reported is a straggler like one that is behind.
 *
 * <p>Needs Read and Describe on both topics (no consumer group: partitions are assigned).
 */
public final class PropagationFence {

  private PropagationFence() {}

  /**
   * What the wait found.
   *
   * @param live the hosts that have joined and not left, ascending
   * @param next per live host that reported, its next offset on the record's partition
   * @param stragglers the live hosts that have not applied it (empty: the fence passed)
   * @param waited how long it took
   */
  public record Result(
      Set<Long> live, Map<Long, Long> next, Set<Long> stragglers, Duration waited) {
    public Result {
      live = java.util.Collections.unmodifiableSet(new TreeSet<>(live));
      next = java.util.Collections.unmodifiableMap(new TreeMap<>(next));
      stragglers = java.util.Collections.unmodifiableSet(new TreeSet<>(stragglers));
    }

    public boolean passed() {
      return stragglers.isEmpty();
    }
  }

  /**
   * Blocks until every live host applied the record at {@code offset} of {@code partition}, or
   * {@code timeout} passed.
   */
  public static Result await(
      String bootstrapServers,
      Map<String, ?> clientOverrides,
      String lifecycleTopic,
      int partition,
      long offset,
      Duration timeout)
      throws InterruptedException, TimeoutException {
    long t0 = System.nanoTime();
    long deadline = t0 + timeout.toNanos();
    String progressTopic = ProgressTopic.of(lifecycleTopic);
    int ms = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
    try (Admin admin =
        Admin.create(
            KafkaClientProperties.merge(
                Map.of(
                    AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, ms,
                    AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, ms),
                clientOverrides,
                bootstrapServers))) {
      ProgressTopic.ensure(admin, progressTopic, timeout);
    }
    Map<String, Object> config = consumerConfig(bootstrapServers, clientOverrides);
    Set<Long> live = liveHosts(config, lifecycleTopic, deadline);
    Map<Long, Long> next = new TreeMap<>();
    try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config)) {
      TopicPartition tp = new TopicPartition(progressTopic, 0);
      consumer.assign(List.of(tp));
      consumer.seekToBeginning(List.of(tp));
      while (true) {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(50))) {
          try {
            Progress p = Progress.decode(r.value());
            next.put(p.host(), p.next().getOrDefault(partition, 0L));
          } catch (IllegalArgumentException e) {
            // a tombstone or a foreign record: not a host's progress
          }
        }
        Set<Long> stragglers = new TreeSet<>();
        for (long h : live) {
          if (next.getOrDefault(h, 0L) <= offset) {
            stragglers.add(h);
          }
        }
        if (stragglers.isEmpty() || System.nanoTime() >= deadline) {
          Map<Long, Long> ofLive = new TreeMap<>(next);
          ofLive.keySet().retainAll(live);
          return new Result(live, ofLive, stragglers, Duration.ofNanos(System.nanoTime() - t0));
        }
        if (Thread.interrupted()) {
          throw new InterruptedException("interrupted waiting for the fence");
        }
      }
    }
  }

  /** Hosts joined and not left, from the host events of the whole log as it is now. */
  static Set<Long> liveHosts(Map<String, Object> config, String topic, long deadline)
      throws TimeoutException {
    Set<Long> live = new TreeSet<>();
    try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config)) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (PartitionInfo p : consumer.partitionsFor(topic, Duration.ofNanos(remaining(deadline)))) {
        partitions.add(new TopicPartition(topic, p.partition()));
      }
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end =
          consumer.endOffsets(partitions, Duration.ofNanos(remaining(deadline)));
      while (true) {
        boolean done = true;
        for (TopicPartition tp : partitions) {
          if (consumer.position(tp, Duration.ofNanos(remaining(deadline))) < end.get(tp)) {
            done = false;
          }
        }
        if (done) {
          return live;
        }
        if (System.nanoTime() >= deadline) {
          throw new TimeoutException("reading the hosts of " + topic + " took too long");
        }
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
          if (r.key() == null || !r.key().startsWith("host:")) {
            continue;
          }
          try {
            switch (EventCodec.decode(r.value())) {
              case LifecycleEvent.HostJoined j -> live.add(j.host());
              case LifecycleEvent.HostLeft l -> live.remove(l.host());
              default -> {}
            }
          } catch (MalformedEventException e) {
            // quarantined by every projector: no host joined or left by it
          }
        }
      }
    }
  }

  private static long remaining(long deadline) {
    return Math.max(1_000_000L, deadline - System.nanoTime());
  }

  private static Map<String, Object> consumerConfig(
      String bootstrapServers, Map<String, ?> clientOverrides) {
    Map<String, Object> c = new TreeMap<>();
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    c.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 50);
    return KafkaClientProperties.merge(c, clientOverrides, bootstrapServers);
  }
}
