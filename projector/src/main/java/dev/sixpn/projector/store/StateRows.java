package dev.sixpn.projector.store;

import dev.sixpn.address.SixpnAddress;
import dev.sixpn.events.LifecycleEvent;
import dev.sixpn.events.Port;
import dev.sixpn.state.Host;
import dev.sixpn.state.Instance;
import dev.sixpn.state.InstanceStatus;
import dev.sixpn.state.Peer;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The fold's view of the state inside one {@link StoreBatch}: reads and changes the {@link
 * ProjectedState} and marks every primary row it changes in the batch, so the batch writes exactly
 * those rows. The fold rules speak this API and never see a key or a map.
 */
public final class StateRows {

  private final StoreBatch batch;
  private final StateStore store;
  private final ProjectedState state;
  private final EventIdSet ids;

  /** The partition of the record being folded (0 for folds that do not come from Kafka). */
  private int partition;

  /** Folds into {@code batch}, a batch of {@code store} ({@link StateStore#newBatch}). */
  public StateRows(StateStore store, StoreBatch batch) {
    this.batch = batch;
    this.store = store;
    this.state = store.state();
    this.ids = store.eventIds();
  }

  /** Sets the partition the next events come from: their dedup window is that partition's. */
  public void partition(int partition) {
    this.partition = partition;
  }

  /**
   * True if the event is older than the dedup horizon behind the latest event folded from its
   * partition: a copy re-published that late could not be told from an original, so it is never
   * folded.
   */
  public boolean expired(LifecycleEvent event) {
    return ids.expired(partition, event.time().toEpochMilli());
  }

  /**
   * True if this event was folded before (in this batch, one in flight, or committed) within the
   * dedup window, or is {@link #expired}: either way it must not be folded.
   */
  public boolean seenEvent(LifecycleEvent event) {
    if (expired(event)) {
      return true;
    }
    String id = event.eventId();
    long hash = EventIdSet.hash(id);
    if (!ids.mightContain(hash)) {
      return false;
    }
    if (batch.eventIds.containsKey(id)) {
      return true;
    }
    for (long mark : ids.candidates(hash)) {
      if (store.hasEvent(id, mark)) {
        return true;
      }
    }
    return false;
  }

  /** Marks the event folded; after the rules passed, so a rejected event leaves no trace. */
  public void markEvent(LifecycleEvent event) {
    long mark = EventIdSet.mark(partition, event.time().toEpochMilli());
    ids.add(EventIdSet.hash(event.eventId()), mark);
    long purge = ids.purgeDue(partition);
    if (purge >= 0) {
      batch.purgeEventIds(partition, purge);
    }
    batch.markEvent(event.eventId(), mark, ids.watermark(partition), ids.purged(partition));
  }

  public void putNetwork(long network, String name) {
    batch.touchNetwork(network, state.networkExists(network), name);
    state.putNetwork(network, name);
  }

  public void ensureNetwork(long network) {
    if (!state.networkExists(network)) {
      putNetwork(network, "");
    }
  }

  public void deleteNetwork(long network) {
    batch.touchNetwork(network, state.networkExists(network), null);
    state.removeNetwork(network);
  }

  public boolean appExists(long network, String app) {
    return state.appExists(network, app);
  }

  public void putApp(long network, String app, boolean created) {
    batch.touchApp(network, app, state.appExists(network, app), created);
    state.putApp(network, app, created);
  }

  public void deleteApp(long network, String app) {
    batch.touchApp(network, app, state.appExists(network, app), null);
    state.removeApp(network, app);
  }

  public List<String> appsOfNetwork(long network) {
    return state.appsOfNetwork(network);
  }

  public void putHost(Host host) {
    Host h =
        new Host(
            host.host(),
            state.canonical(host.region()),
            host.latitude(),
            host.longitude(),
            host.wireguardPublicKey(),
            host.endpoint());
    batch.touchHost(host.host(), state.host(host.host()).isPresent(), h);
    state.putHost(h);
  }

  public void deleteHost(long host) {
    batch.touchHost(host, state.host(host).isPresent(), null);
    state.removeHost(host);
  }

  public Optional<Peer> peer(long network, String name) {
    return state.peer(network, name);
  }

