package dev.sixpn.projector.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.stream.Stream;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.LRUCache;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteOptions;

/**
 * The projected state: in memory ({@link ProjectedState}, what every read and fold sees) and on
 * disk (RocksDB, one column family per {@link Family}, its primary rows and the Kafka offsets that
 * produced them). Each {@link StoreBatch} is written as one atomic RocksDB write; on open the
 * memory state is rebuilt from the rows.
 *
 * <p>Writes skip the WAL; all column families flush atomically (see the constructor), so after a
 * crash the store holds an older but consistent state with its offsets, and the projector replays
 * the rest. Every {@link RocksDBException} is wrapped with the store's path.
 */
public final class StateStore implements AutoCloseable {

  /**
   * Shared block cache for all column families. The memory state answers every read, so the store
   * is read only by point lookups (a dedup miss, a stored row the fold needs) and by full scans
   * (the load at start, snapshots), which bypass the cache ({@link #scanOptions}): 32 MiB holds the
   * lookups' blocks. A snapshot's scan that filled it took 64 MiB of RSS for nothing.
   */
  public static final long BLOCK_CACHE_BYTES = 32L << 20;

  /**
   * Memtable size per column family. Smaller memtables are cheaper to insert into (a shallower skip
   * list that stays in cache); measured here, 8 MiB inserted 1.4 times faster than 32 MiB.
   */
  public static final long WRITE_BUFFER_BYTES = 16L << 20;

  public static final int BLOOM_BITS_PER_KEY = 10;

  /**
   * 2: primary rows only (the by_address, by_region, by_group and by_host families of version 1 are
   * derived in memory). 3: {@code event_ids} keyed by partition and event time, a window.
   */
  public static final int SCHEMA_VERSION = 3;

  /**
   * How far behind its partition's latest event an event may arrive and still be folded, and so how
   * long its id is kept to recognize a re-published copy (as Kafka keeps a producer's state for
   * {@code producer.id.expiration.ms}, one day by default).
   */
  public static final Duration DEFAULT_DEDUP_HORIZON = Duration.ofDays(1);

  static {
    RocksDB.loadLibrary();
  }

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(StateStore.class);

  private final Path path;
  private final boolean readOnly;
  private final DBOptions dbOptions;
  private final ColumnFamilyOptions cfOptions;
  private final LRUCache cache;
  private final WriteOptions writeOptions;

  /** Full scans read every block once: filling the block cache would only evict what is hot. */
  private final org.rocksdb.ReadOptions scanOptions =
      new org.rocksdb.ReadOptions().setFillCache(false);

  private final RocksDB db;
  private final EnumMap<Family, ColumnFamilyHandle> handles = new EnumMap<>(Family.class);

  /** Handles of families this build does not use (an older schema's), closed with the store. */
  private final List<ColumnFamilyHandle> foreign = new ArrayList<>();

  private final ProjectedState state;

  /** Loads the dedup window's ids after open returned; see {@link #eventIds}. */
  private Thread eventIdLoader;

  private volatile Throwable eventIdLoadFailure;
  private volatile boolean eventIdsLoaded;

  /** Sealed batches not yet written: duplicate checks read their event ids. */
  private final java.util.concurrent.ConcurrentLinkedQueue<StoreBatch> inFlight =
      new java.util.concurrent.ConcurrentLinkedQueue<>();

  private boolean closed;

  /** Whether a batch was written since the last flush; guarded by this. */
  private boolean dirty;

  private long lastFlushNanos = System.nanoTime();

