package dev.sixpn.dns.testing;

import dev.sixpn.address.SixpnAddress;
import dev.sixpn.events.Port;
import dev.sixpn.state.ChangeFeed;
import dev.sixpn.state.GeoPoint;
import dev.sixpn.state.Host;
import dev.sixpn.state.Instance;
import dev.sixpn.state.InstanceStatus;
import dev.sixpn.state.StateChange;
import dev.sixpn.state.StateReader;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An in-memory {@link StateReader} and {@link ChangeFeed} with the read API's contract (sorted
 * lists, started vs stopped), for tests of the DNS edge. Mutations fire the feed like a committed
 * batch does.
 */
public final class FakeState implements StateReader, ChangeFeed {

  private final Map<String, Instance> instances = new HashMap<>(); // by instance id
  private final Map<Long, Set<String>> createdApps = new HashMap<>();
  private final Map<Long, Host> hosts = new HashMap<>();
  private final Map<String, GeoPoint> regions = new HashMap<>();
  private final List<dev.sixpn.state.Peer> peers = new CopyOnWriteArrayList<>();
  private final List<ChangeListener> listeners = new CopyOnWriteArrayList<>();
  private long nextInstance = 1;

  /** Regions of the standard fixture with their coordinates. */
  public FakeState withRegion(String region, double lat, double lon) {
    synchronized (this) {
      regions.put(region, new GeoPoint(lat, lon));
      long id = hosts.size() + 1;
      hosts.put(id, new Host(id, region, lat, lon, "key" + id, "192.0.2." + id + ":51820"));
    }
    fire(new StateChange(Set.of(), Set.of(), Set.of((long) hosts.size()), Set.of()));
    return this;
  }

  public FakeState createApp(long network, String app) {
    synchronized (this) {
      createdApps.computeIfAbsent(network, n -> new TreeSet<>()).add(app);
    }
    fire(
        new StateChange(
            Set.of(network), Set.of(new StateChange.AppRef(network, app)), Set.of(), Set.of()));
    return this;
  }

  /** Starts an instance on the host of its region; returns it. */
  public Instance start(long network, String app, String id, String group, String region) {
    Instance i;
    synchronized (this) {
      long host = hostOf(region);
      i =
          new Instance(
              id,
              network,
              app,
              group,
              host,
              region,
              SixpnAddress.ofInstance(network, host, nextInstance++),
              InstanceStatus.STARTED,
              Map.of());
      instances.put(id, i);
    }
    fireInstance(i);
    return i;
  }

  /** Gives instance {@code id} this metadata and these named ports, everything else the same. */
  public Instance declare(String id, Map<String, String> metadata, List<Port> ports) {
    Instance i = get(id);
    return put(
        new Instance(
            i.instanceId(),
            i.network(),
            i.app(),
            i.processGroup(),
            i.host(),
            i.region(),
            i.address(),
            i.status(),
            metadata,
            i.hostAccess(),
            ports));
  }

  /** Puts an instance with a chosen address (for real-source tests). */
  public Instance put(Instance i) {
    synchronized (this) {
      instances.put(i.instanceId(), i);
    }
    fireInstance(i);
    return i;
  }

  /** Adds a peer of {@code network} on gateway {@code host}, peer number {@code number}. */
  public dev.sixpn.state.Peer addPeer(long network, String name, long host, long number) {
    dev.sixpn.state.Peer p =
        new dev.sixpn.state.Peer(
            network,
            name,
            "5Zz5Bv1cPSrW6hO8NldV6Uqa/XTymJUN0xGd7EsiSCo=",
            host,
            SixpnAddress.ofPeer(network, host, number));
    peers.add(p);
    fire(new StateChange(Set.of(network), Set.of(), Set.of(host), Set.of()));
    return p;
  }

  @Override
  public List<dev.sixpn.state.Peer> peersOfNetwork(long network) {
    return peers.stream()
        .filter(p -> p.network() == network)
        .sorted(java.util.Comparator.comparing(dev.sixpn.state.Peer::name))
        .toList();
  }

  @Override
  public Optional<dev.sixpn.state.Peer> peerByAddress(SixpnAddress address) {
    return peers.stream().filter(p -> p.address().equals(address)).findFirst();
  }

  public void stop(String id) {
    Instance i;
    synchronized (this) {
      i = instances.get(id).withStatus(InstanceStatus.STOPPED);
      instances.put(id, i);
    }
    fireInstance(i);
  }

  public void destroy(String id) {
    Instance i;
    synchronized (this) {
      i = instances.remove(id);
    }
    fireInstance(i);
  }

  private void fireInstance(Instance i) {
    fire(
        new StateChange(
            Set.of(i.network()),
            Set.of(new StateChange.AppRef(i.network(), i.app())),
            Set.of(i.host()),
            Set.of(i.instanceId()),
            Set.of(),
            System.nanoTime()));
  }

