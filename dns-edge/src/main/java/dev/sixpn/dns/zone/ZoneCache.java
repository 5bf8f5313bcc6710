package dev.sixpn.dns.zone;

import dev.sixpn.state.ChangeFeed;
import dev.sixpn.state.StateChange;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;

/**
 * Answers of {@link InternalZone} kept until the change feed says their network changed (never
 * expired by TTL alone, so a started instance is visible as soon as its batch commits), and the
 * round-robin position of each answer.
 *
 * <p>Keys hold the caller's region only for {@code top<N>.nearest} names, the only answers that
 * depend on it (so a large answer is kept once, not once per caller region). Entries for names
 * whose state changed are dropped lazily on the next lookup.
 *
 * <p>Bounded in entries and in (estimated) bytes, {@link #DEFAULT_MAX_BYTES}: every distinct name a
 * caller asks for is an entry, so a flood of random names ({@code top<N>}, regions, instance ids)
 * must evict rather than grow. Eviction is first-in first-out with a second chance: an entry looked
 * up again since it was inserted (or since its last chance) goes to the back of the queue once
 * instead of out, so answers asked for repeatedly outlive a flood of names asked once.
 */
public final class ZoneCache implements AutoCloseable {

  /**
   * The default bound on the cache's estimated heap: 64 MiB, a sixth of the agent's heap ceiling
   * (scripts/jvm-flags.sh), which also holds the projected state (~100-140 MiB at 1M instances) and
   * the dedup window. It holds about 100,000 small answers (NXDOMAIN, a few records: ~600 bytes
   * each): every name a host's own instances ask for many times over; or about 35 answers of 10,000
   * records (~1.8 MB each, records and both templates): every large name of a 10,000-instance
   * network (the app, {@code global}, its regions and groups, {@code vms}, {@code _instances})
   * several times. Half of the 128 MiB it was, for an agent RSS of ≤ 600 MiB with 1M fleet
   * instances (docs/benchmarks.md, "Fleet simulation").
   */
  public static final long DEFAULT_MAX_BYTES = 64L << 20;

  /**
   * Estimated heap of an entry besides its records: the key and its name string, the entry, the
   * answer and its lists, the rotation counter, the attachment slots and the map and queue nodes.
   */
  static final int ENTRY_BYTES = 400;

  /**
   * Estimated heap of one dnsjava record object beyond its wire bytes (header, fields, list slot).
   */
  static final int RECORD_BYTES = 96;

  /** Entries looked at per eviction before one is evicted whatever its second chance. */
  private static final int EVICTION_SCAN = 64;

  private final InternalZone zone;
  private final int maxEntries;
  private final long maxBytes;
  private final Invalidation invalidation = new Invalidation();
  private final ConcurrentHashMap<Key, Entry> entries = new ConcurrentHashMap<>();

  /** Keys in insertion order (each key of the map once, plus keys already gone, skipped). */
  private final ConcurrentLinkedQueue<Key> order = new ConcurrentLinkedQueue<>();

  private final AtomicLong bytes = new AtomicLong();
  private final AutoCloseable subscription;
  private final LongAdder misses = new LongAdder();
  private final LongAdder evictions = new LongAdder();

  /** How many lookups had to compute their answer (first sight, or state changed). */
  public long misses() {
    return misses.sum();
  }

  /** How many entries were dropped to stay within the bounds. */
  public long evictions() {
    return evictions.sum();
  }

  /** Entries now. */
  public int size() {
    return entries.size();
  }

  /** The estimated heap of the entries now (see {@link #DEFAULT_MAX_BYTES}). */
  public long bytes() {
    return bytes.get();
  }

  /**
   * @param name the lowercased wire form of the name as a Latin-1 string: String equality and
   *     hashing are much cheaper per query than dnsjava's case-insensitive {@code Name.equals}
   */
  private record Key(long network, String region, String name, int type) {}

  /** The cache key form of a name: its wire format, lowercased, one char per byte. */
  public static String keyOf(Name name) {
    return new String(name.toWireCanonical(), java.nio.charset.StandardCharsets.ISO_8859_1);
  }

  /** The key suffix of {@code _fence.internal.}: names below it are not cached. */
  private static final String FENCE_SUFFIX = "\u0006_fence\u0008internal\u0000";

  /** Slots a caller may use to keep data derived from one cached answer (e.g. its encoding). */
  public static final int ATTACHMENT_SLOTS = 2;

  /**
   * One lookup: the cached answer in its stored order, the rotation to apply, and slots for data
   * derived from the answer, which are dropped with it when the state changes.
   */
  public static final class Lookup {
    private final Entry entry;
    private final int rotation;
    private final Invalidation invalidation;

    private Lookup(Entry entry, int rotation, Invalidation invalidation) {
      this.entry = entry;
      this.rotation = rotation;
      this.invalidation = invalidation;
    }

