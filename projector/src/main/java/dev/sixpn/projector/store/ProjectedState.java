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
import java.util.function.Predicate;

/**
 * The projected state in memory: networks, their apps, the apps' instances, and the indexes the DNS
 * edge and the dataplane query (by address, by host). The fold changes it in place, one event at a
 * time; RocksDB ({@link StateStore}) holds the durable copy of its primary rows and rebuilds it on
 * open.
 *
 * <p>Laid out for a million instances: an instance is one {@link StoredInstance} (~70 bytes with
 * its id), held by three {@link OpenTable}s — its app's (by id), its host's by id and its host's by
 * address — of a slot each; strings that repeat across instances (apps, regions, process groups)
 * are kept once. The read API's {@link Instance} values are made on each read: the DNS edge caches
 * its answers and the dataplane reads only its host's instances.
 *
 * <p>One writer (the projector's fold thread), any number of readers. A reader sees every event
 * folded so far, each event applied as a whole to the table it reads; a lookup that races a removal
 * finds nothing rather than a torn value. State can be visible a few milliseconds before its batch
 * is durable: a crash loses both, and the replay restores both.
 */
public final class ProjectedState implements StateReader {

  /** Orders instance lists as the old key order did: by id, then app. */
  private static final Comparator<Instance> BY_ID =
      Comparator.comparing(Instance::instanceId).thenComparing(Instance::app);

  private final Networks networks = new Networks();
  private final Hosts byHost = new Hosts();
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

  /** A node with a numeric id, kept in a {@link ById} table. */
  private interface Numbered {
    long id();
  }

  /** Nodes by their numeric id. */
  private static class ById<N extends Numbered> extends OpenTable<N> {
    @Override
    protected int hashOf(N n) {
      return hashLong(n.id());
    }

    @Override
    protected boolean matches(N n, long k, Object o) {
      return n.id() == k;
    }

    @Override
    protected boolean sameKey(N a, N b) {
      return a.id() == b.id();
    }

    N get(long id) {
      return find(hashLong(id), id, null);
    }
  }

  /** Instances by instance id; lookups pass the id's hash as the long key too, compared first. */
  private static class ByInstanceId extends OpenTable<StoredInstance> {
    @Override
    protected int hashOf(StoredInstance i) {
      return i.idHash;
    }

    @Override
    protected boolean matches(StoredInstance i, long k, Object o) {
      return i.hasId((int) k, (String) o);
    }

    @Override
    protected boolean sameKey(StoredInstance a, StoredInstance b) {
      return a.sameId(b);
    }
  }

  /** A network that exists: its name, and its apps by name. */
  static final class NetworkNode extends OpenTable<AppNode> implements Numbered {
    final long id;
    volatile String name;

    NetworkNode(long id, String name) {
      this.id = id;
      this.name = name;
    }

    @Override
    public long id() {
      return id;
    }

    @Override
    protected int hashOf(AppNode a) {
      return a.name.hashCode();
    }

    @Override
    protected boolean matches(AppNode a, long k, Object o) {
      return a.name.equals(o);
    }

    @Override
    protected boolean sameKey(AppNode a, AppNode b) {
      return a.name.equals(b.name);
    }
  }

  /** An app that exists (created explicitly or implied by an instance): its instances by id. */
  static final class AppNode extends ByInstanceId {
    final long network;
    final String name;
    volatile boolean created;

    AppNode(long network, String name, boolean created) {
      this.network = network;
      this.name = name;
      this.created = created;
    }
  }

  /**
   * A host's instances by id: an id names one instance per host (the fold rejects a second instance
   * with that id on the host), since the host's link and namespace are derived from it. And by
   * address: an instance's address names its host.
   */
  static final class HostNode extends ByInstanceId implements Numbered {
    final long host;
    final ByAddress byAddress = new ByAddress();

    HostNode(long host) {
      this.host = host;
    }

    @Override
    public long id() {
      return host;
    }

    @Override
    protected boolean sameEntity(StoredInstance stored, StoredInstance i) {
      return stored.sameInstance(i);
    }
  }

  static final class ByAddress extends OpenTable<StoredInstance> {
    @Override
    protected int hashOf(StoredInstance i) {
      return i.addressHash();
    }

    @Override
    protected boolean matches(StoredInstance i, long k, Object o) {
      return i.hasAddress((SixpnAddress) o);
    }

    @Override
    protected boolean sameKey(StoredInstance a, StoredInstance b) {
      return a.sameAddress(b);
    }