  private StateStore(Path path, boolean readOnly, Duration dedupHorizon) {
    this.path = path;
    this.readOnly = readOnly;
    this.state = new ProjectedState(dedupHorizon);
    this.cache = new LRUCache(BLOCK_CACHE_BYTES);
    // No WAL: every column family is flushed atomically, so the files on disk always hold a state
    // and the offsets that produced it, as of the last flush. A crash loses only the memtables,
    // and the projector replays from the flushed offsets (as Kafka Streams does with its stores).
    this.dbOptions =
        new DBOptions()
            .setCreateIfMissing(true)
            .setCreateMissingColumnFamilies(true)
            .setMaxBackgroundJobs(2)
            .setAtomicFlush(true);
    this.cfOptions =
        new ColumnFamilyOptions()
            .setWriteBufferSize(WRITE_BUFFER_BYTES)
            .setCompressionType(CompressionType.LZ4_COMPRESSION)
            .setTableFormatConfig(
                new BlockBasedTableConfig()
                    .setBlockCache(cache)
                    .setFilterPolicy(new BloomFilter(BLOOM_BITS_PER_KEY)));
    this.writeOptions = new WriteOptions().setDisableWAL(true);
    List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
    for (Family f : Family.values()) {
      descriptors.add(new ColumnFamilyDescriptor(f.nameBytes(), cfOptions));
    }
    List<ColumnFamilyHandle> list = new ArrayList<>();
    try {
      Files.createDirectories(path);
      // RocksDB refuses to open a store without naming every family it has: name an older
      // schema's too, so checkSchema can say what to do instead of RocksDB failing obscurely.
      for (byte[] name : existingFamilies(path)) {
        if (descriptors.stream().noneMatch(d -> java.util.Arrays.equals(d.getName(), name))) {
          descriptors.add(new ColumnFamilyDescriptor(name, cfOptions));
        }
      }
      db =
          readOnly
              ? RocksDB.openReadOnly(dbOptions, path.toString(), descriptors, list)
              : RocksDB.open(dbOptions, path.toString(), descriptors, list);
    } catch (RocksDBException e) {
      closeOptions();
      throw new StoreException(
          "cannot open state store at "
              + path
              + ": "
              + e.getMessage()
              + (String.valueOf(e.getMessage()).contains("lock")
                  ? " (another sixpn process has it open)"
                  : ""),
          e);
    } catch (IOException e) {
      closeOptions();
      throw new UncheckedIOException("cannot create state store directory " + path, e);
    }
    for (Family f : Family.values()) {
      handles.put(f, list.get(f.ordinal()));
    }
    foreign.addAll(list.subList(Family.values().length, list.size()));
    try {
      checkSchema();
      load();
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  private static List<byte[]> existingFamilies(Path path) throws RocksDBException {
    if (!Files.exists(path.resolve("CURRENT"))) {
      return List.of();
    }
    try (org.rocksdb.Options o = new org.rocksdb.Options()) {
      return RocksDB.listColumnFamilies(o, path.toString());
    }
  }

  /**
   * Rebuilds the memory state from the rows: parents first, as the fold creates them. What the
   * agent waits for before it serves, so the work is spread: instance rows are read and decoded
   * (into {@link StoredInstance}s, no {@link dev.sixpn.state.Instance} on the way) on another
   * thread while this one inserts them (the state has one writer). The dedup window's ids, which
   * only the fold needs, load after that on a thread that {@link #eventIds} waits for: open
   * returns, and the agent answers DNS, without waiting for them.
   */
  private void load() {
    long start = System.nanoTime();
    scan(Family.NETWORKS, Keys.EMPTY, (k, v) -> state.putNetwork(Keys.readU32(k, 0), utf8(v)));
    scan(
        Family.APPS,
        Keys.EMPTY,
        (k, v) -> state.putApp(Keys.readU32(k, 0), Keys.appOfRow(k), v.length > 0 && v[0] == 1));
    Throwable[] failed = new Throwable[1];
    BlockingQueue<StoredInstance[]> decoded = new ArrayBlockingQueue<>(16);
    Thread reader =
        Thread.ofPlatform()
            .name("sixpn-load-instances")
            .start(
                () -> {
                  try {
                    readInstances(decoded);
                  } catch (RuntimeException | Error e) {
                    failed[0] = e;
                  } finally {
                    putUninterruptibly(decoded, LOAD_END);
                  }
                });
    StoredInstance[] chunk = take(decoded);
    try {
      for (; chunk != LOAD_END; chunk = take(decoded)) {
        for (StoredInstance i : chunk) {
          if (i == null) {
            break;
          }
          state.put(i);
        }
      }
      scan(Family.HOSTS, Keys.EMPTY, (k, v) -> state.putHost(ValueCodec.decodeHost(v)));
      scan(Family.PEERS, Keys.EMPTY, (k, v) -> state.putPeer(ValueCodec.decodePeer(v)));
      scan(
          Family.PARKED,
          Keys.EMPTY,
          (k, v) ->
              state.parked().put(Keys.instanceRefOf(k), new ParkedEnd(v[0] == 1, readLong(v, 1))));
    } finally {
      // If an insert failed, the reader may be blocked on a full queue: let it finish.
      while (chunk != LOAD_END) {
        chunk = take(decoded);
      }
      joinUninterruptibly(reader);
    }
    rethrow(failed[0]);
    LOG.info(
        "state store loaded path={} {} seconds={}",
        path,
        state.size(),
        String.format("%.2f", (System.nanoTime() - start) / 1e9));
    // Only now: on two cores a third thread would slow the load everything else waits for.
    eventIdLoader =
        Thread.ofPlatform()
            .name("sixpn-load-event-ids")
            .daemon()
            .start(
                () -> {
                  try {
                    long t0 = System.nanoTime();
                    loadEventIds();
                    LOG.info(
                        "dedup window loaded path={} ids={} seconds={}",
                        path,
                        state.eventIds().size(),
                        String.format("%.2f", (System.nanoTime() - t0) / 1e9));
                  } catch (RuntimeException | Error e) {
                    eventIdLoadFailure = e;
                  }
                });
  }

  private static void rethrow(Throwable t) {
    if (t instanceof RuntimeException r) {
      throw r;
    } else if (t instanceof Error e) {
      throw e;
    }
  }

  /** The dedup window, once its ids are loaded (the fold's first batch may wait for them). */
  EventIdSet eventIds() {
    if (!eventIdsLoaded) {
      joinUninterruptibly(eventIdLoader);
      rethrow(eventIdLoadFailure);
      eventIdsLoaded = true;
    }
    return state.eventIds();
  }

  /** Ends the decoded stream of {@link #readInstances}. */
  private static final StoredInstance[] LOAD_END = new StoredInstance[0];

  private static final int LOAD_CHUNK = 4096;

  /**
   * Reads and decodes every instance row, handing them over in chunks (a null ends a short one).
   */
  private void readInstances(BlockingQueue<StoredInstance[]> out) {
    StoredInstance[][] chunk = {new StoredInstance[LOAD_CHUNK]};
    int[] n = {0};
    ProjectedState.RowNames names = state.new RowNames();
    scanValues(
        Family.INSTANCES,
        v -> {
          chunk[0][n[0]++] = ValueCodec.decodeStored(v, names);
          if (n[0] == LOAD_CHUNK) {
            putUninterruptibly(out, chunk[0]);
            chunk[0] = new StoredInstance[LOAD_CHUNK];
            n[0] = 0;
          }
        });
    if (n[0] > 0) {
      putUninterruptibly(out, chunk[0]);
    }
  }

  private void loadEventIds() {
    EventIdSet ids = state.eventIds();
    scan(
        Family.META,
        Keys.DEDUP_PREFIX,
        (k, v) -> {
          ByteBuffer b = ByteBuffer.wrap(v);
          ids.restore(
              ByteBuffer.wrap(k, Keys.DEDUP_PREFIX.length, 4).getInt(), b.getLong(), b.getLong());
        });
    scan(
        Family.EVENT_IDS,
        Keys.EMPTY,
        (k, v) -> {
          long mark = Keys.eventIdMark(k);
          // Rows below the horizon that no range deletion reached yet stay out of memory.
          if (!ids.expired(EventIdSet.partitionOf(mark), EventIdSet.timeOf(mark))) {
            ids.add(EventIdSet.hash(Keys.eventIdOf(k)), mark);
          }
        });
  }

  private static <T> void putUninterruptibly(BlockingQueue<T> queue, T value) {
    boolean interrupted = false;
    while (true) {
      try {
        queue.put(value);
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** Uninterruptible: the reader must be drained before the store can close. */
  private static <T> T take(BlockingQueue<T> queue) {
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return queue.take();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static void joinUninterruptibly(Thread t) {
    boolean interrupted = false;
    while (true) {
      try {
        t.join();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private static long readLong(byte[] b, int off) {
    return ByteBuffer.wrap(b, off, 8).getLong();
  }

  private static String utf8(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }

  /** Opens (creating if needed) the store in {@code path}. */
  public static StateStore open(Path path) {
    return open(path, DEFAULT_DEDUP_HORIZON);
  }

  /** Opens the store with another dedup horizon than {@link #DEFAULT_DEDUP_HORIZON}. */
  public static StateStore open(Path path, Duration dedupHorizon) {
    return new StateStore(path, false, dedupHorizon);
  }

  /**
   * Opens the store; one an older build wrote is deleted first, so the projector replays the log
   * into a new one (as Kafka Streams does with a local store it cannot use: it only ever held a
   * projection). What the agent uses.
   */
  public static StateStore openOrRebuild(Path path) {
    try {
      return open(path);
    } catch (IncompatibleStoreException e) {
      LOG.warn("state store incompatible, deleting it to replay the log: {}", e.getMessage());
      destroy(path);
      return open(path);
    }
  }

  /** Opens an existing store read-only; works while the agent has it open. */
  public static StateStore openReadOnly(Path path) {
    if (!Files.isDirectory(path)) {
      throw new StoreException("no state store at " + path, null);
    }
    return new StateStore(path, true, DEFAULT_DEDUP_HORIZON);
  }

  /** Deletes the store's files; the store must be closed. */
  public static void destroy(Path path) {
    if (!Files.exists(path)) {
      return;
    }
    try (Stream<Path> files = Files.walk(path)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete state store " + path, e);
    }
  }

  private void checkSchema() {
    try {
      byte[] v = db.get(handle(Family.META), Keys.SCHEMA);
      if (v == null && !foreign.isEmpty()) {
        v = ByteBuffer.allocate(4).putInt(1).array();
      }
      if (v == null && !readOnly) {
        db.put(
            handle(Family.META),
            Keys.SCHEMA,
            ByteBuffer.allocate(4).putInt(SCHEMA_VERSION).array());
      } else if (v != null && ByteBuffer.wrap(v).getInt() != SCHEMA_VERSION) {
        throw new IncompatibleStoreException(
            "state store at "
                + path
                + " has schema "
                + ByteBuffer.wrap(v).getInt()
                + ", this build writes "
                + SCHEMA_VERSION
                + "; run `sixpn state rebuild`");
      }
    } catch (RocksDBException e) {
      throw failure("check schema", e);
    }
  }

  public Path path() {
    return path;
  }

  ColumnFamilyHandle handle(Family f) {
    return handles.get(f);
  }

  StoreException failure(String operation, RocksDBException e) {
    return new StoreException(
        "state store " + path + ": " + operation + " failed: " + e.getMessage(), e);
  }

  /** The state every read and fold sees: the {@link dev.sixpn.state.StateReader} to hand out. */
  public ProjectedState state() {
    return state;
  }

  public StoreBatch newBatch() {
    if (readOnly) {
      throw new IllegalStateException("state store " + path + " is open read-only");
    }
    return new StoreBatch();
  }

  /**
   * Marks the batch in flight, so duplicate checks still find its event ids while another thread
   * writes it. Call on the fold thread after the batch's last fold; then hand it to {@link #write}.
   */
  public void seal(StoreBatch batch) {
    inFlight.add(batch);
  }

  /**
   * Serializes a sealed batch and writes its rows and offsets in one atomic write. May run on
   * another thread than the fold, one batch at a time, in the order they were sealed.
   */
  public void write(StoreBatch batch) {
    WriteBatchEncoder encoder = new WriteBatchEncoder(batch.estimatedBytes());
    batch.encodeInto(this, encoder);
    try (org.rocksdb.WriteBatch wb = new org.rocksdb.WriteBatch(encoder.toBytes())) {
      db.write(writeOptions, wb);
      synchronized (this) {
        dirty = true;
      }
    } catch (RocksDBException e) {
      throw failure("commit", e);
    } finally {
      // Only after the write: a duplicate check between the two finds the id in one or the other.
      inFlight.remove(batch);
    }
  }

  /**
   * Starts a flush of every memtable (atomically, in the background) if a batch was written since
   * the last flush and that was at least {@code minInterval} ago. Without a WAL the memtables are
   * the only copy of recent batches: a SIGKILL loses them, and the restarted agent serves the older
   * flushed state until the broker replays the rest. Flushing when the projector is idle (and now
   * and then when it is not) keeps that loss to seconds without a WAL on every batch. A failed
   * flush is logged: the next one, or RocksDB's own when a memtable fills, retries.
   */
  public synchronized void flushIfDirty(java.time.Duration minInterval) {
    long now = System.nanoTime();
    if (!dirty || closed || now - lastFlushNanos < minInterval.toNanos()) {
      return;
    }
    dirty = false;
    lastFlushNanos = now;
    try (org.rocksdb.FlushOptions flush = new org.rocksdb.FlushOptions().setWaitForFlush(false)) {
      db.flush(flush, new ArrayList<>(handles.values()));
    } catch (RocksDBException e) {
      dirty = true;
      LOG.warn("state store {}: background flush failed: {}", path, e.getMessage());
    }
  }

  /** Seals and writes the batch on this thread: state and offsets together, or neither. */
  public void commit(StoreBatch batch) {
    seal(batch);
    write(batch);
  }

  /** Exact check behind {@link EventIdSet}: an id of a batch in flight or committed. */
  boolean hasEvent(String eventId, long mark) {
    for (StoreBatch b : inFlight) {
      if (b.eventIds.containsKey(eventId)) {
        return true;
      }
    }
    return get(Family.EVENT_IDS, Keys.eventId(mark, eventId)) != null;
  }

  /** Ids in the dedup window's memory table. */
  public int eventIdsInMemory() {
    return eventIds().size();
  }

  /** Slots of the dedup window's memory table: 16 bytes each. */
  public int eventIdSlots() {
    return eventIds().capacity();
  }

  /**
   * RocksDB's own memory, outside the JVM heap: what RSS holds besides the heap and the JVM.
   *
   * @param memtableBytes the memtables of every family, active and waiting to be flushed
   * @param blockCacheBytes the shared block cache ({@link #BLOCK_CACHE_BYTES} at most)
   * @param tableReaderBytes index and filter blocks of the open table files (not in the cache)
   */
  public record NativeMemory(long memtableBytes, long blockCacheBytes, long tableReaderBytes) {}

  /** RocksDB's memory now, from its properties (all families). */
  public synchronized NativeMemory nativeMemory() {
    if (closed) {
      return new NativeMemory(0, 0, 0);
    }
    try {
      return new NativeMemory(
          db.getAggregatedLongProperty("rocksdb.cur-size-all-mem-tables"),
          cache.getUsage(),
          db.getAggregatedLongProperty("rocksdb.estimate-table-readers-mem"));
    } catch (RocksDBException e) {
      throw new StoreException("cannot read the memory properties of the store at " + path, e);
    }
  }

  /** Rows in {@code event_ids}, counted by a scan: for tests and benchmarks. */
  public long eventIdRows() {
    long[] n = {0};
    scan(Family.EVENT_IDS, Keys.EMPTY, (k, v) -> n[0]++);
    return n[0];
  }

  /** Next offset to read per partition, as committed. */
  public Map<Integer, Long> offsets() {
    Map<Integer, Long> out = new LinkedHashMap<>();
    scan(
        Family.META,
        Keys.OFFSET_PREFIX,
        (k, v) ->
            out.put(
                ByteBuffer.wrap(k, Keys.OFFSET_PREFIX.length, 4).getInt(),
                ByteBuffer.wrap(v).getLong()));
    return out;
  }

  /** The topic the offsets were read from, if one was recorded. */
  public Optional<TopicIdentity> topic() {
    byte[] v = get(Family.META, Keys.TOPIC);
    if (v == null) {
      return Optional.empty();
    }
    int zero = v.length - 5;
    return Optional.of(
        new TopicIdentity(
            new String(v, 0, zero, StandardCharsets.UTF_8),
            ByteBuffer.wrap(v, zero + 1, 4).getInt()));
  }

  /** Records the topic the offsets belong to (written before the first batch of a new topic). */
  public void putTopic(TopicIdentity topic) {
    try {
      db.put(handle(Family.META), Keys.TOPIC, encodeTopic(topic));
    } catch (RocksDBException e) {
      throw failure("write topic", e);
    }
  }

  private static byte[] encodeTopic(TopicIdentity topic) {
    byte[] id = topic.topicId().getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(id.length + 5)
        .put(id)
        .put((byte) 0)
        .putInt(topic.partitions())
        .array();
  }

  /**
   * Hands every primary row to {@code sink} and returns the offsets they were folded to, both read
   * from one RocksDB snapshot: consistent with each other while the fold goes on writing. Safe on
   * any thread.
   */
  public Map<Integer, Long> exportRows(java.util.function.Consumer<SnapshotRow> sink) {
    org.rocksdb.Snapshot snapshot = db.getSnapshot();
    try (org.rocksdb.ReadOptions read =
        new org.rocksdb.ReadOptions().setSnapshot(snapshot).setFillCache(false)) {
      for (Family f : SnapshotRow.PRIMARY) {
        try (RocksIterator it = db.newIterator(handle(f), read)) {
          for (it.seekToFirst(); it.isValid(); it.next()) {
            sink.accept(new SnapshotRow(f, it.key(), it.value()));
          }
        }
      }
      Map<Integer, Long> offsets = new LinkedHashMap<>();
      try (RocksIterator it = db.newIterator(handle(Family.META), read)) {
        for (it.seek(Keys.OFFSET_PREFIX); it.isValid(); it.next()) {
          byte[] key = it.key();
          if (!Keys.startsWith(key, Keys.OFFSET_PREFIX)) {
            break;
          }
          offsets.put(
              ByteBuffer.wrap(key, Keys.OFFSET_PREFIX.length, 4).getInt(),
              ByteBuffer.wrap(it.value()).getLong());
        }
      }
      return offsets;
    } finally {
      db.releaseSnapshot(snapshot);
    }
  }

  /**
   * Replaces the whole state with {@code rows} folded to {@code offsets} of {@code topic}, in ONE
   * write batch: every row, offset, dedup mark and quarantine entry of before is deleted in it, so
   * a crash leaves either the old store or the new one. Then the memory state is rebuilt from the
   * rows. With no rows and no offsets this empties the store, for a replay from the beginning. Call
   * on the fold thread with no batch in flight; readers meanwhile see a partial state, which is why
   * the projector reports itself not caught up until the tail is replayed.
   */
  public void restore(Iterable<SnapshotRow> rows, Map<Integer, Long> offsets, TopicIdentity topic) {
    if (readOnly) {
      throw new IllegalStateException("state store " + path + " is open read-only");
    }
    eventIds(); // the loader must not be reading while the rows change under it
    try (org.rocksdb.WriteBatch wb = new org.rocksdb.WriteBatch()) {
      for (Family f :
          List.of(
              Family.NETWORKS,
              Family.APPS,
              Family.INSTANCES,
              Family.HOSTS,
              Family.PEERS,
              Family.PARKED,
              Family.EVENT_IDS,
              Family.QUARANTINE)) {
        deleteAll(wb, f, Keys.EMPTY);
      }
      deleteAll(wb, Family.META, Keys.OFFSET_PREFIX);
      deleteAll(wb, Family.META, Keys.DEDUP_PREFIX);
      for (SnapshotRow r : rows) {
        wb.put(handle(r.family()), r.key(), r.value());
      }
      for (Map.Entry<Integer, Long> e : offsets.entrySet()) {
        wb.put(
            handle(Family.META),
            Keys.offset(e.getKey()),
            ByteBuffer.allocate(8).putLong(e.getValue()).array());
      }
      wb.put(handle(Family.META), Keys.TOPIC, encodeTopic(topic));
      db.write(writeOptions, wb);
      synchronized (this) {
        dirty = true;
      }
    } catch (RocksDBException e) {
      throw failure("restore", e);
    }
    flushIfDirty(Duration.ZERO);
    state.clear();
    eventIdsLoaded = false;
    load();
  }

  private void deleteAll(org.rocksdb.WriteBatch wb, Family f, byte[] prefix)
      throws RocksDBException {
    try (RocksIterator it = db.newIterator(handle(f), scanOptions)) {
      for (it.seek(prefix); it.isValid(); it.next()) {
        byte[] key = it.key();
        if (!Keys.startsWith(key, prefix)) {
          break;
        }
        wb.delete(handle(f), key);
      }
    }
  }

  byte[] get(Family f, byte[] key) {
    try {
      return db.get(handle(f), key);
    } catch (RocksDBException e) {
      throw failure("read " + f.cfName(), e);
    }
  }

  void scan(Family f, byte[] prefix, java.util.function.BiConsumer<byte[], byte[]> visitor) {
    try (RocksIterator it = db.newIterator(handle(f), scanOptions)) {
      for (it.seek(prefix); it.isValid(); it.next()) {
        // Each key() is a copy across JNI: one per row.
        byte[] key = it.key();
        if (!Keys.startsWith(key, prefix)) {
          break;
        }
        visitor.accept(key, it.value());
      }
    }
  }

  /**
   * Every value of a family, keys unread: the load's full scan of the instances, where a copy of
   * each key across JNI would be wasted.
   */
  private void scanValues(Family f, java.util.function.Consumer<byte[]> visitor) {
    try (RocksIterator it = db.newIterator(handle(f), scanOptions)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        visitor.accept(it.value());
      }
    }
  }

  /** Networks that exist, ascending. */
  public List<Long> networks() {
    return state.networkIds();
  }

  /** The network's name ("" if it was implied by an app or instance), if it exists. */
  public Optional<String> networkName(long network) {
    return state.networkName(network);
  }

  /** Quarantined records as stored (JSON each), in partition/offset order. */
  public List<String> quarantined() {
    List<String> out = new ArrayList<>();
    scan(Family.QUARANTINE, new byte[0], (k, v) -> out.add(new String(v, StandardCharsets.UTF_8)));
    return out;
  }

  /**
   * SHA-256 over every column family's keys and values, in order. Two stores that folded the same
   * log to the same offsets have the same digest.
   */
  public String digest() {
    return digest(java.util.Set.of());
  }

  /**
   * The digest of the state alone: without offsets, schema, quarantine, the dedup window (whose
   * keys hold the partition an event came from) and the parked stops (quarantined events held for a
   * start that may never come: no reader sees them).
   */
  public String stateDigest() {
    return digest(
        java.util.Set.of(Family.META, Family.QUARANTINE, Family.EVENT_IDS, Family.PARKED));
  }

  private String digest(java.util.Set<Family> excluded) {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
    for (Family f : Family.values()) {
      if (excluded.contains(f)) {
        continue;
      }
      md.update(f.nameBytes());
      scan(
          f,
          new byte[0],
          (k, v) -> {
            md.update(ByteBuffer.allocate(4).putInt(k.length).array());
            md.update(k);
            md.update(ByteBuffer.allocate(4).putInt(v.length).array());
            md.update(v);
          });
    }
    return HexFormat.of().formatHex(md.digest());
  }

  /**
   * Closes handles, then the database, then the options they were made from (RocksDB requires that
   * order: handles and options must outlive the DB that uses them). Safe to call twice.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    // The loader reads RocksDB: it must be done before the database closes.
    if (eventIdLoader != null) {
      joinUninterruptibly(eventIdLoader);
    }
    if (!readOnly) {
      // Without a WAL the memtables are the only copy of recent batches: flush them first.
      try (org.rocksdb.FlushOptions flush = new org.rocksdb.FlushOptions().setWaitForFlush(true)) {
        db.flush(flush, new ArrayList<>(handles.values()));
      } catch (RocksDBException e) {
        LOG.warn(
            "state store {}: flush on close failed, the next start replays from older offsets: {}",
            path,
            e.getMessage());
      }
    }
    handles.values().forEach(ColumnFamilyHandle::close);
    foreign.forEach(ColumnFamilyHandle::close);
    db.close();
    closeOptions();
  }

  private void closeOptions() {
    scanOptions.close();
    writeOptions.close();
    dbOptions.close();
    cfOptions.close();
    cache.close();
  }
}