    /**
     * True while the answer is still what the zone says (no change to its network, or to region
     * locations for a distance-ordered answer, since it was computed): a caller that keeps this
     * lookup may answer from it again without asking the cache.
     */
    public boolean isCurrent() {
      return invalidation.valid(entry.stamp, entry.clock, entry.nearest);
    }

    /** The rotation for the next response from this answer (as a new lookup would take it). */
    public int nextRotation() {
      return rotationOf(entry);
    }

    /** The answer as stored (not rotated). */
    public ZoneAnswer base() {
      return entry.answer;
    }

    /** Index of the record that comes first in this response. */
    public int rotation() {
      return rotation;
    }

    /** The answer with its records rotated for this response. */
    public ZoneAnswer rotated() {
      ZoneAnswer a = entry.answer;
      if (rotation == 0) {
        return a;
      }
      return new ZoneAnswer(
          a.rcode(), rotate(a.answers(), rotation), a.authority(), true, a.additional());
    }

    public Object attachment(int slot) {
      return entry.attachments.get(slot);
    }

    public void attach(int slot, Object value) {
      entry.attachments.set(slot, value);
    }
  }

  private static final class Entry {
    final ZoneAnswer answer;
    final long stamp;
    final boolean nearest;
    final Invalidation.Clock clock;
    final AtomicInteger next = new AtomicInteger();
    final AtomicReferenceArray<Object> attachments = new AtomicReferenceArray<>(ATTACHMENT_SLOTS);

    /** Records the answer rotates over, or 0 if it does not rotate. */
    final int rotations;

    /** Estimated heap, attachments included ({@link #weightOf}). */
    final long weight;

    /** Looked up since inserted or since its last second chance (a hint: racy by design). */
    boolean used;

    Entry(ZoneAnswer answer, long stamp, boolean nearest, Invalidation.Clock clock, long weight) {
      this.answer = answer;
      this.rotations = answer.rotate() && answer.answers().size() > 1 ? answer.answers().size() : 0;
      this.stamp = stamp;
      this.nearest = nearest;
      this.clock = clock;
      this.weight = weight;
    }
  }

  /**
   * @param maxEntries bound on cached answers, at least 1
   */
  public ZoneCache(InternalZone zone, ChangeFeed feed, int maxEntries) {
    this(zone, feed, maxEntries, DEFAULT_MAX_BYTES);
  }

  /**
   * @param maxEntries bound on cached answers, at least 1
   * @param maxBytes bound on their estimated heap, at least 1 (one answer larger than this is still
   *     kept, alone)
   */
  public ZoneCache(InternalZone zone, ChangeFeed feed, int maxEntries, long maxBytes) {
    this.zone = Objects.requireNonNull(zone, "zone");
    Objects.requireNonNull(feed, "feed");
    if (maxEntries < 1) {
      throw new IllegalArgumentException("maxEntries must be at least 1, got " + maxEntries);
    }
    if (maxBytes < 1) {
      throw new IllegalArgumentException("maxBytes must be at least 1, got " + maxBytes);
    }
    this.maxEntries = maxEntries;
    this.maxBytes = maxBytes;
    this.subscription = feed.subscribe(this::onChange);
  }

  private void onChange(StateChange change) {
    for (long network : change.networks()) {
      invalidation.invalidateNetwork(network);
    }
    for (StateChange.AppRef app : change.apps()) {
      invalidation.invalidateNetwork(app.network());
    }
    // Region locations come from host.joined alone: instances starting and stopping on other
    // hosts (nearly every batch of a fleet) leave the distance-ordered answers of other apps valid.
    if (change.changesHostRecords()) {
      invalidation.invalidateLocations();
    }
    if (!change.instanceIds().isEmpty() && change.networks().isEmpty() && change.apps().isEmpty()) {
      // ids alone do not say which network: be safe
      invalidation.invalidateEverything();
    }
  }

  /** Drops every cached answer (for tests and operators). */
  public void invalidateAll() {
    invalidation.invalidateEverything();
    // the queue first: a key inserted meanwhile is queued after this, and so never lost from it
    order.clear();
    for (Key k : entries.keySet()) {
      Entry e = entries.remove(k);
      if (e != null) {
        bytes.addAndGet(-e.weight);
      }
    }
  }

  /**
   * The zone's answer, its answer records rotated one step further than the previous call for the
   * same key if the answer rotates.
   */
  public ZoneAnswer answer(Name qname, int qtype, Caller caller) {
    return lookup(qname, qtype, caller).rotated();
  }

  /** Like {@link #answer}, keeping what the fast path needs. */
  public Lookup lookup(Name qname, int qtype, Caller caller) {
    return lookup(keyOf(qname), qname, qtype, caller);
  }

  /**
   * Looks up by the name's key ({@link #keyOf}); the dnsjava name is built only if the answer has
   * to be computed.
   */
  public Lookup lookup(String nameKey, int qtype, Caller caller) {
    return lookup(nameKey, null, qtype, caller);
  }

