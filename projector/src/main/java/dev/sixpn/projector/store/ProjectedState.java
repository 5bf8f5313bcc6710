package dev.sixpn.projector.store;

import dev.sixpn.address.SixpnAddress;
import dev.sixpn.state.GeoPoint;
import dev.sixpn.state.Host;
import dev.sixpn.state.Instance;
import dev.sixpn.state.Peer;
import dev.sixpn.state.StateReader;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The projected state in memory: networks, their apps, the apps' instances, and the indexes the DNS
 * edge and the dataplane query (by address, by host). The fold changes it in place, one event at a
 * time; RocksDB ({@link StateStore}) holds the durable copy of its primary rows and rebuilds it on
 * open.
 *
 * <p>One writer (the projector's fold thread), any number of readers. Maps are concurrent, so a
 * reader sees every event folded so far, each event applied as a whole to the map it reads; an
 * index lookup that races a removal finds nothing rather than a torn value. State can be visible a
 * few milliseconds before its batch is durable: a crash loses both, and the replay restores both.
 *
 * <p>Strings that repeat across instances (apps, regions, process groups) are kept once.
 */
public final class ProjectedState implements StateReader {

  /** Orders instance lists as the old key order did: by id, then app. */
  private static final Comparator<Instance> BY_ID =
      Comparator.comparing(Instance::instanceId).thenComparing(Instance::app);

  private final ConcurrentHashMap<Long, NetworkNode> networks = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<SixpnAddress, InstanceRef> byAddress = new ConcurrentHashMap<>();

  /**
   * Host to instance id to instance: an id names one instance per host (the fold rejects a second
   * instance with a live id on a host), since the host's link and namespace are derived from it.
   */
  private final ConcurrentHashMap<Long, ConcurrentHashMap<String, InstanceRef>> byHost =
      new ConcurrentHashMap<>();

  private final ConcurrentHashMap<Long, Host> hosts = new ConcurrentHashMap<>();

  /** Network to peer name to peer, and every peer by address. Peers are few: no host index. */
  private final ConcurrentHashMap<Long, ConcurrentHashMap<String, Peer>> peers =
      new ConcurrentHashMap<>();

  private final ConcurrentHashMap<SixpnAddress, Peer> peersByAddress = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, String> names = new ConcurrentHashMap<>();
  private final EventIdSet eventIds;

  /** Stops and destroys waiting for their start; the fold thread only. */
  private final java.util.HashMap<InstanceRef, ParkedEnd> parked = new java.util.HashMap<>();

  ProjectedState(java.time.Duration dedupHorizon) {
    this.eventIds = new EventIdSet(dedupHorizon);
  }

  /** A network that exists: its name and its apps. */
  private static final class NetworkNode {
    volatile String name;
    final ConcurrentHashMap<String, AppNode> apps = new ConcurrentHashMap<>();

    NetworkNode(String name) {
      this.name = name;
    }
  }

  /** An app that exists: created explicitly or implied by an instance. */
  private static final class AppNode {
    volatile boolean created;
    final ConcurrentHashMap<String, Instance> instances = new ConcurrentHashMap<>();

    AppNode(boolean created) {
      this.created = created;
    }
  }

  // ---- writes (the fold thread only) ----

  String canonical(String s) {
    String c = names.get(s);
    if (c != null) {
      return c;
    }
    c = names.putIfAbsent(s, s);
    return c == null ? s : c;
  }

  EventIdSet eventIds() {
    return eventIds;
  }

  /** Empties the state before a restore reloads it; readers meanwhile see it partial. */
  void clear() {
    networks.clear();
    byAddress.clear();
    byHost.clear();
    hosts.clear();
    peers.clear();
    peersByAddress.clear();
    eventIds.clear();
    parked.clear();
  }

  java.util.Map<InstanceRef, ParkedEnd> parked() {
    return parked;
  }

  void putNetwork(long network, String name) {
    NetworkNode node = networks.get(network);
    if (node == null) {
      networks.put(network, new NetworkNode(name));
    } else {
      node.name = name;
    }
  }

  void removeNetwork(long network) {
    networks.remove(network);
  }

  Optional<String> networkName(long network) {
    NetworkNode node = networks.get(network);
    return node == null ? Optional.empty() : Optional.of(node.name);
  }

  /** Creates or updates the app row; the network must exist. */
  void putApp(long network, String app, boolean created) {
    NetworkNode n = networks.get(network);
    if (n == null) {
      throw new IllegalStateException("app " + app + " of network " + network + " has no network");
    }
    AppNode a = n.apps.get(app);
    if (a == null) {
      n.apps.put(canonical(app), new AppNode(created));
    } else {
      a.created = created;
    }
  }

  /** Removes the app row; its instances must be gone already. */
  void removeApp(long network, String app) {
    NetworkNode n = networks.get(network);
    if (n != null) {
      n.apps.remove(app);
    }
  }

  /**
   * Adds or replaces the instance and moves its index entries; the app must exist. {@code old} is
   * the value it replaces, or null.
   */
  void putInstance(InstanceRef ref, Instance old, Instance now) {
    AppNode a = appNode(now.network(), now.app());
    if (a == null) {
      throw new IllegalStateException(
          "instance " + now.instanceId() + " of app " + now.app() + " has no app");
    }
    a.instances.put(now.instanceId(), now);
    if (old == null || !old.address().equals(now.address())) {
      if (old != null) {
        byAddress.remove(old.address(), ref);
      }
      byAddress.put(now.address(), ref);
    }
    if (old == null || old.host() != now.host()) {
      if (old != null) {
        removeFromHost(old.host(), ref);
      }
      byHost.computeIfAbsent(now.host(), h -> new ConcurrentHashMap<>()).put(ref.instanceId(), ref);
    }
  }

  void removeInstance(InstanceRef ref, Instance i) {
    AppNode a = appNode(i.network(), i.app());
    if (a != null) {
      a.instances.remove(i.instanceId());
    }
    byAddress.remove(i.address(), ref);
    removeFromHost(i.host(), ref);
  }

  private void removeFromHost(long host, InstanceRef ref) {
    Map<String, InstanceRef> on = byHost.get(host);
    if (on != null) {
      on.remove(ref.instanceId(), ref);
    }
  }

  /** The instance with id {@code instanceId} on {@code host}, of any app or network. */
  Optional<InstanceRef> onHost(long host, String instanceId) {
    Map<String, InstanceRef> on = byHost.get(host);
    return on == null ? Optional.empty() : Optional.ofNullable(on.get(instanceId));
  }

  void putHost(Host h) {
    hosts.put(h.host(), h);
  }

  void removeHost(long host) {
    hosts.remove(host);
  }

  /** Adds or replaces the peer of that network and name. */
  void putPeer(Peer p) {
    Peer old = peers.computeIfAbsent(p.network(), n -> new ConcurrentHashMap<>()).put(p.name(), p);
    if (old != null && !old.address().equals(p.address())) {
      peersByAddress.remove(old.address(), old);
    }
    peersByAddress.put(p.address(), p);
  }

  void removePeer(long network, String name) {
    Map<String, Peer> of = peers.get(network);
    Peer old = of == null ? null : of.remove(name);
    if (old != null) {
      peersByAddress.remove(old.address(), old);
    }
  }

  Optional<Peer> peer(long network, String name) {
    Map<String, Peer> of = peers.get(network);
    return of == null ? Optional.empty() : Optional.ofNullable(of.get(name));
  }

  Instance instance(InstanceRef ref) {
    AppNode a = appNode(ref.network(), ref.app());
    return a == null ? null : a.instances.get(ref.instanceId());
  }

  private AppNode appNode(long network, String app) {
    NetworkNode n = networks.get(network);
    return n == null ? null : n.apps.get(app);
  }

  /** Every network id, ascending. */
  List<Long> networkIds() {
    List<Long> out = new ArrayList<>(networks.keySet());
    out.sort(null);
    return out;
  }

  /** Counts, for logs: networks, apps, instances, hosts. */
  String size() {
    long apps = 0;
    long instances = 0;
    for (NetworkNode n : networks.values()) {
      apps += n.apps.size();
      for (AppNode a : n.apps.values()) {
        instances += a.instances.size();
      }
    }
    return "networks="
        + networks.size()
        + " apps="
        + apps
        + " instances="
        + instances
        + " hosts="
        + hosts.size();
  }

  // ---- StateReader ----

  @Override
  public Optional<Instance> instanceByAddress(SixpnAddress address) {
    InstanceRef ref = byAddress.get(address);
    return ref == null ? Optional.empty() : Optional.ofNullable(instance(ref));
  }

  @Override
  public Optional<Instance> instance(long network, String app, String instanceId) {
    AppNode a = appNode(network, app);
    return a == null ? Optional.empty() : Optional.ofNullable(a.instances.get(instanceId));
  }

  @Override
  public List<Instance> instancesOfApp(long network, String app, boolean includeStopped) {
    return instancesOfApp(network, app, i -> includeStopped || i.started());
  }

  @Override
  public List<Instance> instancesOfAppInRegion(long network, String app, String region) {
    return instancesOfApp(network, app, i -> i.started() && i.region().equals(region));
  }

  @Override
  public List<Instance> instancesOfProcessGroup(long network, String app, String processGroup) {
    return instancesOfApp(network, app, i -> i.started() && i.processGroup().equals(processGroup));
  }

  /**
   * The app's instances that pass {@code test}, sorted. No region or group index to keep in step:
   * an app's instances are few, and the DNS edge caches every answer until the app changes.
   */
  private List<Instance> instancesOfApp(
      long network, String app, java.util.function.Predicate<Instance> test) {
    AppNode a = appNode(network, app);
    if (a == null) {
      return List.of();
    }
    List<Instance> out = new ArrayList<>();
    for (Instance i : a.instances.values()) {
      if (test.test(i)) {
        out.add(i);
      }
    }
    out.sort(BY_ID);
    return out;
  }

  @Override
  public List<Instance> instancesOfNetwork(long network, boolean includeStopped) {
    NetworkNode n = networks.get(network);
    if (n == null) {
      return List.of();
    }
    List<Instance> out = new ArrayList<>();
    for (AppNode a : n.apps.values()) {
      for (Instance i : a.instances.values()) {
        if (includeStopped || i.started()) {
          out.add(i);
        }
      }
    }
    out.sort(BY_ID);
    return out;
  }

  @Override
  public List<Instance> instancesOnHost(long host) {
    Map<String, InstanceRef> on = byHost.get(host);
    if (on == null) {
      return List.of();
    }
    List<Instance> out = new ArrayList<>(on.size());
    for (InstanceRef ref : on.values()) {
      Instance i = instance(ref);
      if (i != null && i.host() == host) {
        out.add(i);
      }
    }
    out.sort(BY_ID);
    return out;
  }

  @Override
  public boolean appExists(long network, String app) {
    return appNode(network, app) != null;
  }

  @Override
  public List<String> appsOfNetwork(long network) {
    NetworkNode n = networks.get(network);
    if (n == null) {
      return List.of();
    }
    List<String> out = new ArrayList<>(n.apps.keySet());
    out.sort(null);
    return out;
  }

  @Override
  public List<String> regionsOfApp(long network, String app, boolean includeStopped) {
    AppNode a = appNode(network, app);
    if (a == null) {
      return List.of();
    }
    TreeSet<String> regions = new TreeSet<>();
    for (Instance i : a.instances.values()) {
      if (includeStopped || i.started()) {
        regions.add(i.region());
      }
    }
    return List.copyOf(regions);
  }

  @Override
  public boolean networkExists(long network) {
    return networks.containsKey(network);
  }

  @Override
  public Optional<Host> host(long host) {
    return Optional.ofNullable(hosts.get(host));
  }

  @Override
  public List<Host> hosts() {
    List<Host> out = new ArrayList<>(hosts.values());
    out.sort(Comparator.comparingLong(Host::host));
    return out;
  }

  @Override
  public List<Peer> peersOfNetwork(long network) {
    Map<String, Peer> of = peers.get(network);
    if (of == null) {
      return List.of();
    }
    List<Peer> out = new ArrayList<>(of.values());
    out.sort(Comparator.comparing(Peer::name));
    return out;
  }

  @Override
  public List<Peer> peersOnHost(long host) {
    List<Peer> out = new ArrayList<>();
    for (Peer p : peersByAddress.values()) {
      if (p.gatewayHost() == host) {
        out.add(p);
      }
    }
    out.sort(Comparator.comparingLong(Peer::network).thenComparing(Peer::name));
    return out;
  }

  @Override
  public Optional<Peer> peerByAddress(SixpnAddress address) {
    return Optional.ofNullable(peersByAddress.get(address));
  }

  @Override
  public Optional<GeoPoint> regionLocation(String region) {
    return hosts().stream()
        .filter(h -> h.region().equals(region))
        .findFirst()
        .map(h -> new GeoPoint(h.latitude(), h.longitude()));
  }
}
