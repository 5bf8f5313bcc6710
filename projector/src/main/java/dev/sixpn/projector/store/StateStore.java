package dev.sixpn.projector.store;

import dev.sixpn.address.SixpnAddress;
import dev.sixpn.state.GeoPoint;
import dev.sixpn.state.Host;
import dev.sixpn.state.Instance;
import dev.sixpn.state.StateReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeSet;
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
 * The projected state on disk: RocksDB with one column family per {@link Family}. Implements the
 * {@link StateReader} over committed data; {@link StoreBatch}es change it atomically together with
 * the Kafka offsets that produced the change.
 *
 * <p>Writes skip the WAL; all column families flush atomically (see the constructor), so after a
 * crash the store holds an older but consistent state with its offsets, and the projector replays
 * the rest. Every {@link RocksDBException} is wrapped with the store's path.
 */
public final class StateStore implements StateReader, AutoCloseable {

  /** Shared block cache for all column families. */
  public static final long BLOCK_CACHE_BYTES = 64L << 20;

  /** Memtable size per column family; big enough that a bootstrap flushes rarely. */
  public static final long WRITE_BUFFER_BYTES = 32L << 20;

  public static final int BLOOM_BITS_PER_KEY = 10;

  public static final int SCHEMA_VERSION = 1;

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
  private final RocksDB db;
  private final EnumMap<Family, ColumnFamilyHandle> handles = new EnumMap<>(Family.class);
  private boolean closed;

  private StateStore(Path path, boolean readOnly) {
    this.path = path;
    this.readOnly = readOnly;
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
    if (!readOnly) {
      checkSchema();
    }
  }

  /** Opens (creating if needed) the store in {@code path}. */
  public static StateStore open(Path path) {
    return new StateStore(path, false);
  }

