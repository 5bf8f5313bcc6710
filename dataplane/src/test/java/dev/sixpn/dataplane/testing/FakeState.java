package dev.sixpn.dataplane.testing;

import dev.sixpn.address.SixpnAddress;
import dev.sixpn.state.ChangeFeed;
import dev.sixpn.state.GeoPoint;
import dev.sixpn.state.Host;
import dev.sixpn.state.Instance;
import dev.sixpn.state.InstanceStatus;
import dev.sixpn.state.StateChange;
import dev.sixpn.state.StateReader;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An in-memory projected state and change feed: what the dataplane reads, without RocksDB or Kafka.
 */
public final class FakeState implements StateReader, ChangeFeed {

  private final Map<String, Instance> instances = new ConcurrentHashMap<>();
  private final Map<Long, Host> hosts = new ConcurrentHashMap<>();
  private final List<ChangeListener> listeners = new CopyOnWriteArrayList<>();

  /** Adds or replaces an instance and tells listeners, as a committed batch would. */
  public void put(Instance i) {
    instances.put(i.instanceId(), i);
    publish(
        new StateChange(
            Set.of(i.network()),
            Set.of(),
            Set.of(i.host()),
            Set.of(i.instanceId()),
            Set.of(),
            System.nanoTime()));
  }

  public void stop(String instanceId) {
    put(instances.get(instanceId).withStatus(InstanceStatus.STOPPED));
  }

  public void putQuietly(Instance i) {
    instances.put(i.instanceId(), i);
  }

  private final List<dev.sixpn.state.Peer> peers =
      new java.util.concurrent.CopyOnWriteArrayList<>();

  public void putPeer(dev.sixpn.state.Peer p) {
    peers.add(p);
  }

  public void removePeer(dev.sixpn.state.Peer p) {
    peers.remove(p);
  }

  @Override
  public List<dev.sixpn.state.Peer> peersOnHost(long host) {
    return peers.stream().filter(p -> p.gatewayHost() == host).toList();
  }

  public void putHost(Host h) {
    hosts.put(h.host(), h);
    publish(new StateChange(Set.of(), Set.of(), Set.of(h.host()), Set.of()));
  }

  public void publish(StateChange change) {
    for (ChangeListener l : listeners) {
      l.onChange(change);
    }
  }

  public Instance instance(String id) {
    return instances.get(id);
  }

  @Override
  public AutoCloseable subscribe(ChangeListener listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  private List<Instance> sorted(java.util.stream.Stream<Instance> s) {
    return s.sorted(Comparator.comparing(Instance::instanceId)).toList();
  }

  @Override
  public Optional<Instance> instanceByAddress(SixpnAddress address) {
    return instances.values().stream().filter(i -> i.address().equals(address)).findFirst();
  }

  @Override
  public Optional<Instance> instance(long network, String app, String instanceId) {
    return Optional.ofNullable(instances.get(instanceId))
        .filter(i -> i.network() == network && i.app().equals(app));
  }

  @Override
  public List<Instance> instancesOfApp(long network, String app, boolean includeStopped) {
    return sorted(
        instances.values().stream()
            .filter(
                i ->
                    i.network() == network
                        && i.app().equals(app)
                        && (includeStopped || i.started())));
  }

  @Override
  public List<Instance> instancesOfAppInRegion(long network, String app, String region) {
    return sorted(
        instances.values().stream()
            .filter(
                i ->
                    i.network() == network
                        && i.app().equals(app)
                        && i.region().equals(region)
                        && i.started()));
  }

  @Override
  public List<Instance> instancesOfProcessGroup(long network, String app, String processGroup) {
    return sorted(
        instances.values().stream()
            .filter(
                i ->
                    i.network() == network
                        && i.app().equals(app)
                        && i.processGroup().equals(processGroup)
                        && i.started()));
  }

  @Override
  public List<Instance> instancesOfNetwork(long network, boolean includeStopped) {
    return sorted(
        instances.values().stream()
            .filter(i -> i.network() == network && (includeStopped || i.started())));
  }

  @Override
  public List<Instance> instancesOnHost(long host) {
    return sorted(instances.values().stream().filter(i -> i.host() == host));
  }

  @Override
  public boolean appExists(long network, String app) {
    return instances.values().stream().anyMatch(i -> i.network() == network && i.app().equals(app));
  }

  @Override
  public List<String> appsOfNetwork(long network) {
    return instances.values().stream()
        .filter(i -> i.network() == network)
        .map(Instance::app)
        .distinct()
        .sorted()
        .toList();
  }

  @Override
  public List<String> regionsOfApp(long network, String app, boolean includeStopped) {
    return instancesOfApp(network, app, includeStopped).stream()
        .map(Instance::region)
        .distinct()
        .sorted()
        .toList();
  }

  @Override
  public boolean networkExists(long network) {
    return true;
  }

  @Override
  public Optional<Host> host(long host) {
    return Optional.ofNullable(hosts.get(host));
  }

  @Override
  public List<Host> hosts() {
    return hosts.values().stream().sorted(Comparator.comparingLong(Host::host)).toList();
  }

  @Override
  public Optional<GeoPoint> regionLocation(String region) {
    return hosts.values().stream()
        .filter(h -> h.region().equals(region))
        .findFirst()
        .map(h -> new GeoPoint(h.latitude(), h.longitude()));
  }

  public static Instance started(
      String id, long network, long host, long instance, Map<String, String> metadata) {
    return new Instance(
        id,
        network,
        "app",
        "app",
        host,
        "ams",
        SixpnAddress.ofInstance(network, host, instance),
        InstanceStatus.STARTED,
        metadata);
  }
}
