package dev.sixpn.projector.store;

import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The dedup window: the ids of the events folded within the last {@code horizon} of event time, per
 * partition, behind that partition's latest folded event (its watermark). An event older than that
 * is <em>expired</em>: it is never folded, since a re-published copy could no longer be told from a
 * late original. So memory follows the event rate times the horizon, not the history.
 *
 * <p>Each id is a 64-bit hash with its mark (partition and event time) in an open-addressing table:
 * a miss proves an id is new; a hit is confirmed against the exact row (the batch's own ids, those
 * in flight, RocksDB's {@code event_ids} under the mark's key), so a hash collision costs a read,
 * never an event. Expired entries leave the table when it fills up, before it would grow; their
 * rows leave RocksDB by range deletions whose points ({@link #purgeDue}) depend only on each
 * partition's own events, so a replay deletes exactly what the first run did.
 *
 * <p>Written by the fold thread only.
 */
final class EventIdSet {

  /** Bits of a mark that hold the partition; the event time in milliseconds sits above them. */
  static final int PARTITION_BITS = 20;

  static final int MAX_PARTITIONS = 1 << PARTITION_BITS;

  /** Event times are kept in 0..2^43 ms (until the year 2248), so a mark stays positive. */
  static final long MAX_TIME_MILLIS = (1L << (63 - PARTITION_BITS)) - 1;

  private static final int INITIAL_CAPACITY = 1 << 16;

  /** Rebuilds at this load: linear probing stays short below ~0.6. */
  private static final double MAX_LOAD = 0.5;

  /** A rebuilt table is at most this full, so the next rebuild is a third of the size away. */
  private static final double REBUILT_LOAD = 0.375;

  private final long horizonMillis;

  /** Rows are range-deleted in steps of this much event time: a few range tombstones per day. */
  private final long purgeStepMillis;

  /** 0 marks an empty slot; a hash of 0 is stored as 1. */
  private long[] hashes = new long[INITIAL_CAPACITY];

  private long[] marks = new long[INITIAL_CAPACITY];
  private int size;

  /** Per partition: {watermark, purged}: latest event time folded, rows deleted below this. */
  private final Map<Integer, long[]> partitions = new HashMap<>();

  EventIdSet(Duration horizon) {
    if (horizon == null || horizon.isNegative() || horizon.isZero()) {
      throw new IllegalArgumentException("dedup horizon must be positive, got " + horizon);
    }
    this.horizonMillis = horizon.toMillis();
    this.purgeStepMillis = Math.max(1, horizonMillis / 16);
  }

  /** Forgets every id and watermark: the state was replaced (see {@link StateStore#restore}). */
  void clear() {
    hashes = new long[INITIAL_CAPACITY];
    marks = new long[INITIAL_CAPACITY];
    size = 0;
    partitions.clear();
  }

  static long hash(String id) {
    // FNV-1a over the chars (ids are ASCII, see Validate), then MurmurHash3's fmix64 to spread
    // the low bits. Over chars, not bytes: no copy per event.
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < id.length(); i++) {
      h ^= id.charAt(i);
      h *= 0x100000001b3L;
    }
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return h == 0 ? 1 : h;
  }

  /** An event time as the window keeps it: milliseconds, clamped to 0..{@link #MAX_TIME_MILLIS}. */
  static long clampTime(long epochMillis) {
    return Math.clamp(epochMillis, 0, MAX_TIME_MILLIS);
  }

  static long mark(int partition, long timeMillis) {
    if (partition < 0 || partition >= MAX_PARTITIONS) {
      throw new IllegalArgumentException(
          "partition must be in 0.." + (MAX_PARTITIONS - 1) + ", got " + partition);
    }
    return (clampTime(timeMillis) << PARTITION_BITS) | partition;
  }

  static int partitionOf(long mark) {
    return (int) (mark & (MAX_PARTITIONS - 1));
  }

  static long timeOf(long mark) {
    return mark >>> PARTITION_BITS;
  }

  long horizonMillis() {
    return horizonMillis;
  }

  /** True if an event of this time is older than the horizon behind its partition's watermark. */
  boolean expired(int partition, long timeMillis) {
    long[] p = partitions.get(partition);
    return p != null && clampTime(timeMillis) < p[0] - horizonMillis;
  }

  boolean mightContain(long hash) {
    int mask = hashes.length - 1;
    for (int i = (int) hash & mask; ; i = (i + 1) & mask) {
      long s = hashes[i];
      if (s == hash) {
        return true;
      }
      if (s == 0) {
        return false;
      }
    }
  }

  /** The marks of every entry with this hash: usually one, more only on a hash collision. */
  long[] candidates(long hash) {
    long[] out = new long[0];
    int mask = hashes.length - 1;
    for (int i = (int) hash & mask; hashes[i] != 0; i = (i + 1) & mask) {
      if (hashes[i] == hash) {
        out = Arrays.copyOf(out, out.length + 1);
        out[out.length - 1] = marks[i];
      }
    }
    return out;
  }

  /** Adds a folded event's id and moves its partition's watermark up to its time. */
  void add(long hash, long mark) {
    if (size + 1 > hashes.length * MAX_LOAD) {
      rebuild();
    }
    insert(hashes, marks, hash, mark);
    size++;
    long[] p = partitions.computeIfAbsent(partitionOf(mark), k -> new long[] {0, 0});
    p[0] = Math.max(p[0], timeOf(mark));
  }

  /** Restores a partition's watermark and purge point as stored; before any {@link #add}. */
  void restore(int partition, long watermark, long purged) {
    partitions.put(partition, new long[] {watermark, purged});
  }

  long watermark(int partition) {
    return partitions.get(partition)[0];
  }

  long purged(int partition) {
    return partitions.get(partition)[1];
  }

  /**
   * The time below which the partition's rows should now be deleted, if the horizon moved a purge
   * step past the last deletion (which it then becomes); else -1.
   */
  long purgeDue(int partition) {
    long[] p = partitions.get(partition);
    long cutoff = p[0] - horizonMillis;
    if (cutoff - p[1] < purgeStepMillis) {
      return -1;
    }
    p[1] = cutoff;
    return cutoff;
  }

  int size() {
    return size;
  }

  /** Slots in the table: what its memory is proportional to. */
  int capacity() {
    return hashes.length;
  }

  private static void insert(long[] hashes, long[] marks, long hash, long mark) {
    int mask = hashes.length - 1;
    int i = (int) hash & mask;
    while (hashes[i] != 0) {
      i = (i + 1) & mask;
    }
    hashes[i] = hash;
    marks[i] = mark;
  }

  /**
   * Drops the expired entries, then sizes the table for the rest: it shrinks after a burst as well
   * as it grows with the event rate.
   */
  private void rebuild() {
    int live = 0;
    for (int i = 0; i < hashes.length; i++) {
      if (hashes[i] != 0 && !expiredEntry(marks[i])) {
        live++;
      }
    }
    int capacity = INITIAL_CAPACITY;
    while (live + 1 > capacity * REBUILT_LOAD) {
      capacity *= 2;
    }
    long[] newHashes = new long[capacity];
    long[] newMarks = new long[capacity];
    for (int i = 0; i < hashes.length; i++) {
      if (hashes[i] != 0 && !expiredEntry(marks[i])) {
        insert(newHashes, newMarks, hashes[i], marks[i]);
      }
    }
    hashes = newHashes;
    marks = newMarks;
    size = live;
  }

  private boolean expiredEntry(long mark) {
    return expired(partitionOf(mark), timeOf(mark));
  }
}
