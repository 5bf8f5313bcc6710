package dev.sixpn.bench;

import dev.sixpn.address.SixpnAddress;
import dev.sixpn.state.ChangeFeed;
import dev.sixpn.state.GeoPoint;
import dev.sixpn.state.Host;
import dev.sixpn.state.Instance;
import dev.sixpn.state.InstanceStatus;
import dev.sixpn.state.StateChange;
import dev.sixpn.state.StateReader;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The state the dataplane reads, in memory and indexed by host, with a change feed that says what
 * the projector's would (hosts, networks, instance ids; host records only for joins and leaves):
 * for benchmarks that drive a real dataplane without Kafka or RocksDB. Only the dataplane's reads
 * are answered.
 */
final class MemoryState implements StateReader, ChangeFeed {

  private final ConcurrentSkipListMap<Long, Host> hosts = new ConcurrentSkipListMap<>();
  private final Map<Long, Map<String, Instance>> byHost = new ConcurrentHashMap<>();
  private final List<ChangeListener> listeners = new CopyOnWriteArrayList<>();

  static Instance started(String id, long network, long host, long instance) {
    return new Instance(
        id,
        network,
        "app",
        "app",
        host,
        "ams",
        SixpnAddress.ofInstance(network, host, instance),
        InstanceStatus.STARTED,
        Map.of());
  }

  void putHost(Host h) {
    hosts.put(h.host(), h);
    publish(
        new StateChange(
            Set.of(), Set.of(), Set.of(h.host()), Set.of(), Set.of(h.host()), System.nanoTime()));
  }

  void removeHost(long h) {
    hosts.remove(h);
    publish(new StateChange(Set.of(), Set.of(), Set.of(h), Set.of(), Set.of(h), System.nanoTime()));
  }

  /** Adds or replaces an instance (started or stopped) and tells listeners, as a batch would. */
  void put(Instance i) {
    byHost.computeIfAbsent(i.host(), h -> new ConcurrentHashMap<>()).put(i.instanceId(), i);
    publish(
        new StateChange(
            Set.of(i.network()),
            Set.of(new StateChange.AppRef(i.network(), i.app())),
            Set.of(i.host()),
            Set.of(i.instanceId()),
            Set.of(),
            System.nanoTime()));
  }

  void publish(StateChange change) {
    for (ChangeListener l : listeners) {
      l.onChange(change);
    }
  }

  @Override
  public AutoCloseable subscribe(ChangeListener listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  @Override
  public Optional<Instance> instanceByAddress(SixpnAddress address) {
    return Optional.empty();
  }

  @Override
  public Optional<Instance> instance(long network, String app, String instanceId) {
    return Optional.empty();
  }

  @Override
  public List<Instance> instancesOfApp(long network, String app, boolean includeStopped) {
    return List.of();
  }

  @Override
  public List<Instance> instancesOfAppInRegion(long network, String app, String region) {
    return List.of();
  }

  @Override
  public List<Instance> instancesOfProcessGroup(long network, String app, String group) {
    return List.of();
  }

  @Override
  public List<Instance> instancesOfNetwork(long network, boolean includeStopped) {
    return List.of();
  }

  @Override
  public List<Instance> instancesOnHost(long host) {
    List<Instance> out = new ArrayList<>(byHost.getOrDefault(host, Map.of()).values());
    out.sort(Comparator.comparing(Instance::instanceId));
    return out;
  }

  @Override
  public boolean appExists(long network, String app) {
    return false;
  }

  @Override
  public List<String> appsOfNetwork(long network) {
    return List.of();
  }

  @Override
  public List<String> regionsOfApp(long network, String app, boolean includeStopped) {
    return List.of();
  }

  @Override
  public boolean networkExists(long network) {
    return false;
  }

  @Override
  public Optional<Host> host(long host) {
    return Optional.ofNullable(hosts.get(host));
  }

  @Override
  public List<Host> hosts() {
    return new ArrayList<>(hosts.values()); // sorted by host, as the projected state's
  }

  @Override
  public Optional<GeoPoint> regionLocation(String region) {
    return Optional.empty();
  }
}
