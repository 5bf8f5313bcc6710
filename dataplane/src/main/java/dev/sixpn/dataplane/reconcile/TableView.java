package dev.sixpn.dataplane.reconcile;

import dev.sixpn.dataplane.bpf.Table;
import java.util.HashMap;
import java.util.Map;

/**
 * Kernel objects of one kind (a map's entries, the routes, the programs on the interfaces) as the
 * kernel last reported them, with every write this process made through the view since: what a pass
 * diffs against between full reads, so an event that changes one entry costs its write, not a read
 * of every entry. Read back from the kernel when older than the interval the caller gives, and
 * after {@link #invalidate} (a failed write, whose effect is then read rather than assumed; links
 * that changed, which takes routes and programs with them). One thread (its loop's).
 */
final class TableView<K, V> {

  private final Table<K, V> table;
  private Map<K, V> entries;
  private long readAt;

  TableView(Table<K, V> table) {
    this.table = table;
  }

  /** A view of objects read by {@code read}, written by {@code put}, removed by {@code delete}. */
  static <K, V> TableView<K, V> of(
      java.util.function.Supplier<Map<K, V>> read,
      java.util.function.BiConsumer<K, V> put,
      java.util.function.Consumer<K> delete) {
    return new TableView<>(
        new Table<>() {
          @Override
          public Map<K, V> entries() {
            return read.get();
          }

          @Override
          public void put(K key, V value) {
            put.accept(key, value);
          }

          @Override
          public boolean delete(K key) {
            delete.accept(key);
            return true;
          }
        });
  }

  /** The entries, read from the kernel first if never read, invalidated, or older than this. */
  Map<K, V> actual(long maxAgeNanos) {
    long now = System.nanoTime();
    if (entries == null || now - readAt >= maxAgeNanos) {
      entries = null; // a read that throws leaves the view invalid
      entries = new HashMap<>(table.entries());
      readAt = now;
    }
    return java.util.Collections.unmodifiableMap(entries); // the diff is made before any write
  }

  void put(K key, V value) {
    table.put(key, value);
    if (entries != null) {
      entries.put(key, value);
    }
  }

  boolean delete(K key) {
    boolean was = table.delete(key);
    if (entries != null) {
      entries.remove(key);
    }
    return was;
  }

  /**
   * What the kernel did by itself, told without a read: {@code key} now holds {@code value}, or
   * nothing for null (a link that went took its program and routes with it). Nothing to do while
   * the view is not loaded: the next {@link #actual} reads it all.
   */
  void learn(K key, V value) {
    if (entries == null) {
      return;
    }
    if (value == null) {
      entries.remove(key);
    } else {
      entries.put(key, value);
    }
  }

  /** Forgets the entries whose value {@code gone} matches, as {@link #learn} with null. */
  void forgetValues(java.util.function.Predicate<V> gone) {
    if (entries != null) {
      entries.values().removeIf(gone);
    }
  }

  /** Whether the view holds a read (else the next {@link #actual} reads the kernel). */
  boolean loaded() {
    return entries != null;
  }

  /** The next {@link #actual} reads the kernel. */
  void invalidate() {
    entries = null;
  }
}
