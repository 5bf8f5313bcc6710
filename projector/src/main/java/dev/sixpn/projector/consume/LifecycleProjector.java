package dev.sixpn.projector.consume;

import dev.sixpn.events.EventCodec;
import dev.sixpn.events.LifecycleEvent;
import dev.sixpn.events.MalformedEventException;
import dev.sixpn.projector.fold.ChangeCollector;
import dev.sixpn.projector.fold.EventFolder;
import dev.sixpn.projector.fold.RuleViolation;
import dev.sixpn.projector.metrics.ProjectorMetrics;
import dev.sixpn.projector.store.StateRows;
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
 * to the stored offsets. A record that cannot be folded (malformed, unknown type or schema, or
 * breaking a rule) is quarantined in the same batch with its partition, offset and reason; the
 * projector never stops on bad input.
 *
 * <p>Single-threaded: {@link #pollOnce()} and {@link #run} belong to one thread; {@link #wakeup()}
 * and the {@link ChangeFeed} are thread-safe.
 */
public final class LifecycleProjector implements ChangeFeed, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(LifecycleProjector.class);

  /** How often the partition count of the topic is checked for growth. */
  static final Duration PARTITION_REFRESH = Duration.ofSeconds(10);

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
    this.consumer = new KafkaConsumer<>(consumerConfig(config), new StringDeserializer(), new ByteArrayDeserializer());
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
    long t0 = System.nanoTime();
    ConsumerRecords<String, byte[]> records = consumer.poll(config.pollTimeout());
    PROF[0] += System.nanoTime() - t0;
    if (records.isEmpty()) {
      updateLag();
      return 0;
    }
    long start = System.nanoTime();
    ChangeCollector changes = new ChangeCollector();
    List<String> folded = new ArrayList<>(records.count());
    int duplicates = 0;
    List<String> quarantinedReasons = new ArrayList<>();
    // Decode the whole poll first, so the fold's reads can be fetched in one MultiGet per family.
    List<ConsumerRecord<String, byte[]>> all = new ArrayList<>(records.count());
    records.forEach(all::add);
    // Decoding is independent per record: spread it over the cores; the fold stays sequential.
    Object[] decoded = new Object[all.size()];
    java.util.stream.IntStream.range(0, all.size()).parallel().forEach(i -> {
      try {
        decoded[i] = EventCodec.decode(all.get(i).value());
      } catch (MalformedEventException e) {
        decoded[i] = e;
      }
    });
    List<LifecycleEvent> events = new ArrayList<>(all.size());
    for (Object d : decoded) {
      if (d instanceof LifecycleEvent e) {
        events.add(e);
      }
    }
    try (StoreBatch batch = store.newBatch()) {
      StateRows rows = new StateRows(batch);
      rows.prefetch(events);
      Map<Integer, Long> nextOffsets = new HashMap<>();
      for (int i = 0; i < all.size(); i++) {
        ConsumerRecord<String, byte[]> r = all.get(i);
        nextOffsets.put(r.partition(), r.offset() + 1);
        String reason;
        String message;
        try {
          if (decoded[i] instanceof MalformedEventException e) {
            throw e;
          }
          LifecycleEvent event = (LifecycleEvent) decoded[i];
          if (EventFolder.fold(batch, event, changes) == EventFolder.Outcome.DUPLICATE) {
            duplicates++;
          } else {
            folded.add(event.type().wireName());
          }
          continue;
        } catch (MalformedEventException e) {
          reason = e.reason().name();
          message = e.getMessage();
        } catch (RuleViolation e) {
          reason = "RULE_VIOLATION";
          message = e.getMessage();
        }
        rows.quarantine(r.partition(), r.offset(), Quarantine.entry(r.topic(), r.partition(), r.offset(), r.key(), r.value(), reason, message));
        quarantinedReasons.add(reason);
        LOG.warn("quarantined record topic={} partition={} offset={} reason={} message=\"{}\"", r.topic(), r.partition(), r.offset(), reason, message);
      }
      nextOffsets.forEach(batch::putOffset);
      long t1 = System.nanoTime();
      PROF[1] += t1 - start;
      store.commit(batch);
      PROF[2] += System.nanoTime() - t1;
    }
    long committedAt = System.nanoTime();
    metrics.committed(System.nanoTime() - start);
    folded.forEach(metrics::folded);
    quarantinedReasons.forEach(metrics::quarantined);
    for (int i = 0; i < duplicates; i++) {
      metrics.duplicate();
    }
    updateLag();
    if (!changes.isEmpty()) {
      publish(changes.toChange(committedAt));
    }
    return records.count();
  }

  public static final long[] PROF = new long[3];

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
    LOG.info("assigned topic={} partitions={} resumed={}", config.topic(), all.size(), stored.size());
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