  private long hostOf(String region) {
    return hosts.values().stream()
        .filter(h -> h.region().equals(region))
        .mapToLong(Host::host)
        .findFirst()
        .orElse(99);
  }

  private void fire(StateChange change) {
    for (ChangeListener l : listeners) {
      l.onChange(change);
    }
  }

  @Override
  public AutoCloseable subscribe(ChangeListener listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  public int listenerCount() {
    return listeners.size();
  }

  private synchronized List<Instance> select(java.util.function.Predicate<Instance> p) {
    List<Instance> out = new ArrayList<>();
    for (Instance i : instances.values()) {
      if (p.test(i)) {
        out.add(i);
      }
    }
    out.sort(Comparator.comparing(Instance::instanceId));
    return out;
  }

  @Override
  public Optional<Instance> instanceByAddress(SixpnAddress address) {
    return select(i -> i.address().equals(address)).stream().findFirst();
  }

  @Override
  public Optional<Instance> instance(long network, String app, String instanceId) {
    return select(
            i -> i.network() == network && i.app().equals(app) && i.instanceId().equals(instanceId))
        .stream()
        .findFirst();
  }

  @Override
  public List<Instance> instancesOfApp(long network, String app, boolean includeStopped) {
    return select(
        i -> i.network() == network && i.app().equals(app) && (includeStopped || i.started()));
  }

  @Override
  public List<Instance> instancesOfAppInRegion(long network, String app, String region) {
    return select(
        i ->
            i.network() == network
                && i.app().equals(app)
                && i.region().equals(region)
                && i.started());
  }

  @Override
  public List<Instance> instancesOfProcessGroup(long network, String app, String processGroup) {
    return select(
        i ->
            i.network() == network
                && i.app().equals(app)
                && i.processGroup().equals(processGroup)
                && i.started());
  }

  @Override
  public List<Instance> instancesOfNetwork(long network, boolean includeStopped) {
    return select(i -> i.network() == network && (includeStopped || i.started()));
  }

  @Override
  public List<Instance> instancesOnHost(long host) {
    return select(i -> i.host() == host);
  }

  @Override
  public synchronized boolean appExists(long network, String app) {
    return createdApps.getOrDefault(network, Set.of()).contains(app)
        || !instancesOfApp(network, app, true).isEmpty();
  }

  @Override
  public synchronized List<String> appsOfNetwork(long network) {
    TreeSet<String> apps = new TreeSet<>(createdApps.getOrDefault(network, Set.of()));
    for (Instance i : instancesOfNetwork(network, true)) {
      apps.add(i.app());
    }
    return List.copyOf(apps);
  }

  @Override
  public List<String> regionsOfApp(long network, String app, boolean includeStopped) {
    TreeSet<String> r = new TreeSet<>();
    for (Instance i : instancesOfApp(network, app, includeStopped)) {
      r.add(i.region());
    }
    return List.copyOf(r);
  }

  @Override
  public synchronized boolean networkExists(long network) {
    return createdApps.containsKey(network) || !instancesOfNetwork(network, true).isEmpty();
  }

  @Override
  public synchronized Optional<Host> host(long host) {
    return Optional.ofNullable(hosts.get(host));
  }

  @Override
  public synchronized List<Host> hosts() {
    return hosts.values().stream().sorted(Comparator.comparingLong(Host::host)).toList();
  }

  @Override
  public synchronized Optional<GeoPoint> regionLocation(String region) {
    return Optional.ofNullable(regions.get(region));
  }

  /**
   * The standard fixture: network 1 ("org one") has fearsome-bagel-43 (5 instances in nrt, iad,
   * ams; groups web and worker; one stopped in syd) and redis-bagel-43 (one in iad); network 2 has
   * secret-app (one in fra) and its own fearsome-bagel-43 (one in fra).
   */
  public static FakeState fixture() {
    FakeState s =
        new FakeState()
            .withRegion("nrt", 35.76, 140.38)
            .withRegion("iad", 38.94, -77.46)
            .withRegion("ams", 52.31, 4.76)
            .withRegion("syd", -33.94, 151.17)
            .withRegion("fra", 50.03, 8.57)
            .withRegion("ord", 41.97, -87.90);
    s.start(1, "fearsome-bagel-43", "a1nrt", "web", "nrt");
    s.start(1, "fearsome-bagel-43", "b2iad", "web", "iad");
    s.start(1, "fearsome-bagel-43", "c3iad", "worker", "iad");
    s.start(1, "fearsome-bagel-43", "d4ams", "web", "ams");
    s.start(1, "fearsome-bagel-43", "e5syd", "web", "syd");
    s.stop("e5syd");
    s.start(1, "redis-bagel-43", "r1iad", "app", "iad");
    s.start(1, "caller-app", "k1ord", "app", "ord");
    s.start(2, "secret-app", "s1fra", "app", "fra");
    s.start(2, "fearsome-bagel-43", "x9fra", "app", "fra");
    return s;
  }

  public Instance get(String id) {
    synchronized (this) {
      return instances.get(id);
    }
  }
}
