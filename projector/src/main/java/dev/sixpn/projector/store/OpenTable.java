package dev.sixpn.projector.store;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.function.Consumer;

/**
 * A hash set of elements that carry their own key, for one writer and any number of readers: an
 * array of references with linear probing, and nothing else. A million instances held in three of
 * these cost a slot (4 bytes at a load of 1/4 to 5/8) per index instead of a {@code
 * ConcurrentHashMap} node, boxed key and table slot (~50 bytes), and the tables of small apps and
 * networks stay a few dozen bytes.
 *
 * <p>Readers take no lock: they read the current array once and its slots with acquire semantics;
 * the writer stores elements with release semantics, so a reader sees an element whole or not at
 * all, and elements are immutable. A removed element leaves a tombstone (probes go on past it). A
 * resize or clean-up fills a new array, then publishes it; the old one is never written again, so a
 * reader still probing it finds a consistent earlier state. An iteration is weakly consistent, like
 * a {@code ConcurrentHashMap}'s.
 *
 * <p>A key is a {@code long} and an object (one of them unused, per table), so that lookups need
 * neither a key object nor a boxed number.
 */
abstract class OpenTable<E> {

  private static final Object TOMBSTONE = new Object();
  private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(Object[].class);
  private static final int MIN_CAPACITY = 2;

  private volatile Object[] slots = new Object[MIN_CAPACITY];

  /** Elements; written by the writer only, read by anyone as an estimate. */
  private int live;

  /**
   * Elements and tombstones: kept at most 5/8 of the slots, so every probe ends at a null, and a
   * probe for an absent key (every new instance checks three) reads few elements even under churn,
   * where tombstones fill the table between clean-ups.
   */
  private int used;

  /** The hash of an element's key: must equal what lookups pass for that key. */
  protected abstract int hashOf(E e);

  /** Whether the element has the key ({@code k}, {@code o}). */
  protected abstract boolean matches(E e, long k, Object o);

  /** Whether two elements have the same key. */
  protected abstract boolean sameKey(E a, E b);

  final int size() {
    return live;
  }

  /** The element with the key, or null. Any thread. */
  @SuppressWarnings("unchecked")
  final E find(int hash, long k, Object o) {
    Object[] s = slots;
    int mask = s.length - 1;
    for (int i = spread(hash) & mask, n = 0; n <= mask; i = (i + 1) & mask, n++) {
      Object x = SLOTS.getAcquire(s, i);
      if (x == null) {
        return null;
      }
      if (x != TOMBSTONE && matches((E) x, k, o)) {
        return (E) x;
      }
    }
    return null;
  }

  /** Every element, in no order. Any thread. */
  @SuppressWarnings("unchecked")
  final void forEach(Consumer<? super E> action) {
    Object[] s = slots;
    for (int i = 0; i < s.length; i++) {
      Object x = SLOTS.getAcquire(s, i);
      if (x != null && x != TOMBSTONE) {
        action.accept((E) x);
      }
    }
  }

  /** Adds {@code e}, or replaces the element with its key; returns the one replaced, or null. */
  @SuppressWarnings("unchecked")
  final E put(E e) {
    while (true) {
      Object[] s = slots;
      int mask = s.length - 1;
      int free = -1;
      int i = spread(hashOf(e)) & mask;
      for (; ; i = (i + 1) & mask) {
        Object x = s[i];
        if (x == null) {
          break;
        }
        if (x == TOMBSTONE) {
          if (free < 0) {
            free = i;
          }
        } else if (sameKey((E) x, e)) {
          SLOTS.setRelease(s, i, e);
          return (E) x;
        }
      }
      if (free < 0) {
        if ((used + 1) * 8L > s.length * 5L) {
          rehash(live + 1);
          continue;
        }
        free = i;
        used++;
      }
      SLOTS.setRelease(s, free, e);
      live++;
      return null;
    }
  }

  /** Removes the element with the key, or nothing; returns it, or null. */
  final E remove(int hash, long k, Object o) {
    return removeIf(hash, k, o, null);
  }

  /**
   * Removes the element with {@code e}'s key if it is the same entity as {@code e} ({@link
   * #sameEntity}): an index entry another element took over stays. Returns the one removed, or
   * null.
   */
  final E removeEntity(E e) {
    return removeIf(hashOf(e), 0, null, e);
  }

  /** Whether the stored element {@code stored} stands for {@code e}; by default, the same key. */
  protected boolean sameEntity(E stored, E e) {
    return sameKey(stored, e);
  }

  @SuppressWarnings("unchecked")
  private E removeIf(int hash, long k, Object o, E entity) {
    Object[] s = slots;
    int mask = s.length - 1;
    for (int i = spread(hash) & mask; ; i = (i + 1) & mask) {
      Object x = s[i];
      if (x == null) {
        return null;
      }
      if (x == TOMBSTONE) {
        continue;
      }
      E el = (E) x;
      if (entity == null ? matches(el, k, o) : sameKey(el, entity)) {
        if (entity != null && !sameEntity(el, entity)) {
          return null;
        }
        SLOTS.setRelease(s, i, TOMBSTONE);
        live--;
        if (live * 8L < s.length && s.length > MIN_CAPACITY) {
          rehash(live);
        }
        return el;
      }
    }
  }

  /** Empties the table (readers see it empty at once). */
  final void clear() {
    live = 0;
    used = 0;
    slots = new Object[MIN_CAPACITY];
  }

  /** A new array for {@code n} elements at a load of at most 1/2, without tombstones. */
  @SuppressWarnings("unchecked")
  private void rehash(int n) {
    int capacity = MIN_CAPACITY;
    while (capacity < n * 2L) {
      capacity <<= 1;
    }
    Object[] old = slots;
    Object[] s = new Object[capacity];
    int mask = capacity - 1;
    for (Object x : old) {
      if (x != null && x != TOMBSTONE) {
        int i = spread(hashOf((E) x)) & mask;
        while (s[i] != null) {
          i = (i + 1) & mask;
        }
        s[i] = x;
      }
    }
    used = live;
    slots = s; // volatile: the filled array is published whole
  }

  private static int spread(int h) {
    h *= 0x9E3779B9;
    return h ^ (h >>> 16);
  }

  /** A hash of a long key. */
  static int hashLong(long v) {
    return Long.hashCode(v * 0x9E3779B97F4A7C15L);
  }
}