  /** Opens an existing store read-only; works while the agent has it open. */
  public static StateStore openReadOnly(Path path) {
    if (!Files.isDirectory(path)) {
      throw new StoreException("no state store at " + path, null);
    }
    return new StateStore(path, true);
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
      if (v == null) {
        db.put(
            handle(Family.META),
            Keys.SCHEMA,
            ByteBuffer.allocate(4).putInt(SCHEMA_VERSION).array());
      } else if (ByteBuffer.wrap(v).getInt() != SCHEMA_VERSION) {
        throw new StoreException(
            "state store at "
                + path
                + " has schema "
                + ByteBuffer.wrap(v).getInt()
                + ", this build writes "
                + SCHEMA_VERSION
                + "; run `sixpn state rebuild`",
            null);
      }
    } catch (RocksDBException e) {
      throw failure("check schema", e);
    }
  }

  public Path path() {
    return path;
  }

  RocksDB db() {
    return db;
  }

  ColumnFamilyHandle handle(Family f) {
    return handles.get(f);
  }

  StoreException failure(String operation, RocksDBException e) {
    return new StoreException(
        "state store " + path + ": " + operation + " failed: " + e.getMessage(), e);
  }

  public StoreBatch newBatch() {
    if (readOnly) {
      throw new IllegalStateException("state store " + path + " is open read-only");
    }
    return new StoreBatch(this);
  }

  /**
   * Applies several batches as ONE atomic write. Their keys must be disjoint (the projector folds
   * groups of networks in parallel, each into its own batch, and commits them together so a
   * partition's offset never runs ahead of any of its records).
   */
  public void commit(List<StoreBatch> batches) {
    int entries = 0;
    for (StoreBatch b : batches) {
      entries += b.size();
    }
    WriteBatchEncoder encoder = new WriteBatchEncoder(entries * 64);
    for (StoreBatch b : batches) {
      b.encodeInto(encoder);
    }
    try (org.rocksdb.WriteBatch wb = new org.rocksdb.WriteBatch(encoder.toBytes())) {
      db.write(writeOptions, wb);
    } catch (RocksDBException e) {
      throw failure("commit", e);
    }
  }

  /** Applies the batch atomically: state and offsets together, or neither. */
  public void commit(StoreBatch batch) {
    commit(List.of(batch));
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

  public OptionalLong offset(int partition) {
    byte[] v = get(Family.META, Keys.offset(partition));
    return v == null ? OptionalLong.empty() : OptionalLong.of(ByteBuffer.wrap(v).getLong());
  }

  byte[] get(Family f, byte[] key) {
    try {
      return db.get(handle(f), key);
    } catch (RocksDBException e) {
      throw failure("read " + f.cfName(), e);
    }
  }

  void scan(Family f, byte[] prefix, java.util.function.BiConsumer<byte[], byte[]> visitor) {
    try (RocksIterator it = db.newIterator(handle(f))) {
      for (it.seek(prefix); it.isValid() && Keys.startsWith(it.key(), prefix); it.next()) {
        visitor.accept(it.key(), it.value());
      }
    }
  }

  // ---- StateReader ----

  @Override
  public Optional<Instance> instanceByAddress(SixpnAddress address) {
    byte[] key = get(Family.BY_ADDRESS, address.toBytes());
    return key == null
        ? Optional.empty()
        : Optional.ofNullable(get(Family.INSTANCES, key)).map(ValueCodec::decodeInstance);
  }

  @Override
  public Optional<Instance> instance(long network, String app, String instanceId) {
    return Optional.ofNullable(get(Family.INSTANCES, Keys.instance(network, app, instanceId)))
        .map(ValueCodec::decodeInstance);
  }

  @Override
  public List<Instance> instancesOfApp(long network, String app, boolean includeStopped) {
    List<Instance> out = new ArrayList<>();
    scan(
        Family.INSTANCES,
        Keys.app(network, app),
        (k, v) -> addIf(out, ValueCodec.decodeInstance(v), includeStopped));
    return out;
  }

  @Override
  public List<Instance> instancesOfAppInRegion(long network, String app, String region) {
    return viaIndex(Family.BY_REGION, Keys.region(network, app, region), network, app);
  }

  @Override
  public List<Instance> instancesOfProcessGroup(long network, String app, String processGroup) {
    return viaIndex(Family.BY_GROUP, Keys.group(network, app, processGroup), network, app);
  }

  private List<Instance> viaIndex(Family index, byte[] prefix, long network, String app) {
    List<Instance> out = new ArrayList<>();
    scan(
        index,
        prefix,
        (k, v) ->
            instance(network, app, Keys.lastLabel(k))
                .filter(Instance::started)
                .ifPresent(out::add));
    return out;
  }

  @Override
  public List<Instance> instancesOfNetwork(long network, boolean includeStopped) {
    List<Instance> out = new ArrayList<>();
    scan(
        Family.INSTANCES,
        Keys.network(network),
        (k, v) -> addIf(out, ValueCodec.decodeInstance(v), includeStopped));
    out.sort(Comparator.comparing(Instance::instanceId).thenComparing(Instance::app));
    return out;
  }

  @Override
  public List<Instance> instancesOnHost(long host) {
    List<Instance> out = new ArrayList<>();
    scan(
        Family.BY_HOST,
        Keys.u32(host),
        (k, v) -> {
          byte[] instanceKey = java.util.Arrays.copyOfRange(k, 4, k.length);
          byte[] value = get(Family.INSTANCES, instanceKey);
          if (value != null) {
            out.add(ValueCodec.decodeInstance(value));
          }
        });
    out.sort(Comparator.comparing(Instance::instanceId).thenComparing(Instance::app));
    return out;
  }

  private static void addIf(List<Instance> out, Instance i, boolean includeStopped) {
    if (includeStopped || i.started()) {
      out.add(i);
    }
  }

  @Override
  public boolean appExists(long network, String app) {
    return get(Family.APPS, Keys.appRow(network, app)) != null;
  }

  @Override
  public List<String> appsOfNetwork(long network) {
    List<String> out = new ArrayList<>();
    scan(Family.APPS, Keys.network(network), (k, v) -> out.add(Keys.appOfRow(k)));
    out.sort(null);
    return out;
  }

  @Override
  public List<String> regionsOfApp(long network, String app, boolean includeStopped) {
    TreeSet<String> regions = new TreeSet<>();
    for (Instance i : instancesOfApp(network, app, includeStopped)) {
      regions.add(i.region());
    }
    return List.copyOf(regions);
  }

  @Override
  public boolean networkExists(long network) {
    return get(Family.NETWORKS, Keys.network(network)) != null;
  }

  /** Networks that exist, ascending. */
  public List<Long> networks() {
    List<Long> out = new ArrayList<>();
    scan(Family.NETWORKS, new byte[0], (k, v) -> out.add(Keys.readU32(k, 0)));
    return out;
  }

  @Override
  public Optional<Host> host(long host) {
    return Optional.ofNullable(get(Family.HOSTS, Keys.u32(host))).map(ValueCodec::decodeHost);
  }

  @Override
  public List<Host> hosts() {
    List<Host> out = new ArrayList<>();
    scan(Family.HOSTS, new byte[0], (k, v) -> out.add(ValueCodec.decodeHost(v)));
    return out;
  }

  @Override
  public Optional<GeoPoint> regionLocation(String region) {
    return hosts().stream()
        .filter(h -> h.region().equals(region))
        .findFirst()
        .map(h -> new GeoPoint(h.latitude(), h.longitude()));
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

  /** The digest of the state alone: without offsets, schema and quarantine. */
  public String stateDigest() {
    return digest(java.util.Set.of(Family.META, Family.QUARANTINE));
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
    db.close();
    closeOptions();
  }

  private void closeOptions() {
    writeOptions.close();
    dbOptions.close();
    cfOptions.close();
    cache.close();
  }
}
