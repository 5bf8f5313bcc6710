package dev.sixpn.projector.consume;

import dev.sixpn.projector.fold.ChangeCollector;
import dev.sixpn.projector.metrics.ProjectorMetrics;
import dev.sixpn.projector.store.StateStore;
import dev.sixpn.projector.store.StoreBatch;
import dev.sixpn.state.ChangeFeed;
import dev.sixpn.state.StateChange;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Folds the lifecycle topic into the {@link StateStore}, exactly once.
 *
 * <p>Every host reads every partition with {@code assign()} (no consumer group) and keeps its
 * position in the store: each poll batch is folded into ONE RocksDB write batch together with the
 * next offset of each partition it read, so state and position cannot disagree. On start it seeks
 * to the stored offsets. Within a poll, groups of keys (networks, hosts) fold in parallel, each
 * into its own batch ({@link KeyGroupFold}), committed together in one write. A record that cannot
 * be folded (malformed, unknown type or schema, or breaking a rule) is quarantined in the same
 * batch with its partition, offset and reason; the projector never stops on bad input.
 *
 * <p>Single-threaded: {@link #pollOnce()} and {@link #run} belong to one thread; {@link #wakeup()}
 * and the {@link ChangeFeed} are thread-safe.
 */
public final class LifecycleProjector implements ChangeFeed, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(LifecycleProjector.class);

  /** How often the partition count of the topic is checked for growth. */
  static final Duration PARTITION_REFRESH = Duration.ofSeconds(10);

  /** Below this many records per group, splitting a poll costs more than it saves. */
  static final int MIN_RECORDS_PER_GROUP = 500;

  private final ProjectorConfig config;
  private final StateStore store;
  private final ProjectorMetrics metrics;
  private final KafkaConsumer<String, byte[]> consumer;
  private final List<ChangeListener> listeners = new CopyOnWriteArrayList<>();
  private final Map<TopicPartition, Long> assigned = new HashMap<>();
  private long nextPartitionRefresh;
  private volatile boolean closed;

  public LifecycleProjector(ProjectorConfig config, StateStore store, ProjectorMetrics metrics) {
    this.config = config;
    this.store = store;
    this.metrics = metrics;
    this.consumer =
        new KafkaConsumer<>(
            consumerConfig(config), new StringDeserializer(), new ByteArrayDeserializer());
  }

  static Properties consumerConfig(ProjectorConfig config) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
    // No group: offsets live in RocksDB, committed with the state.
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, config.maxPollRecords());
    p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 64 << 20);
    p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 8 << 20);
    p.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, 1);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    return p;
  }

  @Override
  public AutoCloseable subscribe(ChangeListener listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  /** Polls until {@code stop} answers true or {@link #wakeup()} is called. */
  public void run(BooleanSupplier stop) {
    try {
      while (!stop.getAsBoolean() && !closed) {
        pollOnce();
      }
    } catch (WakeupException e) {
      if (!closed) {
        throw e;
      }
    }
  }

  /**
   * Polls until every partition's position reaches the end offset it had when this was called.
   *
   * @return false if {@code timeout} passed first
   */
  public boolean catchUp(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    refreshPartitions(true);
    Map<TopicPartition, Long> end = consumer.endOffsets(assigned.keySet());
    while (true) {
      if (!assigned.isEmpty() && reached(end)) {
        return true;
      }
      if (System.nanoTime() >= deadline) {
        return false;
      }
      if (assigned.isEmpty()) {
        refreshPartitions(true);
        end = consumer.endOffsets(assigned.keySet());
      }
      pollOnce();
    }
  }

  private boolean reached(Map<TopicPartition, Long> end) {
    for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
      if (consumer.position(e.getKey()) < e.getValue()) {
        return false;
      }
    }
    return true;
  }

  /**
   * One poll, folded and committed.
   *
   * @return records processed (folded, duplicate or quarantined)
   */
  public int pollOnce() {
    refreshPartitions(false);
    if (assigned.isEmpty()) {
      sleep(config.pollTimeout());
      return 0;
    }
    ConsumerRecords<String, byte[]> records = consumer.poll(config.pollTimeout());
    if (records.isEmpty()) {
      updateLag();
      return 0;
    }
    long start = System.nanoTime();
    int groupCount =
        Math.max(1, Math.min(config.foldParallelism(), records.count() / MIN_RECORDS_PER_GROUP));
    KeyGroupFold[] groups = new KeyGroupFold[groupCount];
    Map<Integer, Long> nextOffsets = new HashMap<>();
    ChangeCollector changes = new ChangeCollector();
    long committedAt;
    try {
      for (int g = 0; g < groupCount; g++) {
        groups[g] = new KeyGroupFold(store);
      }
      for (ConsumerRecord<String, byte[]> r : records) {
        // One network's (or host's) records always land in the same group, in partition order.
        int g = r.key() == null ? 0 : Math.floorMod(r.key().hashCode(), groupCount);
        groups[g].records.add(r);
        nextOffsets.merge(r.partition(), r.offset() + 1, Math::max);
      }
      if (groupCount == 1) {
        groups[0].run();
      } else {
        java.util.Arrays.stream(groups).parallel().forEach(KeyGroupFold::run);
      }
      nextOffsets.forEach(groups[0].batch::putOffset);
      List<StoreBatch> batches = new ArrayList<>(groupCount);
      for (KeyGroupFold g : groups) {
        batches.add(g.batch);
      }
      for (KeyGroupFold g : groups) {
        changes.addAll(g.changes);
      }
      store.commit(batches);
      committedAt = System.nanoTime();
    } finally {
      for (KeyGroupFold g : groups) {
        if (g != null) {
          g.close();
        }
      }
    }
    // Listeners first: the DNS edge and the dataplane wait on this; metrics can wait on them.
    if (!changes.isEmpty()) {
      publish(changes.toChange(committedAt));
    }
    metrics.committed(committedAt - start);
    for (KeyGroupFold g : groups) {
      g.folded.forEach(metrics::folded);
      g.quarantined.forEach(metrics::quarantined);
      for (int i = 0; i < g.duplicates; i++) {
        metrics.duplicate();
      }
    }
    updateLag();
    return records.count();
  }

  private void publish(StateChange change) {
    for (ChangeListener l : listeners) {
      try {
        l.onChange(change);
      } catch (RuntimeException e) {
        LOG.error("change listener {} failed; other listeners still run", l, e);
      }
    }
  }

  private void updateLag() {
    for (TopicPartition tp : assigned.keySet()) {
      OptionalLong lag = consumer.currentLag(tp);
      if (lag.isPresent()) {
        metrics.lag(tp.partition(), lag.getAsLong());
      }
    }
  }

  /** Assigns every partition of the topic, seeking new ones to their stored offset. */
  private void refreshPartitions(boolean force) {
    long now = System.nanoTime();
    if (!force && !assigned.isEmpty() && now < nextPartitionRefresh) {
      return;
    }
    nextPartitionRefresh = now + PARTITION_REFRESH.toNanos();
    List<PartitionInfo> infos;
    try {
      infos = consumer.partitionsFor(config.topic(), Duration.ofSeconds(5));
    } catch (org.apache.kafka.common.errors.TimeoutException e) {
      LOG.warn("topic={} not reachable yet: {}", config.topic(), e.getMessage());
      nextPartitionRefresh = now + Duration.ofSeconds(1).toNanos();
      return;
    }
    if (infos == null || infos.isEmpty()) {
      nextPartitionRefresh = now + Duration.ofMillis(500).toNanos();
      return;
    }
    if (infos.size() == assigned.size()) {
      return;
    }
    Map<Integer, Long> stored = store.offsets();
    List<TopicPartition> all = new ArrayList<>();
    for (PartitionInfo info : infos) {
      all.add(new TopicPartition(info.topic(), info.partition()));
    }
    consumer.assign(all);
    for (TopicPartition tp : all) {
      if (assigned.containsKey(tp)) {
        continue;
      }
      Long offset = stored.get(tp.partition());
      if (offset != null) {
        consumer.seek(tp, offset);
      } else {
        consumer.seekToBeginning(List.of(tp));
      }
      assigned.put(tp, offset == null ? 0L : offset);
    }
    LOG.info(
        "assigned topic={} partitions={} resumed={}", config.topic(), all.size(), stored.size());
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Makes a blocked {@link #run} return; thread-safe. */
  public void wakeup() {
    consumer.wakeup();
  }

  /** Closes the consumer (not the store, which the caller owns). Safe to call twice. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ofSeconds(5)));
  }
}