  public Optional<Peer> peerByAddress(SixpnAddress address) {
    return state.peerByAddress(address);
  }

  public List<Peer> peersOfNetwork(long network) {
    return state.peersOfNetwork(network);
  }

  public void putPeer(Peer p) {
    batch.touchPeer(p.network(), p.name(), state.peer(p.network(), p.name()).isPresent(), p);
    state.putPeer(p);
  }

  public void deletePeer(long network, String name) {
    batch.touchPeer(network, name, state.peer(network, name).isPresent(), null);
    state.removePeer(network, name);
  }

  /** At most this many stops and destroys wait for their start; beyond, one is only quarantined. */
  public static final int MAX_PARKED = 100_000;

  /**
   * Holds a stop or destroy of an instance not started yet, keeping the latest of two. False if
   * {@link #MAX_PARKED} are already held.
   */
  public boolean park(long network, String app, String instanceId, ParkedEnd end) {
    InstanceRef ref = new InstanceRef(network, app, instanceId);
    ParkedEnd old = state.parked().get(ref);
    if (old == null && state.parked().size() >= MAX_PARKED) {
      return false;
    }
    if (old == null || old.timeMillis() <= end.timeMillis()) {
      batch.touchParked(ref, old != null, end);
      state.parked().put(ref, end);
    }
    return true;
  }

  /** Removes and returns what was parked for the instance, if anything. */
  public Optional<ParkedEnd> unpark(long network, String app, String instanceId) {
    InstanceRef ref = new InstanceRef(network, app, instanceId);
    ParkedEnd p = state.parked().remove(ref);
    if (p != null) {
      batch.touchParked(ref, true, null);
    }
    return Optional.ofNullable(p);
  }

  public Optional<Instance> instance(long network, String app, String instanceId) {
    return state.instance(network, app, instanceId);
  }

  public Optional<Instance> instanceByAddress(SixpnAddress address) {
    return state.instanceByAddress(address);
  }

  /**
   * The instance with id {@code instanceId} on {@code host}, of any network: at most one, since the
   * host's link and namespace names are derived from the id.
   */
  public Optional<Instance> instanceOnHost(long host, String instanceId) {
    return state.instanceOnHost(host, instanceId);
  }

  /** Every instance of the app, started or stopped. */
  public List<Instance> instancesOfApp(long network, String app) {
    return state.instancesOfApp(network, app, true);
  }

  /** Every instance on the host, of any network, started or stopped. */
  public List<Instance> instancesOnHost(long host) {
    return state.instancesOnHost(host);
  }

  /** Every instance of the network, started or stopped. */
  public List<Instance> instancesOfNetwork(long network) {
    return state.instancesOfNetwork(network, true);
  }

  /** An instance value whose repeated strings (app, group, region) are the state's own copies. */
  public Instance newInstance(
      String instanceId,
      long network,
      String app,
      String processGroup,
      long host,
      String region,
      SixpnAddress address,
      InstanceStatus status,
      Map<String, String> metadata,
      boolean hostAccess,
      List<Port> ports) {
    return new Instance(
        instanceId,
        network,
        state.canonical(app),
        state.canonical(processGroup),
        host,
        state.canonical(region),
        address,
        status,
        metadata,
        hostAccess,
        ports);
  }

  /** Adds a new instance (made by {@link #newInstance}); its app must exist. */
  public void putInstance(Instance i) {
    replaceInstance(null, i);
  }

  /**
   * Writes {@code now} over {@code old} (same network, app and id; null if new): the indexes move
   * only where the host or address changed. {@code now} comes from {@link #newInstance} or is a
   * copy of {@code old}.
   */
  public void replaceInstance(Instance old, Instance now) {
    InstanceRef ref = new InstanceRef(now.network(), now.app(), now.instanceId());
    batch.touchInstance(ref, old != null, now);
    state.putInstance(now);
  }

  public void deleteInstance(Instance i) {
    InstanceRef ref = new InstanceRef(i.network(), i.app(), i.instanceId());
    batch.touchInstance(ref, true, null);
    state.removeInstance(i);
  }

  public void quarantine(int partition, long offset, byte[] json) {
    batch.quarantine(Keys.quarantine(partition, offset), json);
  }
}
