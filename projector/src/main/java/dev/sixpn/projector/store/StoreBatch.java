package dev.sixpn.projector.store;

import dev.sixpn.state.Host;
import dev.sixpn.state.Instance;
import dev.sixpn.state.Peer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One atomic unit of change: the rows a poll batch changed and the offsets that produced them. The
 * fold changes the {@link ProjectedState} in place (through {@link StateRows}) and records here
 * each primary row it touched with its latest value; {@link StateStore#write} serializes each
 * touched row once, in RocksDB's write-batch form. A row created and removed in the same batch is
 * never written, so a start followed by a destroy costs RocksDB nothing.
 *
 * <p>Values are immutable, so the batch can be serialized on another thread while the next batch
 * folds: filled by the fold thread, then handed over whole.
 */
public final class StoreBatch {

  /** A touched row: whether it existed before this batch, and its value now (null: removed). */
  private static final class Touched<V> {
    final boolean existed;
    V value;

    Touched(boolean existed, V value) {
      this.existed = existed;
      this.value = value;
    }
  }

  private final Map<InstanceRef, Touched<Instance>> instances = new HashMap<>(1024);
  private final Map<InstanceRef, Touched<Boolean>> apps = new HashMap<>();
  private final Map<Long, Touched<String>> networks = new HashMap<>();
  private final Map<Long, Touched<Host>> hosts = new HashMap<>();
  private final Map<InstanceRef, Touched<ParkedEnd>> parked = new HashMap<>();

  /** Keyed by network and name (the instance id slot of the ref stays empty). */
  private final Map<InstanceRef, Touched<Peer>> peers = new HashMap<>();

  /** Ids folded by this batch, with their marks; read by duplicate checks until it is written. */
  final Map<String, Long> eventIds = new HashMap<>(1024);

  /** Per partition touched: {watermark, purged} of the dedup window after this batch. */
  private final Map<Integer, long[]> dedup = new TreeMap<>();

  /** Per partition: delete its event ids older than this (ms), see {@link EventIdSet#purgeDue}. */
  private final Map<Integer, Long> purges = new TreeMap<>();

  private final Map<Integer, Long> offsets = new TreeMap<>();
  private final List<byte[][]> quarantined = new ArrayList<>();

  StoreBatch() {}

  private static <K, V> void touch(Map<K, Touched<V>> rows, K key, boolean existed, V value) {
    Touched<V> t = rows.get(key);
    if (t == null) {
      rows.put(key, new Touched<>(existed, value));
    } else {
      t.value = value;
    }
  }

  /**
   * @param existed whether the row existed before this change (only the batch's first touch counts)
   * @param now the instance now, or null if it was removed
   */
  void touchInstance(InstanceRef ref, boolean existed, Instance now) {
    touch(instances, ref, existed, now);
  }

  void touchApp(long network, String app, boolean existed, Boolean created) {
    touch(apps, new InstanceRef(network, app, ""), existed, created);
  }

  void touchNetwork(long network, boolean existed, String name) {
    touch(networks, network, existed, name);
  }

  void touchHost(long host, boolean existed, Host now) {
    touch(hosts, host, existed, now);
  }

  void touchPeer(long network, String name, boolean existed, Peer now) {
    touch(peers, new InstanceRef(network, name, ""), existed, now);
  }

  void touchParked(InstanceRef ref, boolean existed, ParkedEnd now) {
    touch(parked, ref, existed, now);
  }

  void quarantine(byte[] key, byte[] json) {
    quarantined.add(new byte[][] {key, json});
  }

  void markEvent(String eventId, long mark, long watermark, long purged) {
    eventIds.put(eventId, mark);
    dedup.put(EventIdSet.partitionOf(mark), new long[] {watermark, purged});
  }

  void purgeEventIds(int partition, long beforeMillis) {
    purges.merge(partition, beforeMillis, Math::max);
  }

  public void putOffset(int partition, long nextOffset) {
    offsets.merge(partition, nextOffset, Math::max);
  }

  int estimatedBytes() {
    return 64 + instances.size() * 160 + eventIds.size() * 48 + quarantined.size() * 512;
  }

  /** Appends every touched row's final value (or its removal) and the offsets. */
  void encodeInto(StateStore store, WriteBatchEncoder out) {
    int cf = store.handle(Family.INSTANCES).getID();
    for (Map.Entry<InstanceRef, Touched<Instance>> e : instances.entrySet()) {
      InstanceRef ref = e.getKey();
      Touched<Instance> t = e.getValue();
      if (t.value != null) {
        out.put(
            cf,
            Keys.instance(ref.network(), ref.app(), ref.instanceId()),
            ValueCodec.encodeInstance(t.value));
      } else if (t.existed) {
        out.delete(cf, Keys.instance(ref.network(), ref.app(), ref.instanceId()));
      }
    }
    cf = store.handle(Family.APPS).getID();
    for (Map.Entry<InstanceRef, Touched<Boolean>> e : apps.entrySet()) {
      byte[] key = Keys.appRow(e.getKey().network(), e.getKey().app());
      Touched<Boolean> t = e.getValue();
      if (t.value != null) {
        out.put(cf, key, new byte[] {(byte) (t.value ? 1 : 0)});
      } else if (t.existed) {
        out.delete(cf, key);
      }
    }
    cf = store.handle(Family.NETWORKS).getID();
    for (Map.Entry<Long, Touched<String>> e : networks.entrySet()) {
      byte[] key = Keys.network(e.getKey());
      Touched<String> t = e.getValue();
      if (t.value != null) {
        out.put(cf, key, t.value.getBytes(StandardCharsets.UTF_8));
      } else if (t.existed) {
        out.delete(cf, key);
      }
    }
    cf = store.handle(Family.HOSTS).getID();
    for (Map.Entry<Long, Touched<Host>> e : hosts.entrySet()) {
      byte[] key = Keys.u32(e.getKey());
      Touched<Host> t = e.getValue();
      if (t.value != null) {
        out.put(cf, key, ValueCodec.encodeHost(t.value));
      } else if (t.existed) {
        out.delete(cf, key);
      }
    }
    cf = store.handle(Family.PEERS).getID();
    for (Map.Entry<InstanceRef, Touched<Peer>> e : peers.entrySet()) {
      byte[] key = Keys.peer(e.getKey().network(), e.getKey().app());
      Touched<Peer> t = e.getValue();
      if (t.value != null) {
        out.put(cf, key, ValueCodec.encodePeer(t.value));
      } else if (t.existed) {
        out.delete(cf, key);
      }
    }
    cf = store.handle(Family.PARKED).getID();
    for (Map.Entry<InstanceRef, Touched<ParkedEnd>> e : parked.entrySet()) {
      InstanceRef ref = e.getKey();
      byte[] key = Keys.instance(ref.network(), ref.app(), ref.instanceId());
      ParkedEnd p = e.getValue().value;
      if (p != null) {
        out.put(
            cf,
            key,
            ByteBuffer.allocate(9)
                .put((byte) (p.destroyed() ? 1 : 0))
                .putLong(p.timeMillis())
                .array());
      } else if (e.getValue().existed) {
        out.delete(cf, key);
      }
    }
    cf = store.handle(Family.EVENT_IDS).getID();
    for (Map.Entry<String, Long> e : eventIds.entrySet()) {
      long mark = e.getValue();
      Long purge = purges.get(EventIdSet.partitionOf(mark));
      // An id the batch's own range deletion covers is not written at all.
      if (purge == null || EventIdSet.timeOf(mark) >= purge) {
        out.put(cf, Keys.eventId(mark, e.getKey()), Keys.EMPTY);
      }
    }
    for (Map.Entry<Integer, Long> e : purges.entrySet()) {
      out.deleteRange(
          cf, Keys.eventIdsFrom(e.getKey(), 0), Keys.eventIdsFrom(e.getKey(), e.getValue()));
    }
    cf = store.handle(Family.QUARANTINE).getID();
    for (byte[][] q : quarantined) {
      out.put(cf, q[0], q[1]);
    }
    cf = store.handle(Family.META).getID();
    for (Map.Entry<Integer, Long> e : offsets.entrySet()) {
      out.put(cf, Keys.offset(e.getKey()), ByteBuffer.allocate(8).putLong(e.getValue()).array());
    }
    for (Map.Entry<Integer, long[]> e : dedup.entrySet()) {
      out.put(
          cf,
          Keys.dedup(e.getKey()),
          ByteBuffer.allocate(16).putLong(e.getValue()[0]).putLong(e.getValue()[1]).array());
    }
  }
}
