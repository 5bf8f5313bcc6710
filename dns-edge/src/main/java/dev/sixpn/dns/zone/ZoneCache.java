package dev.sixpn.dns.zone;

import dev.sixpn.state.ChangeFeed;
import dev.sixpn.state.StateChange;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;

/**
 * Answers of {@link InternalZone} kept until the change feed says their network changed (never
 * expired by TTL alone, so a started instance is visible as soon as its batch commits), and the
 * round-robin position of each answer.
 *
 * <p>Keys hold the caller's region because {@code top<N>.nearest} depends on it. Entries for names
 * whose state changed are dropped lazily on the next lookup; the map is bounded by clearing it when
 * full, which only costs recomputation.
 */
public final class ZoneCache implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ZoneCache.class);

  private final InternalZone zone;
  private final int maxEntries;
  private final Invalidation invalidation = new Invalidation();
  private final ConcurrentHashMap<Key, Entry> entries = new ConcurrentHashMap<>();
  private final AutoCloseable subscription;
  private final java.util.concurrent.atomic.LongAdder misses =
      new java.util.concurrent.atomic.LongAdder();

  /** How many lookups had to compute their answer (first sight, or state changed). */
  public long misses() {
    return misses.sum();
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
      return new ZoneAnswer(a.rcode(), rotate(a.answers(), rotation), a.authority(), true);
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

    Entry(ZoneAnswer answer, long stamp, boolean nearest, Invalidation.Clock clock) {
      this.answer = answer;
      this.rotations = answer.rotate() && answer.answers().size() > 1 ? answer.answers().size() : 0;
      this.stamp = stamp;
      this.nearest = nearest;
      this.clock = clock;
    }
  }

  /**
   * @param maxEntries bound on cached answers, at least 1
   */
  public ZoneCache(InternalZone zone, ChangeFeed feed, int maxEntries) {
    this.zone = Objects.requireNonNull(zone, "zone");
    Objects.requireNonNull(feed, "feed");
    if (maxEntries < 1) {
      throw new IllegalArgumentException("maxEntries must be at least 1, got " + maxEntries);
    }
    this.maxEntries = maxEntries;
    this.subscription = feed.subscribe(this::onChange);
  }

  private void onChange(StateChange change) {
    for (long network : change.networks()) {
      invalidation.invalidateNetwork(network);
    }
    for (StateChange.AppRef app : change.apps()) {
      invalidation.invalidateNetwork(app.network());
    }
    if (!change.hosts().isEmpty()) {
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
    entries.clear();
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
    Key key = new Key(caller.network(), caller.region(), nameKey, qtype);
    Entry e = entries.get(key);
    if (e == null || !invalidation.valid(e.stamp, e.clock, e.nearest)) {
      misses.increment();
      // the clock is fetched before the stamp: an invalidation in between makes the entry stale,
      // never wrongly fresh
      Invalidation.Clock clock = invalidation.clockOf(caller.network());
      long stamp = invalidation.stamp();
      Name qname = known != null ? known : nameOf(nameKey);
      ZoneAnswer fresh = zone.answer(qname, qtype, caller);
      boolean nearest =
          qname.labels() > 1 && qname.getLabelString(0).regionMatches(true, 0, "top", 0, 3);
      if (entries.size() >= maxEntries) {
        LOG.debug("answer cache full at {} entries; clearing", entries.size());
        entries.clear();
      }
      Entry created = new Entry(fresh, stamp, nearest, clock);
      // keep the rotation position of a replaced entry so round-robin continues across changes
      if (e != null) {
        created.next.set(e.next.get());
      }
      entries.put(key, created);
      e = created;
    }
    return new Lookup(e, rotationOf(e), invalidation);
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

  int size() {
    return entries.size();
  }

  @Override
  public void close() throws Exception {
    subscription.close();
  }
}
