package dev.sixpn.projector.store;

import dev.sixpn.address.SixpnAddress;
import dev.sixpn.state.Host;
import dev.sixpn.state.Instance;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Row-level reads and writes inside one {@link StoreBatch}, keeping the indexes in step with the
 * instances family. The fold rules speak this API and never see a key.
 */
public final class StateRows {

  private static final byte[] EMPTY = new byte[0];

  private final StoreBatch batch;

  public StateRows(StoreBatch batch) {
    this.batch = batch;
  }

  /**
   * Reads ahead the rows the fold of these events will look up; see {@link StoreBatch#prefetch}.
   */
  public void prefetch(List<dev.sixpn.events.LifecycleEvent> events) {
    List<byte[]> ids = new ArrayList<>(events.size());
    List<byte[]> instances = new ArrayList<>();
    List<byte[]> addresses = new ArrayList<>();
    java.util.Set<ByteKey> apps = new java.util.HashSet<>();
    java.util.Set<Long> networks = new java.util.HashSet<>();
    for (dev.sixpn.events.LifecycleEvent e : events) {
      ids.add(e.eventId().getBytes(StandardCharsets.UTF_8));
      switch (e) {
        case dev.sixpn.events.LifecycleEvent.InstanceStarted s -> {
          instances.add(Keys.instance(s.network(), s.app(), s.instanceId()));
          addresses.add(s.address().toBytes());
          apps.add(new ByteKey(Keys.appRow(s.network(), s.app())));
          networks.add(s.network());
        }
        case dev.sixpn.events.LifecycleEvent.InstanceStopped s ->
            instances.add(Keys.instance(s.network(), s.app(), s.instanceId()));
        case dev.sixpn.events.LifecycleEvent.InstanceDestroyed s ->
            instances.add(Keys.instance(s.network(), s.app(), s.instanceId()));
        default -> {}
      }
    }
    batch.prefetch(Family.EVENT_IDS, ids);
    batch.prefetch(Family.INSTANCES, instances);
    batch.prefetch(Family.BY_ADDRESS, addresses);
    batch.prefetch(Family.APPS, apps.stream().map(k -> k.bytes).toList());
    batch.prefetch(Family.NETWORKS, networks.stream().map(Keys::network).toList());
  }

  public boolean seenEvent(byte[] eventId) {
    return batch.get(Family.EVENT_IDS, eventId) != null;
  }

  public void markEvent(byte[] eventId) {
    batch.put(Family.EVENT_IDS, eventId, EMPTY);
  }

  public void putNetwork(long network, String name) {
    batch.put(Family.NETWORKS, Keys.network(network), name.getBytes(StandardCharsets.UTF_8));
  }

  public void ensureNetwork(long network) {
    if (batch.get(Family.NETWORKS, Keys.network(network)) == null) {
      putNetwork(network, "");
    }
  }

  public void deleteNetwork(long network) {
    batch.delete(Family.NETWORKS, Keys.network(network));
  }

  public boolean appExists(long network, String app) {
    return batch.get(Family.APPS, Keys.appRow(network, app)) != null;
  }

  public void putApp(long network, String app, boolean created) {
    batch.put(Family.APPS, Keys.appRow(network, app), new byte[] {(byte) (created ? 1 : 0)});
  }

  public void deleteApp(long network, String app) {
    batch.delete(Family.APPS, Keys.appRow(network, app));
  }

  public List<String> appsOfNetwork(long network) {
    List<String> out = new ArrayList<>();
    for (Map.Entry<byte[], byte[]> e : batch.scan(Family.APPS, Keys.network(network))) {
      out.add(Keys.appOfRow(e.getKey()));
    }
    return out;
  }

  public void putHost(Host host) {
    batch.put(Family.HOSTS, Keys.u32(host.host()), ValueCodec.encodeHost(host));
  }

  public void deleteHost(long host) {
    batch.delete(Family.HOSTS, Keys.u32(host));
  }

  public Optional<Instance> instance(long network, String app, String instanceId) {
    return Optional.ofNullable(batch.get(Family.INSTANCES, Keys.instance(network, app, instanceId)))
        .map(ValueCodec::decodeInstance);
  }

  public Optional<Instance> instanceByAddress(SixpnAddress address) {
    byte[] key = batch.get(Family.BY_ADDRESS, address.toBytes());
    return key == null
        ? Optional.empty()
        : Optional.ofNullable(batch.get(Family.INSTANCES, key)).map(ValueCodec::decodeInstance);
  }