    @Override
    protected boolean sameEntity(StoredInstance stored, StoredInstance i) {
      return stored.sameInstance(i);
    }
  }

  private static final class Networks extends ById<NetworkNode> {}

  private static final class Hosts extends ById<HostNode> {
    /** The host's node, made if new; the writer only. */
    HostNode of(long host) {
      HostNode h = get(host);
      if (h == null) {
        h = new HostNode(host);
        put(h);
      }
      return h;
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
      networks.put(new NetworkNode(network, name));
    } else {
      node.name = name;
    }
  }

  /** Removes the network; its apps and their instances must be gone already. */
  void removeNetwork(long network) {
    networks.remove(OpenTable.hashLong(network), network, null);
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
    AppNode a = n.find(app.hashCode(), 0, app);
    if (a == null) {
      n.put(new AppNode(network, canonical(app), created));
    } else {
      a.created = created;
    }
  }

  /** Removes the app row; its instances must be gone already. */
  void removeApp(long network, String app) {
    NetworkNode n = networks.get(network);
    if (n != null) {
      n.remove(app.hashCode(), 0, app);
    }
  }

  /** Adds the instance, or replaces the one with its id in its app and moves its index entries. */
  void putInstance(Instance now) {
    AppNode a = appNode(now.network(), now.app());
    if (a == null) {
      throw new IllegalStateException(
          "instance " + now.instanceId() + " of app " + now.app() + " has no app");
    }
    put(StoredInstance.of(now, a, this::canonical));
  }

  /** Adds or replaces {@code s} in its app and in its host's indexes. */
  void put(StoredInstance s) {
    StoredInstance old = s.app.put(s);
    if (old != null && old.host != s.host) {
      unindex(old);
    } else if (old != null && !old.sameAddress(s)) {
      byHost.get(old.hostId()).byAddress.removeEntity(old);
    }
    HostNode h = byHost.of(s.hostId());
    h.put(s);
    h.byAddress.put(s);
  }

  void removeInstance(Instance i) {
    AppNode a = appNode(i.network(), i.app());
    if (a != null) {
      String id = i.instanceId();
      int hash = StoredInstance.idHash(id);
      StoredInstance old = a.remove(hash, hash, id);
      if (old != null) {
        unindex(old);
      }
    }
  }

  private void unindex(StoredInstance old) {
    HostNode h = byHost.get(old.hostId());
    if (h != null) {
      h.removeEntity(old);
      h.byAddress.removeEntity(old);
    }
  }

  /** By id, in an app's or a host's table: the hash doubles as the long key, compared first. */
  private static StoredInstance findId(OpenTable<StoredInstance> byId, String instanceId) {
    int hash = StoredInstance.idHash(instanceId);
    return byId.find(hash, hash, instanceId);
  }

