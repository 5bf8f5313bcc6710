package dev.sixpn.projector.fold;

import dev.sixpn.events.LifecycleEvent;
import dev.sixpn.events.LifecycleEvent.AppCreated;
import dev.sixpn.events.LifecycleEvent.AppDeleted;
import dev.sixpn.events.LifecycleEvent.HostJoined;
import dev.sixpn.events.LifecycleEvent.HostLeft;
import dev.sixpn.events.LifecycleEvent.InstanceDestroyed;
import dev.sixpn.events.LifecycleEvent.InstanceHealth;
import dev.sixpn.events.LifecycleEvent.InstanceStarted;
import dev.sixpn.events.LifecycleEvent.InstanceStopped;
import dev.sixpn.events.LifecycleEvent.NetworkCreated;
import dev.sixpn.events.LifecycleEvent.NetworkDeleted;
import dev.sixpn.events.LifecycleEvent.PeerCreated;
import dev.sixpn.events.LifecycleEvent.PeerRemoved;
import dev.sixpn.projector.store.ParkedEnd;
import dev.sixpn.projector.store.StateRows;
import dev.sixpn.projector.store.StateStore;
import dev.sixpn.projector.store.StoreBatch;
import dev.sixpn.state.Host;
import dev.sixpn.state.Instance;
import dev.sixpn.state.InstanceStatus;
import dev.sixpn.state.Peer;
import java.util.Optional;

/**
 * The fold rules: how each event changes the state. See {@code projector/README.md} for the
 * semantics in prose. Every rule checks before it writes, so a {@link RuleViolation} leaves the
 * batch untouched, but for the parked end of a stop or destroy that came before its start.
 */
public final class EventFolder {

  /** What folding one event did. */
  public enum Outcome {
    APPLIED,
    DUPLICATE
  }

  private EventFolder() {}

  public static Outcome fold(
      StateStore store, StoreBatch batch, LifecycleEvent event, ChangeCollector changes)
      throws RuleViolation {
    return fold(new StateRows(store, batch), event, changes);
  }

  public static Outcome fold(StateRows rows, LifecycleEvent event, ChangeCollector changes)
      throws RuleViolation {
    if (rows.seenEvent(event)) {
      return Outcome.DUPLICATE;
    }
    switch (event) {
      case NetworkCreated e -> {
        rows.putNetwork(e.network(), e.name() == null ? "" : e.name());
        changes.network(e.network());
      }
      case NetworkDeleted e -> {
        for (Instance i : rows.instancesOfNetwork(e.network())) {
          rows.deleteInstance(i);
          changes.instance(i.network(), i.app(), i.host(), i.instanceId());
        }
        for (String app : rows.appsOfNetwork(e.network())) {
          rows.deleteApp(e.network(), app);
          changes.app(e.network(), app);
        }
        for (Peer p : rows.peersOfNetwork(e.network())) {
          rows.deletePeer(p.network(), p.name());
          changes.host(p.gatewayHost());
        }
        rows.deleteNetwork(e.network());
        changes.network(e.network());
      }
      case AppCreated e -> {
        rows.ensureNetwork(e.network());
        rows.putApp(e.network(), e.app(), true);
        changes.app(e.network(), e.app());
      }
      case AppDeleted e -> {
        for (Instance i : rows.instancesOfApp(e.network(), e.app())) {
          rows.deleteInstance(i);
          changes.instance(i.network(), i.app(), i.host(), i.instanceId());
        }
        rows.deleteApp(e.network(), e.app());
        changes.app(e.network(), e.app());
      }
      case HostJoined e -> {
        rows.putHost(
            new Host(
                e.host(),
                e.region(),
                e.latitude(),
                e.longitude(),
                e.wireguardPublicKey(),
                e.endpoint()));
        changes.hostRecord(e.host());
      }
      case HostLeft e -> {
        // A host that left runs nothing: orchestration publishes host.left for a host it has
        // given up on (dead, drained), and its instances must leave DNS and every other host's
        // peers with it. Nothing can restart them there; a host that comes back announces itself
        // and starts its instances anew.
        for (Instance i : rows.instancesOnHost(e.host())) {
          rows.deleteInstance(i);
          changes.instance(i.network(), i.app(), i.host(), i.instanceId());
        }
        rows.deleteHost(e.host());
        changes.hostRecord(e.host());
      }
      case InstanceStarted e -> started(rows, e, changes);
      case PeerCreated e -> {
        Optional<Peer> holder = rows.peerByAddress(e.address());
        if (holder.isPresent()
            && !(holder.get().network() == e.network() && holder.get().name().equals(e.name()))) {
          throw new RuleViolation(
              "address " + e.address() + " already belongs to peer " + holder.get().name());
        }
        // A second peer.created of a name replaces the first (a new key, another gateway): the
        // old gateway drops it, the new one takes it.
        rows.peer(e.network(), e.name()).ifPresent(old -> changes.host(old.gatewayHost()));
        rows.ensureNetwork(e.network());
        rows.putPeer(new Peer(e.network(), e.name(), e.publicKey(), e.gatewayHost(), e.address()));
        changes.network(e.network());
        changes.host(e.gatewayHost());
      }
      case PeerRemoved e -> {
        Peer old =
            rows.peer(e.network(), e.name())
                .orElseThrow(
                    () ->
                        new RuleViolation(
                            "peer.removed for unknown peer "
                                + e.name()
                                + " in network "
                                + e.network()));
        rows.deletePeer(e.network(), e.name());
        changes.network(e.network());
        changes.host(old.gatewayHost());
      }
      case InstanceStopped e -> {
        Instance old = knownOrPark(rows, e.network(), e.app(), e.instanceId(), false, e);
        if (old.started()) {
          rows.replaceInstance(old, old.withStatus(InstanceStatus.STOPPED));
        }
        changes.instance(old.network(), old.app(), old.host(), old.instanceId());
      }
      case InstanceDestroyed e -> {
        Instance old = knownOrPark(rows, e.network(), e.app(), e.instanceId(), true, e);
        rows.deleteInstance(old);
        changes.instance(old.network(), old.app(), old.host(), old.instanceId());
      }
      case InstanceHealth e -> {
        Instance old =
            rows.instance(e.network(), e.app(), e.instanceId())
                .orElseThrow(
                    () ->
                        new RuleViolation(
                            "instance.health for unknown instance "
                                + e.instanceId()
                                + " of app "
                                + e.app()
                                + " in network "
                                + e.network()));
        if (!old.checks().containsKey(e.check())
            && old.checks().size() >= dev.sixpn.events.Validate.MAX_CHECKS) {
          throw new RuleViolation(
              "instance "
                  + e.instanceId()
                  + " already has "
                  + dev.sixpn.events.Validate.MAX_CHECKS
                  + " health checks; check "
                  + e.check()
                  + " is not added");
        }
        if (old.checks().get(e.check()) != e.status()) {
          rows.replaceInstance(old, old.withCheck(e.check(), e.status()));
          changes.instance(old.network(), old.app(), old.host(), old.instanceId());
        }
      }
    }
    rows.markEvent(event);
    return Outcome.APPLIED;
  }