  public List<Instance> instancesOfApp(long network, String app) {
    return decodeAll(batch.scan(Family.INSTANCES, Keys.app(network, app)));
  }

  public List<Instance> instancesOfNetwork(long network) {
    return decodeAll(batch.scan(Family.INSTANCES, Keys.network(network)));
  }

  private static List<Instance> decodeAll(List<Map.Entry<byte[], byte[]>> rows) {
    List<Instance> out = new ArrayList<>(rows.size());
    for (Map.Entry<byte[], byte[]> e : rows) {
      out.add(ValueCodec.decodeInstance(e.getValue()));
    }
    return out;
  }

  /** Writes the instance and its index entries (region and group only while started). */
  public void putInstance(Instance i) {
    byte[] key = Keys.instance(i.network(), i.app(), i.instanceId());
    batch.put(Family.INSTANCES, key, ValueCodec.encodeInstance(i));
    batch.put(Family.BY_ADDRESS, i.address().toBytes(), key);
    batch.put(
        Family.BY_HOST, Keys.hostEntry(i.host(), i.network(), i.app(), i.instanceId()), EMPTY);
    if (i.started()) {
      batch.put(
          Family.BY_REGION,
          Keys.regionEntry(i.network(), i.app(), i.region(), i.instanceId()),
          EMPTY);
      batch.put(
          Family.BY_GROUP,
          Keys.groupEntry(i.network(), i.app(), i.processGroup(), i.instanceId()),
          EMPTY);
    }
  }

  /**
   * Writes {@code now} over {@code old} (same network, app and id), touching only the index entries
   * that differ: a stop drops the region and group entries, a restart in place adds them back, a
   * move to another host or address rewrites those entries.
   */
  public void replaceInstance(Instance old, Instance now) {
    byte[] key = Keys.instance(now.network(), now.app(), now.instanceId());
    batch.put(Family.INSTANCES, key, ValueCodec.encodeInstance(now));
    if (!old.address().equals(now.address())) {
      batch.delete(Family.BY_ADDRESS, old.address().toBytes());
      batch.put(Family.BY_ADDRESS, now.address().toBytes(), key);
    }
    if (old.host() != now.host()) {
      batch.delete(
          Family.BY_HOST, Keys.hostEntry(old.host(), old.network(), old.app(), old.instanceId()));
      batch.put(
          Family.BY_HOST,
          Keys.hostEntry(now.host(), now.network(), now.app(), now.instanceId()),
          EMPTY);
    }
    replaceEntry(
        Family.BY_REGION,
        old.started()
            ? Keys.regionEntry(old.network(), old.app(), old.region(), old.instanceId())
            : null,
        now.started()
            ? Keys.regionEntry(now.network(), now.app(), now.region(), now.instanceId())
            : null);
    replaceEntry(
        Family.BY_GROUP,
        old.started()
            ? Keys.groupEntry(old.network(), old.app(), old.processGroup(), old.instanceId())
            : null,
        now.started()
            ? Keys.groupEntry(now.network(), now.app(), now.processGroup(), now.instanceId())
            : null);
  }

  private void replaceEntry(Family family, byte[] old, byte[] now) {
    if (old != null && now != null && java.util.Arrays.equals(old, now)) {
      return;
    }
    if (old != null) {
      batch.delete(family, old);
    }
    if (now != null) {
      batch.put(family, now, EMPTY);
    }
  }

  /** Deletes the instance and every index entry it may have. */
  public void deleteInstance(Instance i) {
    batch.delete(Family.INSTANCES, Keys.instance(i.network(), i.app(), i.instanceId()));
    batch.delete(Family.BY_ADDRESS, i.address().toBytes());
    batch.delete(Family.BY_HOST, Keys.hostEntry(i.host(), i.network(), i.app(), i.instanceId()));
    batch.delete(
        Family.BY_REGION, Keys.regionEntry(i.network(), i.app(), i.region(), i.instanceId()));
    batch.delete(
        Family.BY_GROUP, Keys.groupEntry(i.network(), i.app(), i.processGroup(), i.instanceId()));
  }

  public void quarantine(int partition, long offset, byte[] json) {
    batch.put(Family.QUARANTINE, Keys.quarantine(partition, offset), json);
  }
}
