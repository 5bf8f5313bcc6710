package dev.sixpn.dataplane.bpf;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A pinned hash or array map with typed keys and values. Operations are serialized on the map (one
 * scratch area, no allocation per call), which is what the single reconciler thread needs; readers
 * such as the metrics scrape take the same lock briefly.
 */
public class BpfMap<K, V> implements Table<K, V>, AutoCloseable {

  private final String name;
  private final String path;
  private final MapCodec<K> keyCodec;
  private final MapCodec<V> valueCodec;
  private final MapOp.Observer observer;
  private final int fd;
  private final MapInfo info;
  private final Arena arena = Arena.ofShared();
  private final MemorySegment attr;
  private final MemorySegment capture;
  private final MemorySegment key;
  private final MemorySegment nextKey;
  private final MemorySegment value;
  private boolean closed;
  private boolean batchSupported = true;

  /**
   * Opens the map pinned at {@code path} and checks it is the map this code was built for.
   *
   * @param valueBytes bytes of one value as the kernel copies it (more than the layout for per-CPU
   *     maps)
   */
  protected BpfMap(
      String path,
      int expectedType,
      MapCodec<K> keyCodec,
      MapCodec<V> valueCodec,
      long valueBytes,
      MapOp.Observer observer) {
    this.path = path;
    this.keyCodec = keyCodec;
    this.valueCodec = valueCodec;
    this.observer = observer;
    this.fd = Bpf.objGet(path);
    try {
      this.info = Bpf.mapInfo(fd);
      this.name = info.name();
      check(expectedType, keyCodec.layout().byteSize(), valueCodec.layout().byteSize());
    } catch (RuntimeException e) {
      Bpf.close(fd);
      throw e;
    }
    this.attr = arena.allocate(Bpf.ELEM_ATTR_SIZE, 8);
    this.capture = Bpf.allocateErrnoCapture(arena);
    this.key = arena.allocate(keyCodec.layout().byteSize(), 8);
    this.nextKey = arena.allocate(keyCodec.layout().byteSize(), 8);
    this.value = arena.allocate(valueBytes, 8);
  }

  public BpfMap(
      String path,
      int expectedType,
      MapCodec<K> keyCodec,
      MapCodec<V> valueCodec,
      MapOp.Observer observer) {
    this(path, expectedType, keyCodec, valueCodec, valueCodec.layout().byteSize(), observer);
  }

  private void check(int expectedType, long keySize, long valueSize) {
    if (info.type() != expectedType || info.keySize() != keySize || info.valueSize() != valueSize) {
      throw new BpfException(
          "map pinned at "
              + path
              + " is type "
              + info.type()
              + " with key "
              + info.keySize()
              + " B and value "
              + info.valueSize()
              + " B, but this build expects type "
              + expectedType
              + ", key "
              + keySize
              + " B, value "
              + valueSize
              + " B: the pins are from another version of the programs; stop the agent, remove"
              + " the pin directory and start it again");
    }
  }

  public String name() {
    return name;
  }

  public MapInfo info() {
    return info;
  }

  public synchronized Optional<V> lookup(K k) {
    ensureOpen();
    keyCodec.write(key, k);
    long r = elemCall(Bpf.BPF_MAP_LOOKUP_ELEM, key, value, 0);
    if (r == -Errno.ENOENT) {
      observer.observe(MapOp.LOOKUP, true);
      return Optional.empty();
    }
    fail(MapOp.LOOKUP, r, k);
    return Optional.of(readValue(value));
  }

  @Override
  public synchronized void put(K k, V v) {
    ensureOpen();
    keyCodec.write(key, k);
    writeValue(value, v);
    fail(MapOp.UPDATE, elemCall(Bpf.BPF_MAP_UPDATE_ELEM, key, value, Bpf.BPF_ANY), k);
  }

  /**
   * Deletes {@code k}; a key that is already absent is not an error. Returns true if it was there.
   */
  @Override
  public synchronized boolean delete(K k) {
    ensureOpen();
    keyCodec.write(key, k);
    long r = elemCall(Bpf.BPF_MAP_DELETE_ELEM, key, MemorySegment.NULL, 0);
    if (r == -Errno.ENOENT) {
      observer.observe(MapOp.DELETE, true);
      return false;
    }
    fail(MapOp.DELETE, r, k);
    return true;
  }

  /** Every key, by BPF_MAP_GET_NEXT_KEY from a null key. */
  public synchronized List<K> keys() {
    ensureOpen();
    List<K> keys = new ArrayList<>();
    MemorySegment from = MemorySegment.NULL;
    while (true) {
      long r = elemCall(Bpf.BPF_MAP_GET_NEXT_KEY, from, nextKey, 0);
      if (r == -Errno.ENOENT) {
        observer.observe(MapOp.NEXT_KEY, true);
        return keys;
      }
      fail(MapOp.NEXT_KEY, r, null);
      keys.add(keyCodec.read(nextKey));
      MemorySegment.copy(nextKey, 0, key, 0, key.byteSize());
      from = key;
      if (keys.size() > info.maxEntries()) {
        // A hash map walked while another writer deletes can restart from the first key.
        throw new BpfException(
            "iterating " + name + " did not terminate: is another process writing it?");
      }
    }
  }