  /** The instance with id {@code instanceId} on {@code host}, of any app or network. */
  Optional<Instance> instanceOnHost(long host, String instanceId) {
    HostNode h = byHost.get(host);
    StoredInstance s = h == null ? null : findId(h, instanceId);
    return s == null ? Optional.empty() : Optional.of(s.toInstance());
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

  /**
   * Resolves the repeated parts of instance rows while they load: the app's node (rows come in key
   * order, so an app's rows follow one another) and the state's copy of a process group or region,
   * read from the row's bytes without a string made per row. One per loading thread.
   */
  final class RowNames {
    private AppNode lastApp;
    private byte[] lastAppName = new byte[0];
    private final String[] recent = new String[256];

    AppNode app(long network, byte[] b, int off, int len) {
      if (lastApp != null
          && lastApp.network == network
          && java.util.Arrays.equals(lastAppName, 0, lastAppName.length, b, off, off + len)) {
        return lastApp;
      }
      String name = new String(b, off, len, java.nio.charset.StandardCharsets.UTF_8);
      AppNode a = appNode(network, name);
      if (a == null) {
        throw new IllegalStateException(
            "an instance row of app " + name + " of network " + network + " has no app row");
      }
      lastApp = a;
      lastAppName = java.util.Arrays.copyOfRange(b, off, off + len);
      return a;
    }

    String name(byte[] b, int off, int len) {
      int h = 0;
      for (int i = off; i < off + len; i++) {
        h = 31 * h + b[i];
      }
      int slot = (h ^ (h >>> 8)) & (recent.length - 1);
      String s = recent[slot];
      if (s == null || !sameAscii(s, b, off, len)) {
        s = canonical(new String(b, off, len, java.nio.charset.StandardCharsets.UTF_8));
        recent[slot] = s;
      }
      return s;
    }

    private static boolean sameAscii(String s, byte[] b, int off, int len) {
      if (s.length() != len) {
        return false;
      }
      for (int i = 0; i < len; i++) {
        if (s.charAt(i) != b[off + i]) {
          return false;
        }
      }
      return true;
    }
  }

  /** The app's node, for the load; any thread. */
  AppNode appNode(long network, String app) {
    NetworkNode n = networks.get(network);
    return n == null ? null : n.find(app.hashCode(), 0, app);
  }

  private StoredInstance stored(long network, String app, String instanceId) {
    AppNode a = appNode(network, app);
    return a == null ? null : findId(a, instanceId);
  }

  /** Every network id, ascending. */
  List<Long> networkIds() {
    List<Long> out = new ArrayList<>(networks.size());
    networks.forEach(n -> out.add(n.id));
    out.sort(null);
    return out;
  }

  /** Counts, for logs: networks, apps, instances, hosts. */
  String size() {
    long[] apps = {0};
    long[] instances = {0};
    networks.forEach(
        n -> {
          apps[0] += n.size();
          n.forEach(a -> instances[0] += a.size());
        });
    return "networks="
        + networks.size()
        + " apps="
        + apps[0]
        + " instances="
        + instances[0]
        + " hosts="
        + hosts.size();
  }

  // ---- StateReader ----

  @Override
  public Optional<Instance> instanceByAddress(SixpnAddress address) {
    HostNode h = byHost.get(address.host());
    StoredInstance s =
        h == null ? null : h.byAddress.find(StoredInstance.addressHash(address), 0, address);
    return s == null ? Optional.empty() : Optional.of(s.toInstance());
  }

  @Override
  public Optional<Instance> instance(long network, String app, String instanceId) {
    StoredInstance s = stored(network, app, instanceId);
    return s == null ? Optional.empty() : Optional.of(s.toInstance());
  }

  @Override
  public List<Instance> instancesOfApp(long network, String app, boolean includeStopped) {
    return instancesOfApp(network, app, i -> includeStopped || i.started());
  }

  @Override
  public List<Instance> instancesOfAppInRegion(long network, String app, String region) {
    return instancesOfApp(network, app, i -> i.started() && i.region.equals(region));
  }

  @Override
  public List<Instance> instancesOfProcessGroup(long network, String app, String processGroup) {
    return instancesOfApp(network, app, i -> i.started() && i.processGroup.equals(processGroup));
  }

  /**
   * The app's instances that pass {@code test}, sorted. No region or group index to keep in step:
   * an app's instances are few, and the DNS edge caches every answer until the app changes.
   */
  private List<Instance> instancesOfApp(long network, String app, Predicate<StoredInstance> test) {
    AppNode a = appNode(network, app);
    if (a == null) {
      return List.of();
    }
    return sorted(collect(a, test, new ArrayList<>(a.size())));
  }

  private static List<Instance> collect(
      OpenTable<StoredInstance> table, Predicate<StoredInstance> test, List<Instance> out) {
    table.forEach(
        i -> {
          if (test.test(i)) {
            out.add(i.toInstance());
          }
        });
    return out;
  }

  /**
   * Sorted by id and app, without the duplicate a weakly consistent iteration may see when an id
   * left and came back while it ran.
   */
  private static List<Instance> sorted(List<Instance> out) {
    out.sort(BY_ID);
    for (int k = out.size() - 1; k > 0; k--) {
      if (BY_ID.compare(out.get(k - 1), out.get(k)) == 0) {
        out.remove(k - 1);
      }
    }
    return out;
  }

  @Override
  public List<Instance> instancesOfNetwork(long network, boolean includeStopped) {
    NetworkNode n = networks.get(network);
    if (n == null) {
      return List.of();
    }
    List<Instance> out = new ArrayList<>();
    n.forEach(a -> collect(a, i -> includeStopped || i.started(), out));
    return sorted(out);
  }

  @Override
  public List<Instance> instancesOnHost(long host) {
    HostNode h = byHost.get(host);
    if (h == null) {
      return List.of();
    }
    return sorted(collect(h, i -> true, new ArrayList<>(h.size())));
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
    List<String> out = new ArrayList<>(n.size());
    n.forEach(a -> out.add(a.name));
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
    a.forEach(
        i -> {
          if (includeStopped || i.started()) {
            regions.add(i.region);
          }
        });
    return List.copyOf(regions);
  }

  @Override
  public boolean networkExists(long network) {
    return networks.get(network) != null;
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
