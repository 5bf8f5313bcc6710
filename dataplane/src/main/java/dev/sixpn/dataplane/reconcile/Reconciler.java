package dev.sixpn.dataplane.reconcile;

import dev.sixpn.address.SixpnAddress;
import dev.sixpn.dataplane.bpf.Table;
import dev.sixpn.dataplane.link.HostPlumbing;
import dev.sixpn.dataplane.link.InstanceFiles;
import dev.sixpn.dataplane.maps.LinkInfo;
import dev.sixpn.dataplane.maps.LocalInstance;
import dev.sixpn.dataplane.wireguard.DeviceState;
import dev.sixpn.dataplane.wireguard.HostKeys;
import dev.sixpn.dataplane.wireguard.PeerConfig;
import dev.sixpn.dataplane.wireguard.WgKey;
import dev.sixpn.dataplane.wireguard.WireGuardDevice;
import dev.sixpn.state.StateReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes one host's dataplane match the projected state: reads desired state from the {@link
 * StateReader} and actual state from the maps, the routes, the resolver files and the WireGuard
 * device, then adds, updates and prunes. Idempotent; a pass with nothing to do changes nothing. One
 * thread per {@link Scope} at a time (each ReconcileLoop owns one scope).
 *
 * <p>Map entries come first in every pass: they are what an event changes most often and they need
 * no process (bpf(2) only), so "event to map applied" stays in the sub-millisecond range; tc
 * attach, routes and files (iproute2 processes) follow. Writing a link's entry before its program
 * is attached opens nothing: until the attach nothing filters the link anyway (the runtime created
 * it), and afterwards the entry is already there. For a removed instance the entries go first too,
 * cutting its traffic at once; the route and the program follow.
 */
public final class Reconciler {

  /**
   * What this host is.
   *
   * @param listenPort the WireGuard UDP port (the port of the endpoint published in host.joined)
   */
  public record Settings(
      long host,
      String wgDevice,
      int listenPort,
      int keepaliveSeconds,
      HostKeys keys,
      List<String> underlayDevices) {
    public Settings {
      underlayDevices = List.copyOf(underlayDevices);
    }
  }

  private static final Logger log = LoggerFactory.getLogger(Reconciler.class);

  private final Settings settings;
  private final StateReader state;
  private final Table<Integer, LinkInfo> linkTable;
  private final Table<SixpnAddress, LocalInstance> localsTable;
  private final WireGuardDevice device;
  private final HostPlumbing plumbing;
  private final InstanceFiles files;
  private final Predicate<String> netnsExists;
  private final ReconcileObserver observer;

  /**
   * Links this process attached from_instance to (ifindex to name); empty after a restart, so all
   * are re-attached once.
   */
  private final Map<Integer, String> attached = new HashMap<>();

  /** object:action to count, of the current pass on this thread (for its log line). */
  private final ThreadLocal<Map<String, Integer>> passChanges =
      ThreadLocal.withInitial(java.util.TreeMap::new);

  /**
   * What a pass covers. The map part needs only bpf(2) and if_nameindex (microseconds); the
   * plumbing part runs iproute2 processes and talks to wireguard-go (milliseconds). The {@link
   * ReconcileLoop}s run them on separate threads so a map update never queues behind a tc attach.
   * The two parts touch disjoint objects.
   */
  public enum Scope {
    MAPS,
    PLUMBING,
    ALL
  }

  public Reconciler(
      Settings settings,
      StateReader state,
      Table<Integer, LinkInfo> linkTable,
      Table<SixpnAddress, LocalInstance> localsTable,
      WireGuardDevice device,
      HostPlumbing plumbing,
      InstanceFiles files,
      Predicate<String> netnsExists,
      ReconcileObserver observer) {
    this.settings = settings;
    this.state = state;
    this.linkTable = linkTable;
    this.localsTable = localsTable;
    this.device = device;
    this.plumbing = plumbing;
    this.files = files;
    this.netnsExists = netnsExists;
    this.observer = observer;
  }

  /** A full pass (both parts, one after the other, on the calling thread). */
  public ReconcileResult reconcile() {
    return reconcile(Scope.ALL);
  }

