package dev.sixpn.projector.consume;

import dev.sixpn.projector.fold.ChangeCollector;
import dev.sixpn.projector.metrics.ProjectorMetrics;
import dev.sixpn.projector.store.SnapshotRow;
import dev.sixpn.projector.store.StateStore;
import dev.sixpn.projector.store.StoreBatch;
import dev.sixpn.projector.store.TopicIdentity;
import dev.sixpn.state.ChangeFeed;
import dev.sixpn.state.StateChange;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.NoOffsetForPartitionException;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
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
 * to the stored offsets. A poll's records are decoded in parallel and folded in order ({@link
 * PollFold}); the sealed batch is written by a commit thread while the next poll is decoded and
 * folded, then listeners run on that thread. A record that cannot be folded (malformed, unknown
 * type or schema, or breaking a rule) is quarantined in the same batch with its partition, offset
 * and reason; the projector never stops on bad input.
 *
 * <p>A broker that does not answer is waited for, never thrown at the caller: the loop keeps
 * polling, asks for end offsets every {@link #END_OFFSETS_PROBE} and keeps the lag of each
 * partition from the last end offset it heard and its own position. {@link #caughtUp()} turns true
 * once the positions reached the end offsets read the first time the broker answered them.
 *
 * <p>It never skips silently. The consumer's {@code auto.offset.reset} is {@code none}: stored
 * offsets the log no longer holds (retention or {@code deleteRecords} went past them), a topic
 * recreated under the same name (another topic id than the one stored with the offsets) or an empty
 * store all lead to a rebuild ({@link #rebuild}): from the newest complete snapshot whose offsets
 * the log still holds, else from the log's beginning if it still starts at 0 everywhere; else the
 * projector throws {@link StateGapException} and stays not caught up rather than serve a state with
 * a hole in it. Partitions added to the topic are read from their beginning.
 *
 * <p>{@link #pollOnce()}, {@link #catchUp} and {@link #run} belong to one thread and return only
 * when their last batch is written; {@link #wakeup()}, {@link #caughtUp()} and the {@link
 * ChangeFeed} are thread-safe.
 */
public final class LifecycleProjector implements ChangeFeed, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(LifecycleProjector.class);

  /** How often the partition count of the topic is checked for growth. */
  static final Duration PARTITION_REFRESH = Duration.ofSeconds(10);

  /** How often a poll loop without records asks the broker for end offsets (contact and lag). */
  static final Duration END_OFFSETS_PROBE = Duration.ofSeconds(1);

  /** An idle projector flushes what it wrote this soon (see {@link StateStore#flushIfDirty}). */
  static final Duration IDLE_FLUSH = Duration.ofSeconds(1);

  /** A projector that is never idle flushes at least this often. */
  static final Duration BUSY_FLUSH = Duration.ofSeconds(30);

  /** How long one end-offsets request may wait for a broker that does not answer. */
  static final Duration END_OFFSETS_TIMEOUT = Duration.ofSeconds(2);

  private final ProjectorConfig config;
  private final StateStore store;
  private final ProjectorMetrics metrics;
  private final KafkaConsumer<String, byte[]> consumer;
  private final Optional<Snapshots> snapshots;

  /** The lifecycle topic as described at start; null until the broker answered. */
  private volatile TopicIdentity topicIdentity;

  /** Events folded since the last snapshot was started; commit thread only. */
  private long sinceSnapshot;

  /** Writes snapshots beside the fold: one at a time, skipped while one is running. */
  private final ExecutorService snapshotter =
      Executors.newSingleThreadExecutor(
          Thread.ofPlatform().name("sixpn-projector-snapshot").daemon().factory());

  private Future<?> snapshotRunning;
  private final List<ChangeListener> listeners = new CopyOnWriteArrayList<>();

  /**
   * Per partition the next offset to fold, as of the last batch written and announced to the
   * listeners: what this host may say it has applied (its DNS answers follow by then).
   */
  private volatile Map<Integer, Long> applied;

  private final Map<TopicPartition, Long> assigned = new HashMap<>();

  /** Describes the topic (its id); created on first use. */
  private Admin admin;

  private long nextPartitionRefresh;
  private volatile boolean closed;

  /** The end offsets first read; reaching them is "caught up". Null until the broker answered. */
  private Map<TopicPartition, Long> catchUpTarget;

  private volatile boolean caughtUp;

  /** The last end offset the broker reported per partition; kept while it does not answer. */
  private final Map<TopicPartition, Long> knownEnd = new HashMap<>();

  private long nextProbe;

  /** Whether the last request answered; only for logging the transitions. */
  private boolean brokerAnswering = true;

  /** Writes sealed batches in order, then runs the listeners: one thread, one batch at a time. */
  private final ExecutorService committer =
      Executors.newSingleThreadExecutor(
          Thread.ofPlatform().name("sixpn-projector-commit").daemon().factory());

  /** The batch being written, or null; touched by the polling thread only. */
  private Future<?> inFlight;

  /**
   * Snapshot settings: where a wiped store bootstraps from and, if {@code writeEveryEvents} is
   * positive, how many folded events between two snapshots this projector writes (0: it only reads
   * them).
   */
  public record Snapshots(SnapshotTopic topic, long writeEveryEvents) {
    public Snapshots {
      if (topic == null) {
        throw new IllegalArgumentException("topic is required");
      }
      if (writeEveryEvents < 0) {
        throw new IllegalArgumentException(
            "writeEveryEvents must be >= 0, got " + writeEveryEvents);
      }
    }
  }

  public LifecycleProjector(ProjectorConfig config, StateStore store, ProjectorMetrics metrics) {
    this(config, store, metrics, Optional.empty());
  }

  public LifecycleProjector(
      ProjectorConfig config,
      StateStore store,
      ProjectorMetrics metrics,
      Optional<Snapshots> snapshots) {
    this.config = config;
    this.store = store;
    this.metrics = metrics;
    this.snapshots = snapshots;
    this.applied = Map.copyOf(store.offsets());
    this.consumer =
        new KafkaConsumer<>(
            consumerConfig(config), new StringDeserializer(), new ByteArrayDeserializer());
  }

  static Properties consumerConfig(ProjectorConfig config) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
    // No group: offsets live in RocksDB, committed with the state.
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    // Never reset silently: an out-of-range offset is a hole in the state, handled by a rebuild.
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, config.maxPollRecords());
    // partitionsFor answers from this cache: without a short age, added partitions would go
    // unnoticed for the default five minutes.
    p.put(ConsumerConfig.METADATA_MAX_AGE_CONFIG, (int) PARTITION_REFRESH.toMillis());
    p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 64 << 20);
    p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 8 << 20);
    p.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, 1);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.putAll(config.kafkaOverrides()); // security and other client settings from the operator
    return p;
  }

  /**
   * Per partition the next offset to fold, every record before it folded, written and told to the
   * listeners (so a DNS edge subscribed here answers from it). Any thread.
   */
  public Map<Integer, Long> appliedOffsets() {
    return applied;
  }

  @Override
  public AutoCloseable subscribe(ChangeListener listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  /**
   * True once every partition's position reached the end offset read the first time the broker
   * answered: the state holds at least everything published before this projector started.
   */
  public boolean caughtUp() {
    return caughtUp;
  }

  /**
   * Polls until {@code stop} answers true or {@link #wakeup()} is called. An unreachable broker is
   * waited for; what escapes is a store failure or a bug.
   */
  public void run(BooleanSupplier stop) {
    try {
      while (!stop.getAsBoolean() && !closed) {
        pollAndFold();
        checkCaughtUp();
      }
    } catch (WakeupException e) {
      if (!closed) {
        throw e;
      }
    } finally {
      awaitCommitted();
    }
  }

  /**
   * Polls until every partition's position reaches the end offset it had when this was called.
   *
   * @return false if {@code timeout} passed first
   */
  public boolean catchUp(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      refreshPartitions(true);
      Map<TopicPartition, Long> end = null;
      while (true) {
        if (end == null && !assigned.isEmpty()) {
          end = readEndOffsets();
        }
        if (end != null && reached(end)) {
          checkCaughtUp();
          return true;
        }
        if (System.nanoTime() >= deadline) {
          return false;
        }
        pollAndFold();
        checkCaughtUp();
      }
    } finally {
      awaitCommitted();
    }
  }

  private void checkCaughtUp() {
    if (caughtUp || assigned.isEmpty()) {
      return;
    }
    if (catchUpTarget == null) {
      // While the broker does not answer, the idle poll's probe keeps asking (and sets the target
      // when it answers): asking here too would only double the timeouts.
      if (!brokerAnswering || readEndOffsets() == null) {
        return;
      }
    }
    if (reached(catchUpTarget)) {
      caughtUp = true;
      metrics.caughtUp(true);
      LOG.info("caught up topic={} end={}", config.topic(), catchUpTarget);
    }
  }

  private boolean reached(Map<TopicPartition, Long> end) {
    for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
      Long position = position(e.getKey());
      if (position == null || position < e.getValue()) {
        return false;
      }
    }
    return true;
  }

  /** The partition's position if known locally, or null (a reset still waiting for the broker). */
  private Long position(TopicPartition tp) {
    try {
      return consumer.position(tp, Duration.ZERO);
    } catch (org.apache.kafka.common.errors.TimeoutException e) {
      return null;
    }
  }

  /** The end offsets of every assigned partition, or null if the broker did not answer in time. */
  private Map<TopicPartition, Long> readEndOffsets() {
    try {
      Map<TopicPartition, Long> end = consumer.endOffsets(assigned.keySet(), END_OFFSETS_TIMEOUT);
      answered();
      knownEnd.putAll(end);
      if (catchUpTarget == null) {
        catchUpTarget = end;
      }
      return end;
    } catch (org.apache.kafka.common.errors.TimeoutException e) {
      unanswered(e);
      return null;
    }
  }

  private void answered() {
    metrics.brokerContact();
    if (!brokerAnswering) {
      brokerAnswering = true;
      LOG.info("broker answers again topic={}", config.topic());
    }
  }

  private void unanswered(Exception e) {
    if (brokerAnswering) {
      brokerAnswering = false;
      LOG.warn(
          "broker not answering topic={} ({}); serving the stored state, retrying",
          config.topic(),
          e.getMessage());
    }
  }

  /**
   * One poll, folded and committed; returns once the batch is written and listeners have run.
   *
   * @return records processed (folded, duplicate or quarantined)
   */
  public int pollOnce() {
    int n = pollAndFold();
    awaitCommitted();
    return n;
  }

  /**
   * One poll, folded into the state and sealed; its write is handed to the commit thread, so the
   * next poll decodes and folds while RocksDB inserts this one. At most one batch is in flight.
   */
  private int pollAndFold() {
    refreshPartitions(false);
    if (assigned.isEmpty()) {
      sleep(config.pollTimeout());
      return 0;
    }
    ConsumerRecords<String, byte[]> records;
    try {
      records = consumer.poll(config.pollTimeout());
    } catch (OffsetOutOfRangeException e) {
      // If the broker does not answer now, the next poll throws again and this retries.
      rebuild(
          "offset_out_of_range",
          "stored offsets " + e.offsetOutOfRangePartitions() + " are no longer in the log",
          new ArrayList<>(assigned.keySet()));
      return 0;
    } catch (NoOffsetForPartitionException e) {
      rebuild("no_offset", "no position for " + e.partitions(), new ArrayList<>(assigned.keySet()));
      return 0;
    }
    if (records.isEmpty()) {
      awaitCommitted();
      store.flushIfDirty(IDLE_FLUSH);
      long now = System.nanoTime();
      if (now >= nextProbe) {
        nextProbe = now + END_OFFSETS_PROBE.toNanos();
        readEndOffsets();
      }
      updateLag();
      return 0;
    }
    answered();
    long start = System.nanoTime();
    List<ConsumerRecord<String, byte[]>> list = new ArrayList<>(records.count());
    records.forEach(list::add);
    // Listeners subscribed later learn nothing of this batch, as with any batch before they came.
    PollFold fold =
        new PollFold(
            list, listeners.isEmpty() ? ChangeCollector.discarding() : new ChangeCollector());
    StoreBatch batch = store.newBatch();
    fold.foldInto(store, batch, config.decodeParallelism());
    // The previous batch must be written before this one is sealed: writes keep their order, and
    // a batch's event ids stay visible to duplicate checks until its write returns.
    awaitCommitted();
    store.seal(batch);
    inFlight = committer.submit(() -> commit(batch, fold, start));
    updateLag();
    return list.size();
  }

  /** On the commit thread: the write, then listeners, then metrics. */
  private void commit(StoreBatch batch, PollFold fold, long start) {
    store.write(batch);
    store.flushIfDirty(BUSY_FLUSH);
    long committedAt = System.nanoTime();
    // Listeners first: the DNS edge and the dataplane wait on this; metrics can wait on them.
    if (!fold.changes.isEmpty()) {
      publish(fold.changes.toChange(committedAt));
    }
    applied = Map.copyOf(store.offsets());
    metrics.committed(committedAt - start);
    fold.folded.forEach(metrics::folded);
    fold.quarantined.forEach(metrics::quarantined);
    metrics.duplicates(fold.duplicates);
    maybeSnapshot(fold);
  }

  /** On the commit thread: starts a snapshot once enough events were folded since the last. */
  private void maybeSnapshot(PollFold fold) {
    if (snapshots.isEmpty() || snapshots.get().writeEveryEvents() == 0 || closed) {
      return;
    }
    sinceSnapshot += fold.folded.values().stream().mapToLong(Integer::longValue).sum();
    if (sinceSnapshot < snapshots.get().writeEveryEvents()
        || (snapshotRunning != null && !snapshotRunning.isDone())) {
      return;
    }
    sinceSnapshot = 0;
    TopicIdentity topic = topicIdentity;
    snapshotRunning =
        snapshotter.submit(
            () -> {
              try {
                snapshots.get().topic().write(store, topic);
              } catch (RuntimeException e) {
                LOG.warn(
                    "snapshot to {} failed; the next one retries",
                    snapshots.get().topic().topic(),
                    e);
              }
            });
  }

  /** Writes a snapshot now, on this thread (after the batch in flight); for tools and tests. */
  public SnapshotTopic.Manifest writeSnapshot() {
    awaitCommitted();
    if (snapshots.isEmpty() || topicIdentity == null) {
      throw new IllegalStateException(
          "no snapshot topic configured, or the lifecycle topic is not described yet");
    }
    return snapshots.get().topic().write(store, topicIdentity);
  }

  /** Waits for the batch in flight, if any; rethrows what its write threw. */
  private void awaitCommitted() {
    Future<?> f = inFlight;
    if (f == null) {
      return;
    }
    inFlight = null;
    try {
      f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while the state store was writing", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(e.getCause());
    }
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

  /**
   * Lag = the last end offset heard of (end-offsets answers, or the high watermark of the last
   * fetch) minus our position, so it stays meaningful while the broker does not answer.
   */
  private void updateLag() {
    for (TopicPartition tp : assigned.keySet()) {
      Long position = position(tp);
      if (position == null) {
        continue;
      }
      OptionalLong fetched = consumer.currentLag(tp);
      if (fetched.isPresent()) {
        knownEnd.merge(tp, position + fetched.getAsLong(), Math::max);
      }
      Long end = knownEnd.get(tp);
      if (end != null) {
        metrics.lag(tp.partition(), Math.max(0, end - position));
      }
    }
  }

  /**
   * Assigns every partition of the topic, seeking new ones to their stored offset (or 0). The first
   * time, checks the topic against the one the offsets were stored from: another topic id means the
   * topic was recreated, and the state is rebuilt; an empty store bootstraps from the newest usable
   * snapshot.
   */
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
      unanswered(e);
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
    List<TopicPartition> all = new ArrayList<>();
    for (PartitionInfo info : infos) {
      all.add(new TopicPartition(info.topic(), info.partition()));
    }
    if (assigned.isEmpty() && !firstAssign(all)) {
      nextPartitionRefresh = now + Duration.ofSeconds(1).toNanos();
      return;
    }
    Map<Integer, Long> stored = store.offsets();
    int before = assigned.size();
    consumer.assign(all);
    for (TopicPartition tp : all) {
      if (!assigned.containsKey(tp)) {
        seekStored(tp, stored);
      }
    }
    TopicIdentity previous = store.topic().orElse(null);
    topicIdentity = new TopicIdentity(topicIdentity.topicId(), all.size());
    if (previous != null && previous.partitions() < all.size()) {
      // Keys now hash elsewhere: the new partitions are read from their beginning, and the fold
      // parks a stop or destroy that arrives before its start (see the README's ordering note).
      LOG.warn(
          "topic {} grew from {} to {} partitions; reading the new ones from the beginning",
          config.topic(),
          previous.partitions(),
          all.size());
      metrics.partitionsAdded(all.size() - previous.partitions());
    }
    if (!topicIdentity.equals(previous)) {
      store.putTopic(topicIdentity);
    }
    LOG.info(
        "assigned topic={} partitions={} resumed={} before={}",
        config.topic(),
        all.size(),
        stored.size(),
        before);
  }

  /**
   * The first assignment: describes the topic, rebuilds if it was recreated, bootstraps an empty
   * store from a snapshot. False if the broker did not answer (the caller retries).
   */
  private boolean firstAssign(List<TopicPartition> all) {
    TopicIdentity current = describeTopic(all.size());
    if (current == null) {
      return false;
    }
    topicIdentity = current;
    Optional<TopicIdentity> stored = store.topic();
    if (stored.isPresent() && !stored.get().topicId().equals(current.topicId())) {
      consumer.assign(all);
      return rebuild(
          "topic_recreated",
          "offsets were stored from topic id "
              + stored.get().topicId()
              + ", the topic now has id "
              + current.topicId(),
          all);
    }
    if (stored.isEmpty() && store.offsets().isEmpty() && snapshots.isPresent()) {
      // A new or wiped host: the newest snapshot spares it the replay of the whole history.
      consumer.assign(all);
      Map<TopicPartition, Long> start = beginningOffsets(all);
      if (start == null) {
        return false;
      }
      Optional<SnapshotTopic.Snapshot> snapshot = usableSnapshot(current, start);
      if (snapshot.isPresent()) {
        restore(snapshot.get(), current, all);
        return true;
      }
    }
    return true;
  }

  /** Seeks to the stored offset, or to 0: never to the log's start, which would skip a gap. */
  private void seekStored(TopicPartition tp, Map<Integer, Long> stored) {
    long offset = stored.getOrDefault(tp.partition(), 0L);
    consumer.seek(tp, offset);
    assigned.put(tp, offset);
  }

  /**
   * Replaces the state because the stored offsets cannot be resumed: from the newest snapshot of
   * this topic whose offsets the log still holds, else from an empty state if every partition still
   * starts at 0. Else throws {@link StateGapException}: failing loudly, not caught up, beats
   * serving a state with a hole in it. False if the broker did not answer (the caller retries).
   */
  private boolean rebuild(String reason, String detail, List<TopicPartition> all) {
    awaitCommitted();
    Map<TopicPartition, Long> start = beginningOffsets(all);
    if (start == null) {
      return false;
    }
    LOG.warn(
        "rebuilding the state topic={} reason={}: {}; log starts at {}",
        config.topic(),
        reason,
        detail,
        start);
    metrics.rebuilt(reason);
    Optional<SnapshotTopic.Snapshot> snapshot = usableSnapshot(topicIdentity, start);
    if (snapshot.isPresent()) {
      restore(snapshot.get(), topicIdentity, all);
    } else if (start.values().stream().allMatch(o -> o == 0)) {
      LOG.warn("no usable snapshot; replaying topic {} from its beginning", config.topic());
      restoreAndPublish(List.of(), Map.of(), topicIdentity, all);
    } else {
      caughtUp = false;
      metrics.caughtUp(false);
      throw new StateGapException(
          "topic "
              + config.topic()
              + ": "
              + detail
              + ", the log starts at "
              + start
              + " and no snapshot covers that gap"
              + (snapshots.isEmpty() ? " (no snapshot topic configured)" : "")
              + "; refusing to serve a partial state");
    }
    return true;
  }

  private void restore(
      SnapshotTopic.Snapshot snapshot, TopicIdentity topic, List<TopicPartition> all) {
    LOG.info(
        "loading snapshot {} from {}: {} rows, offsets {}",
        snapshot.manifest().id(),
        snapshots.orElseThrow().topic().topic(),
        snapshot.rows().size(),
        snapshot.manifest().offsets());
    restoreAndPublish(snapshot.rows(), snapshot.manifest().offsets(), topic, all);
  }

  /** Restores the store, seeks every partition to its new offset and tells the listeners. */
  private void restoreAndPublish(
      List<SnapshotRow> rows,
      Map<Integer, Long> offsets,
      TopicIdentity topic,
      List<TopicPartition> all) {
    // Until the tail is replayed the state is behind the log, as after any start.
    caughtUp = false;
    metrics.caughtUp(false);
    catchUpTarget = null;
    Touched before = touched();
    store.restore(rows, offsets, topic);
    Touched after = touched();
    assigned.clear();
    Map<Integer, Long> stored = store.offsets();
    for (TopicPartition tp : all) {
      seekStored(tp, stored);
    }
    before.addAll(after);
    if (!listeners.isEmpty()) {
      publish(new StateChange(before.networks, before.apps, before.hosts, before.instances));
    }
    applied = Map.copyOf(store.offsets());
  }

  /** Everything the state holds, for the change that announces a restore. */
  private record Touched(
      Set<Long> networks, Set<StateChange.AppRef> apps, Set<Long> hosts, Set<String> instances) {
    void addAll(Touched o) {
      networks.addAll(o.networks);
      apps.addAll(o.apps);
      hosts.addAll(o.hosts);
      instances.addAll(o.instances);
    }
  }

  private Touched touched() {
    Touched t = new Touched(new HashSet<>(), new HashSet<>(), new HashSet<>(), new HashSet<>());
    if (listeners.isEmpty()) {
      return t;
    }
    var state = store.state();
    for (long network : store.networks()) {
      t.networks.add(network);
      for (String app : state.appsOfNetwork(network)) {
        t.apps.add(new StateChange.AppRef(network, app));
      }
      state.instancesOfNetwork(network, true).forEach(i -> t.instances.add(i.instanceId()));
    }
    state.hosts().forEach(h -> t.hosts.add(h.host()));
    return t;
  }

  /** The newest complete snapshot of this topic whose offsets the log still holds. */
  private Optional<SnapshotTopic.Snapshot> usableSnapshot(
      TopicIdentity topic, Map<TopicPartition, Long> start) {
    if (snapshots.isEmpty()) {
      return Optional.empty();
    }
    Optional<SnapshotTopic.Snapshot> newest = snapshots.get().topic().newestComplete();
    if (newest.isEmpty()) {
      LOG.warn("no complete snapshot in {}", snapshots.get().topic().topic());
      return newest;
    }
    SnapshotTopic.Manifest m = newest.get().manifest();
    if (!m.lifecycle().topicId().equals(topic.topicId())) {
      LOG.warn(
          "snapshot {} is of topic id {}, not {}: unusable",
          m.id(),
          m.lifecycle().topicId(),
          topic.topicId());
      return Optional.empty();
    }
    for (Map.Entry<TopicPartition, Long> e : start.entrySet()) {
      long offset = m.offsets().getOrDefault(e.getKey().partition(), 0L);
      if (offset < e.getValue()) {
        LOG.warn(
            "snapshot {} is at offset {} of partition {}, the log starts at {}: unusable",
            m.id(),
            offset,
            e.getKey().partition(),
            e.getValue());
        return Optional.empty();
      }
    }
    return newest;
  }

  private Map<TopicPartition, Long> beginningOffsets(List<TopicPartition> all) {
    try {
      Map<TopicPartition, Long> start = consumer.beginningOffsets(all, END_OFFSETS_TIMEOUT);
      answered();
      return start;
    } catch (org.apache.kafka.common.errors.TimeoutException e) {
      unanswered(e);
      return null;
    }
  }

  /** The topic's id and partition count, or null if the broker did not answer in time. */
  private TopicIdentity describeTopic(int partitions) {
    try {
      if (admin == null) {
        Properties p = new Properties();
        p.putAll(config.kafkaOverrides());
        p.put("bootstrap.servers", config.bootstrapServers());
        admin = Admin.create(p);
      }
      var description =
          admin
              .describeTopics(List.of(config.topic()))
              .topicNameValues()
              .get(config.topic())
              .get(END_OFFSETS_TIMEOUT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
      answered();
      return new TopicIdentity(description.topicId().toString(), partitions);
    } catch (java.util.concurrent.TimeoutException | ExecutionException e) {
      unanswered(e);
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
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
    // The polling thread waits for its last batch before it returns, so nothing should be queued;
    // still wait for a write in flight: the caller closes the store next, and RocksDB must not be
    // written after it is closed.
    committer.shutdown();
    try {
      if (!committer.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS)) {
        LOG.warn("state store write still running after 30 s; closing anyway");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    snapshotter.shutdown();
    try {
      if (!snapshotter.awaitTermination(60, java.util.concurrent.TimeUnit.SECONDS)) {
        LOG.warn("snapshot still being written after 60 s; closing anyway");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ofSeconds(5)));
    if (admin != null) {
      admin.close(Duration.ofSeconds(5));
    }
  }
}
