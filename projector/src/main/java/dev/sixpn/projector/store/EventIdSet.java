package dev.sixpn.projector.store;

/**
 * The event ids folded so far, as 64-bit hashes in an open-addressing table: 16 bytes per id at
 * most, where a set of strings costs ~100. A miss proves an id is new; a hit is confirmed against
 * the exact ids (the batch's own, those in flight, and RocksDB's {@code event_ids}), so a hash
 * collision costs a read, never an event.
 *
 * <p>Written by the fold thread only.
 */
final class EventIdSet {

  private static final int INITIAL_CAPACITY = 1 << 16;

  /** Grows at this load: linear probing stays short below ~0.6. */
  private static final double MAX_LOAD = 0.5;

  /** 0 marks an empty slot; a hash of 0 is stored as 1. */
  private long[] slots = new long[INITIAL_CAPACITY];

  private int size;

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

  boolean mightContain(long hash) {
    int mask = slots.length - 1;
    for (int i = (int) hash & mask; ; i = (i + 1) & mask) {
      long s = slots[i];
      if (s == hash) {
        return true;
      }
      if (s == 0) {
        return false;
      }
    }
  }

  void add(long hash) {
    if (size + 1 > slots.length * MAX_LOAD) {
      grow();
    }
    if (insert(slots, hash)) {
      size++;
    }
  }

  int size() {
    return size;
  }

  private static boolean insert(long[] table, long hash) {
    int mask = table.length - 1;
    for (int i = (int) hash & mask; ; i = (i + 1) & mask) {
      long s = table[i];
      if (s == hash) {
        return false;
      }
      if (s == 0) {
        table[i] = hash;
        return true;
      }
    }
  }

  private void grow() {
    long[] bigger = new long[slots.length * 2];
    for (long s : slots) {
      if (s != 0) {
        insert(bigger, s);
      }
    }
    slots = bigger;
  }
}