  public ReconcileResult reconcile(Scope scope) {
    long start = System.nanoTime();
    passChanges.get().clear();
    List<String> errors = new ArrayList<>();
    int changes = 0;
    if (scope != Scope.MAPS) {
      plumbing
          .invalidateLinks(); // the slow pass always reads the kernel: a safety net for the cache
    }
    Map<String, Integer> links = plumbing.links();
    Desired desired =
        Desired.compute(
            settings.host(),
            state.instancesOnHost(settings.host()),
            state.hosts(),
            links,
            scope == Scope.MAPS
                ? name -> false
                : netnsExists, // files are plumbing's; skip the stat calls
            settings.wgDevice(),
            settings.keepaliveSeconds());

    if (scope != Scope.PLUMBING) {
      changes +=
          step(
              "link_map",
              errors,
              () ->
                  apply("link_map", Diff.between(desired.links(), linkTable.entries()), linkTable));
      changes +=
          step(
              "locals_map",
              errors,
              () ->
                  apply(
                      "locals_map",
                      Diff.between(desired.locals(), localsTable.entries()),
                      localsTable));
    }
    if (scope != Scope.MAPS) {
      changes += step("device", errors, () -> ensureDevice(links));
      changes += step("underlay", errors, () -> ensureUnderlay(links));
      changes += step("attach", errors, () -> attachNew(desired));
      changes += step("route", errors, () -> routes(desired));
      changes += step("detach", errors, () -> detachGone(desired, links));
      changes += step("file", errors, () -> files(desired));
      changes += step("peer", errors, () -> device(desired));
    }

    Duration took = Duration.ofNanos(System.nanoTime() - start);
    if (changes > 0 || !errors.isEmpty()) {
      log.info(
          "reconciled host={} scope={} changes={} detail={} errors={} missingLinks={} tookMs={}",
          settings.host(),
          scope,
          changes,
          passChanges.get(),
          errors,
          desired.missingLinks(),
          took.toMillis());
    }
    return new ReconcileResult(changes, errors, desired.missingLinks(), took);
  }

  private interface Step {
    int run();
  }

  private static int step(String name, List<String> errors, Step step) {
    try {
      return step.run();
    } catch (RuntimeException e) {
      log.warn("reconcile step failed step={} error={}", name, e.getMessage());
      errors.add(name + ": " + e.getMessage());
      return 0;
    }
  }

  private <K, V> int apply(String object, Diff<K, V> diff, Table<K, V> table) {
    diff.applyTo(table);
    record(object, diff.adds().size(), diff.updates().size(), diff.removals().size());
    return diff.size();
  }

  private void record(String object, int adds, int updates, int removals) {
    Map<String, Integer> pass = passChanges.get();
    if (adds > 0) {
      pass.merge(object + ":add", adds, Integer::sum);
    }
    if (updates > 0) {
      pass.merge(object + ":update", updates, Integer::sum);
    }
    if (removals > 0) {
      pass.merge(object + ":remove", removals, Integer::sum);
    }
    if (adds > 0) {
      observer.changed(object, "add", adds);
    }
    if (updates > 0) {
      observer.changed(object, "update", updates);
    }
    if (removals > 0) {
      observer.changed(object, "remove", removals);
    }
  }

  /** ifindex of the WireGuard device from_mesh was attached to by this process, 0 if none. */
  private int meshAttached;

  /**
   * The device exists (restarted if it died) and carries from_mesh; a new device is a new ifindex.
   */
  private int ensureDevice(Map<String, Integer> links) {
    int n = 0;
    if (device.ensureRunning()) {
      plumbing.invalidateLinks();
      links = plumbing.links();
      record("device", 1, 0, 0);
      n++;
    }
    Integer ifindex = links.get(settings.wgDevice());
    if (ifindex == null) {
      throw new IllegalStateException(
          "WireGuard device " + settings.wgDevice() + " is not in the host namespace");
    }
    if (ifindex != meshAttached) {
      plumbing.attachFromMesh(settings.wgDevice());
      meshAttached = ifindex;
      record("attach", 1, 0, 0);
      n++;
    }
    return n;
  }

  /** Underlay device to the ifindex from_underlay was attached to by this process. */
  private final Map<String, Integer> underlayAttached = new HashMap<>();