  /**
   * The instance a stop or destroy is for. An unknown one is quarantined, and the event is also
   * parked: after the topic gained partitions, an instance's start and its end may hash to
   * different partitions and be read out of order; its start then applies the parked end (see
   * {@link #started}).
   */
  private static Instance knownOrPark(
      StateRows rows,
      long network,
      String app,
      String instanceId,
      boolean destroyed,
      LifecycleEvent e)
      throws RuleViolation {
    Optional<Instance> old = rows.instance(network, app, instanceId);
    if (old.isPresent()) {
      return old.get();
    }
    boolean parked =
        rows.park(network, app, instanceId, new ParkedEnd(destroyed, e.time().toEpochMilli()));
    throw new RuleViolation(
        e.type().wireName()
            + " for unknown instance "
            + instanceId
            + " of app "
            + app
            + " in network "
            + network
            + (parked
                ? "; held until its start arrives"
                : "; not held, " + StateRows.MAX_PARKED + " are already waiting"));
  }

  private static void started(StateRows rows, InstanceStarted e, ChangeCollector changes)
      throws RuleViolation {
    Optional<Instance> holder = rows.instanceByAddress(e.address());
    if (holder.isPresent()
        && !(holder.get().network() == e.network()
            && holder.get().app().equals(e.app())
            && holder.get().instanceId().equals(e.instanceId()))) {
      Instance h = holder.get();
      throw new RuleViolation(
          "address "
              + e.address()
              + " already belongs to instance "
              + h.instanceId()
              + " of app "
              + h.app());
    }
    Optional<Instance> sameId = rows.instanceOnHost(e.host(), e.instanceId());
    if (sameId.isPresent()
        && !(sameId.get().network() == e.network() && sameId.get().app().equals(e.app()))) {
      // The host's link (6p + hash of the id) and namespace (the id) would be shared: the later
      // event is refused, never the running instance displaced.
      throw new RuleViolation(
          "instance id "
              + e.instanceId()
              + " already belongs to app "
              + sameId.get().app()
              + " of network "
              + sameId.get().network()
              + " on host "
              + e.host());
    }
    Instance now =
        rows.newInstance(
            e.instanceId(),
            e.network(),
            e.app(),
            e.processGroup(),
            e.host(),
            e.region(),
            e.address(),
            InstanceStatus.STARTED,
            e.metadata(),
            e.hostAccess(),
            e.ports());
    Optional<Instance> old = rows.instance(e.network(), e.app(), e.instanceId());
    if (old.isPresent()) {
      // A restart may move the instance (new host, region or address): only changed entries move.
      // Its checks stay as last reported until their next results (a destroy forgets them).
      now = now.withChecks(old.get().checks());
      rows.replaceInstance(old.get(), now);
      changes.host(old.get().host());
    } else {
      rows.ensureNetwork(e.network());
      if (!rows.appExists(e.network(), e.app())) {
        rows.putApp(e.network(), e.app(), false);
      }
      rows.putInstance(now);
    }
    Optional<ParkedEnd> end = rows.unpark(e.network(), e.app(), e.instanceId());
    if (end.isPresent() && end.get().timeMillis() >= e.time().toEpochMilli()) {
      // Its stop or destroy was read first (another partition): it applies now, in event order.
      if (end.get().destroyed()) {
        rows.deleteInstance(now);
      } else {
        rows.replaceInstance(now, now.withStatus(InstanceStatus.STOPPED));
      }
    }
    changes.instance(e.network(), e.app(), e.host(), e.instanceId());
  }
}