  /**
   * Every entry. Read with BPF_MAP_LOOKUP_BATCH (a few syscalls for the whole map, kernel 5.6+);
   * where the kernel or map type has no batch support, by walking the keys and looking each up
   * (entries deleted between the walk and the lookup are left out).
   */
  @Override
  public synchronized Map<K, V> entries() {
    ensureOpen();
    if (batchSupported) {
      Map<K, V> batched = lookupBatch();
      if (batched != null) {
        return batched;
      }
    }
    Map<K, V> out = new LinkedHashMap<>();
    for (K k : keys()) {
      lookup(k).ifPresent(v -> out.put(k, v));
    }
    return out;
  }

  private static final int BATCH = 256;

  /** The whole map by batches, or null if the kernel refuses batch lookups for this map. */
  private Map<K, V> lookupBatch() {
    long keySize = keyCodec.layout().byteSize();
    long valueSize = value.byteSize();
    Map<K, V> out = new LinkedHashMap<>();
    try (Arena call = Arena.ofConfined()) {
      MemorySegment battr = call.allocate(Bpf.BATCH_ATTR_SIZE, 8);
      MemorySegment in = call.allocate(8, 8);
      MemorySegment outToken = call.allocate(8, 8);
      MemorySegment keys = call.allocate(keySize * BATCH, 8);
      MemorySegment values = call.allocate(valueSize * BATCH, 8);
      boolean first = true;
      while (true) {
        battr.fill((byte) 0);
        battr.set(JAVA_LONG, 0, first ? 0 : in.address());
        battr.set(JAVA_LONG, 8, outToken.address());
        battr.set(JAVA_LONG, 16, keys.address());
        battr.set(JAVA_LONG, 24, values.address());
        battr.set(JAVA_INT, 32, BATCH);
        battr.set(JAVA_INT, 36, fd);
        long r = Bpf.call(Bpf.BPF_MAP_LOOKUP_BATCH, battr, Bpf.BATCH_ATTR_SIZE, capture);
        int errno = r < 0 ? (int) -r : 0;
        if (errno != 0 && errno != Errno.ENOENT) {
          if (errno == Errno.EINVAL
              || errno == 524 /* ENOTSUPP */
              || errno == 95 /* EOPNOTSUPP */) {
            batchSupported = false;
            return null;
          }
          if (errno == 28 /* ENOSPC: one hash bucket holds more than BATCH entries */) {
            return null;
          }
          fail(MapOp.LOOKUP, r, null);
        }
        observer.observe(MapOp.LOOKUP, true);
        int n = battr.get(JAVA_INT, 32);
        for (int i = 0; i < n; i++) {
          out.put(
              keyCodec.read(keys.asSlice(i * keySize, keySize)),
              readValue(values.asSlice(i * valueSize, valueSize)));
        }
        if (errno == Errno.ENOENT) {
          return out;
        }
        MemorySegment.copy(outToken, 0, in, 0, 8);
        first = false;
      }
    }
  }

  protected V readValue(MemorySegment raw) {
    return valueCodec.read(raw);
  }

  protected void writeValue(MemorySegment raw, V v) {
    valueCodec.write(raw, v);
  }

  private long elemCall(int cmd, MemorySegment k, MemorySegment v, long flags) {
    attr.set(JAVA_INT, Bpf.ATTR_MAP_FD, fd);
    attr.set(JAVA_INT, Bpf.ATTR_MAP_FD + 4, 0);
    attr.set(JAVA_LONG, Bpf.ATTR_KEY, k.address());
    attr.set(JAVA_LONG, Bpf.ATTR_VALUE, v.address());
    attr.set(JAVA_LONG, Bpf.ATTR_FLAGS, flags);
    return Bpf.call(cmd, attr, Bpf.ELEM_ATTR_SIZE, capture);
  }

  private void fail(MapOp op, long r, Object k) {
    if (r >= 0) {
      observer.observe(op, true);
      return;
    }
    observer.observe(op, false);
    int errno = (int) -r;
    String hint =
        switch (errno) {
          case Errno.E2BIG, Errno.ENOMEM ->
              "map "
                  + name
                  + " is full ("
                  + info.maxEntries()
                  + " entries): raise max_entries in sixpn.bpf.c";
          default -> Errno.genericHint(errno);
        };
    throw new BpfException(op + " on map " + name + (k == null ? "" : " key " + k), errno, hint);
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("map " + name + " is closed");
    }
  }

  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      Bpf.close(fd);
      arena.close();
    }
  }
}