  private int ensureUnderlay(Map<String, Integer> links) {
    int n = 0;
    for (String dev : settings.underlayDevices()) {
      Integer ifindex = links.get(dev);
      if (ifindex == null) {
        throw new IllegalStateException(
            "underlay device "
                + dev
                + " is not in the host namespace (check the agent's configuration)");
      }
      if (!ifindex.equals(underlayAttached.get(dev))) {
        plumbing.attachFromUnderlay(dev);
        underlayAttached.put(dev, ifindex);
        record("attach", 1, 0, 0);
        n++;
      }
    }
    return n;
  }

  private int attachNew(Desired desired) {
    int n = 0;
    for (Map.Entry<Integer, String> e : desired.attach().entrySet()) {
      if (!e.getValue().equals(attached.get(e.getKey()))) {
        plumbing.attachFromInstance(e.getValue());
        attached.put(e.getKey(), e.getValue());
        n++;
      }
    }
    record("attach", n, 0, 0);
    return n;
  }

  private int detachGone(Desired desired, Map<String, Integer> links) {
    int n = 0;
    for (Integer ifindex : new HashSet<>(attached.keySet())) {
      if (!desired.attach().containsKey(ifindex)) {
        String name = attached.remove(ifindex);
        if (ifindex.equals(links.get(name))) {
          plumbing.detachFromInstance(name);
        }
        n++;
      }
    }
    record("attach", 0, 0, n);
    return n;
  }

  private int routes(Desired desired) {
    Diff<String, String> diff = Diff.between(desired.routes(), plumbing.routes());
    diff.removals().forEach(plumbing::deleteRoute);
    diff.adds().forEach(plumbing::replaceRoute);
    diff.updates().forEach(plumbing::replaceRoute);
    record("route", diff.adds().size(), diff.updates().size(), diff.removals().size());
    return diff.size();
  }

  private int files(Desired desired) {
    int n = 0;
    Set<String> managed = files.managed();
    for (Map.Entry<String, InstancePlumbing> e : desired.files().entrySet()) {
      if (files.write(e.getKey(), e.getValue().address(), e.getValue().instanceId())) {
        n++;
      }
    }
    int removed = 0;
    for (String netns : managed) {
      if (!desired.files().containsKey(netns)) {
        files.remove(netns);
        removed++;
      }
    }
    record("file", n, 0, removed);
    return n + removed;
  }

  private int device(Desired desired) {
    DeviceState s = device.state();
    int n = 0;
    if (!s.privateKey().equals(java.util.Optional.of(settings.keys().privateKey()))
        || s.listenPort() != settings.listenPort()) {
      device.configure(settings.keys().privateKey(), settings.listenPort());
      record("device", 0, 1, 0);
      n++;
    }
    return n + peers(desired, s);
  }

  /**
   * The endpoint this process last set per peer: a different live endpoint is WireGuard roaming.
   */
  private final Map<WgKey, dev.sixpn.events.Endpoint> configuredEndpoints = new HashMap<>();

  private int peers(Desired desired, DeviceState actual) {
    // WireGuard learns a peer's endpoint from where its packets come from (roaming, NAT, another
    // address family). Setting the published endpoint back on every pass would fight that: the
    // endpoint is set when a peer is added or its published endpoint changes, not when it roamed.
    Map<WgKey, PeerConfig> seen = new HashMap<>();
    actual
        .peers()
        .forEach(
            (key, peer) -> {
              PeerConfig want = desired.peers().get(key);
              boolean roamed =
                  want != null
                      && want.endpoint() != null
                      && want.endpoint().equals(configuredEndpoints.get(key));
              seen.put(
                  key,
                  roamed
                      ? new PeerConfig(
                          key, want.endpoint(), peer.allowedIps(), peer.keepaliveSeconds())
                      : peer);
            });
    Diff<WgKey, PeerConfig> diff = Diff.between(desired.peers(), seen);
    diff.removals()
        .forEach(
            k -> {
              device.removePeer(k);
              configuredEndpoints.remove(k);
            });
    for (PeerConfig p : diff.adds().values()) {
      device.upsertPeer(p);
      configuredEndpoints.put(p.publicKey(), p.endpoint());
    }
    for (PeerConfig p : diff.updates().values()) {
      device.upsertPeer(p);
      configuredEndpoints.put(p.publicKey(), p.endpoint());
    }
    record("peer", diff.adds().size(), diff.updates().size(), diff.removals().size());
    return diff.size();
  }
}