  private Lookup lookup(String nameKey, Name known, int qtype, Caller caller) {
    if (nameKey.endsWith(FENCE_SUFFIX) && nameKey.length() > FENCE_SUFFIX.length()) {
      // A fence answer changes with every committed batch, which the change feed does not announce
      // unless the state changed: computed each time, never stored, never current for the fast
      // path.
      misses.increment();
      Name qname = known != null ? known : nameOf(nameKey);
      ZoneAnswer fresh = zone.answer(qname, qtype, caller);
      Entry once = new Entry(fresh, -1, false, invalidation.clockOf(caller.network()), 0);
      return new Lookup(once, 0, invalidation);
    }
    boolean nearest = mayBeNearest(nameKey);
    Key key = new Key(caller.network(), nearest ? caller.region() : null, nameKey, qtype);
    Entry e = entries.get(key);
    if (e == null || !invalidation.valid(e.stamp, e.clock, e.nearest)) {
      misses.increment();
      // the clock is fetched before the stamp: an invalidation in between makes the entry stale,
      // never wrongly fresh
      Invalidation.Clock clock = invalidation.clockOf(caller.network());
      long stamp = invalidation.stamp();
      Name qname = known != null ? known : nameOf(nameKey);
      ZoneAnswer fresh = zone.answer(qname, qtype, caller);
      Entry created = new Entry(fresh, stamp, nearest, clock, weightOf(nameKey, fresh));
      // keep the rotation position of a replaced entry so round-robin continues across changes
      if (e != null) {
        created.next.set(e.next.get());
      }
      Entry replaced = entries.put(key, created);
      bytes.addAndGet(created.weight - (replaced == null ? 0 : replaced.weight));
      if (replaced == null) {
        order.add(key);
      }
      evictOverBounds(created);
      e = created;
    } else if (!e.used) {
      e.used = true;
    }
    return new Lookup(e, rotationOf(e), invalidation);
  }

  /**
   * True if the name's first label starts with {@code top} (any case): it may be a {@code
   * top<N>.nearest} name, whose answer depends on the caller's region and on region locations.
   */
  private static boolean mayBeNearest(String nameKey) {
    return nameKey.length() > 4
        && (nameKey.charAt(1) | 0x20) == 't'
        && (nameKey.charAt(2) | 0x20) == 'o'
        && (nameKey.charAt(3) | 0x20) == 'p';
  }

  /** Evicts until both bounds hold again; {@code keep}, just inserted, goes last. */
  private void evictOverBounds(Entry keep) {
    int guard = 0;
    while ((entries.size() > maxEntries || bytes.get() > maxBytes) && guard++ < maxEntries) {
      if (!evictOne(keep)) {
        return;
      }
    }
  }

  /**
   * Evicts the oldest entry other than {@code keep} whose second chance is used up; after {@link
   * #EVICTION_SCAN} second chances given, the oldest whatever its chance.
   *
   * @return false if nothing could be evicted (only {@code keep} is left)
   */
  private boolean evictOne(Entry keep) {
    int chances = 0;
    int keepSeen = 0;
    for (int polls = 0; polls < 4 * EVICTION_SCAN + maxEntries; polls++) {
      Key k = order.poll();
      if (k == null) {
        return false;
      }
      Entry e = entries.get(k);
      if (e == null) {
        continue; // gone already (a stale key: evicted or dropped, then inserted again)
      }
      if (e == keep) {
        order.add(k);
        if (++keepSeen > 1) {
          return false;
        }
        continue;
      }
      if (e.used && chances++ < EVICTION_SCAN) {
        e.used = false; // its second chance: to the back of the queue
        order.add(k);
        continue;
      }
      if (entries.remove(k, e)) {
        bytes.addAndGet(-e.weight);
        evictions.increment();
        return true;
      }
      order.add(k); // replaced meanwhile: the key is still in the map, so it stays queued
    }
    return false;
  }

  /**
   * The estimated heap of an entry: its fixed part, the name, and per record the object and its
   * wire bytes, these once more for each template the fast path may attach.
   */
  static long weightOf(String nameKey, ZoneAnswer a) {
    long wire = 12 + nameKey.length() + 4 + 11; // header, question, OPT
    int records = 0;
    for (List<Record> section : List.of(a.answers(), a.authority(), a.additional())) {
      for (Record r : section) {
        wire += 12 + r.rdataToWireCanonical().length; // owner compressed to a pointer
        records++;
      }
    }
    return ENTRY_BYTES
        + 2L * nameKey.length()
        + (long) records * RECORD_BYTES
        + (1 + ATTACHMENT_SLOTS) * wire;
  }

  private static int rotationOf(Entry e) {
    int n = e.rotations;
    return n == 0 ? 0 : Math.floorMod(e.next.getAndIncrement(), n);
  }

  private static Name nameOf(String nameKey) {
    try {
      return new Name(nameKey.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("not a name in wire format: " + e.getMessage(), e);
    }
  }

  static List<Record> rotate(List<Record> records, int start) {
    int n = records.size();
    List<Record> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(records.get((start + i) % n));
    }
    return out;
  }

  @Override
  public void close() throws Exception {
    subscription.close();
  }
}
