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
import dev.sixpn.events.Endpoint;
import dev.sixpn.state.StateReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes one host's dataplane match the projected state, level-triggered: every pass reads the
 * desired state from the {@link StateReader} and compares it with the actual state of the kernel
 * (map entries, tcx attachments on every interface of the host namespace, routes, resolver files,
 * WireGuard peers), then adds, updates and prunes. The actual state is read back from the kernel by
 * the passes that ask for it and whenever a view is older than {@link #READ_BACK_INTERVAL}; passes
 * in between compare with what those reads found and what was applied since. Idempotent; a pass
 * with nothing to do changes nothing. One thread per {@link Scope} at a time (each ReconcileLoop
 * owns one scope).
 *
 * <p>Each item (a map entry, an attachment, a route, a file, a peer) is applied on its own: one
 * that fails is logged with its id and reason, counted, and retried with backoff ({@link
 * ItemFailures}), while every other item is reconciled in the same pass.
 *
 * <p>Nothing is removed while {@code stateComplete} answers false (the projector has not caught up
 * with the log since start): a partial state must not prune what a complete one still wants.
 *
 * <p>Map entries come first in every pass: they are what an event changes most often and they need
 * no process (bpf(2) only), so "event to map applied" stays in the sub-millisecond range; tcx,
 * routes and files follow. Writing a link's entry before its program is attached opens nothing:
 * every {@code 6p} link carries from_instance as soon as it exists, which drops all of it while the
 * link has no entry.
 */
public final class Reconciler {

  /**
   * What this host is.
   *
   * @param listenPort the WireGuard UDP port (the port of the endpoint published in host.joined)
   */
  public record Settings(
      long host, String wgDevice, int listenPort, int keepaliveSeconds, HostKeys keys) {}

  private static final Logger log = LoggerFactory.getLogger(Reconciler.class);

  private final Settings settings;
  private final StateReader state;
  private final TableView<Integer, LinkInfo> linkTable;
  private final TableView<SixpnAddress, LocalInstance> localsTable;

  /** Programs on the interfaces and our routes (plumbing thread only). */
  private final TableView<Integer, String> attachView;

  private final TableView<String, String> routeView;

  /** The links the plumbing thread's views are up to ({@link #followLinks}). */
  private Map<String, Integer> plumbingLinks = Map.of();

  private final WireGuardDevice device;
  private final HostPlumbing plumbing;
  private final InstanceFiles files;
  private final Predicate<String> netnsExists;
  private final ReconcileObserver observer;
  private final BooleanSupplier stateComplete;
  private final ItemFailures mapFailures;
  private final ItemFailures plumbingFailures;

  /** The device for peers outside the fleet; null on a dataplane without one. */
  private final PeerGateway gateway;

  /** The gateway's device once a pass needed it (plumbing thread only). */
  private WireGuardDevice peerDevice;

  /** object:action to count, of the current pass on this thread (for its log line). */
  private final ThreadLocal<Map<String, Integer>> passChanges =
      ThreadLocal.withInitial(TreeMap::new);

  /** Instance links given the gateway address by this process (name to ifindex). */
  private final Map<String, Integer> gateways = new HashMap<>();

  /**
   * The endpoint this process last set per peer: a different live endpoint is WireGuard roaming.
   */
  private final Map<WgKey, Endpoint> configuredEndpoints = new HashMap<>();

  /**
   * The longest a view (the device's peers, the maps' entries, the programs on the interfaces, the
   * routes) is trusted before a pass reads it back in full; a pass in between diffs against what
   * the last read found plus what this process applied since ({@link TableView}). A {@code get} of
   * a 10,000-peer device is megabytes of text and takes wireguard-go a hundred milliseconds or more
   * to write; reading the maps back is two syscalls per entry and the programs one query per
   * interface, most of a pass with a few hundred local instances, where an event changes one entry
   * and one route. Anything changed from outside is found and undone within one interval (Cilium's
   * map caches resync the same way); a failed write, a link that came or went, and the loop's
   * resync and retry passes read back at once.
   */
  static final Duration READ_BACK_INTERVAL = Duration.ofSeconds(30);

  /**
   * The device's peers as last read back, with every change this process applied since: null when
   * the next pass must read the device (at start, after a restart of the device, after any device
   * or peer failure, and every {@link #READ_BACK_INTERVAL}), so a change made from outside is still
   * found and undone within one interval.
   */
  private Map<WgKey, PeerConfig> devicePeers;

  private long devicePeersReadAt;

  private static final long DEVICE_CHECK_INTERVAL_NANOS = Duration.ofSeconds(1).toNanos();
  private long deviceCheckedAt;
  private long passStartNanos;

  /** The last peer step applied everything and pruned: the next may look at changes only. */
  private boolean peersInSync;

  private volatile long readBackIntervalNanos = READ_BACK_INTERVAL.toNanos();
  private final Desired.Peers desiredPeers = new Desired.Peers();

  /**
   * What a pass covers. The map part needs only bpf(2) (tenths of a millisecond); the plumbing part
   * talks rtnetlink, bpf(2) for tcx and wireguard-go's UAPI (up to ~1 ms, and a 10,000-peer {@code
   * get} every 30 s). The {@link ReconcileLoop}s run them on separate threads so a map update never
   * queues behind a route. The two parts touch disjoint objects.
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
      ReconcileObserver observer,
      BooleanSupplier stateComplete) {
    this(
        settings,
        state,
        linkTable,
        localsTable,
        device,
        plumbing,
        files,
        netnsExists,
        observer,
        stateComplete,
        null);
  }

  /**
   * @param gateway the device peers of this host connect to, started by the first pass that has a
   *     peer here; null for none
   */
  public Reconciler(
      Settings settings,
      StateReader state,
      Table<Integer, LinkInfo> linkTable,
      Table<SixpnAddress, LocalInstance> localsTable,
      WireGuardDevice device,
      HostPlumbing plumbing,
      InstanceFiles files,
      Predicate<String> netnsExists,
      ReconcileObserver observer,
      BooleanSupplier stateComplete,
      PeerGateway gateway) {
    this.gateway = gateway;
    this.settings = settings;
    this.state = state;
    this.linkTable = new TableView<>(linkTable);
    this.localsTable = new TableView<>(localsTable);
    this.attachView = TableView.of(plumbing::attachments, plumbing::attach, plumbing::detach);
    this.routeView = TableView.of(plumbing::routes, plumbing::replaceRoute, plumbing::deleteRoute);
    this.device = device;
    this.plumbing = plumbing;
    this.files = files;
    this.netnsExists = netnsExists;
    this.observer = observer;
    this.stateComplete = stateComplete;
    this.mapFailures = new ItemFailures(observer, System::nanoTime);
    this.plumbingFailures = new ItemFailures(observer, System::nanoTime);
  }

  /** For tests: how often the device and the maps are read back in full. */
  void readBackInterval(Duration interval) {
    this.readBackIntervalNanos = interval.toNanos();
  }

  /** A full pass (both parts, one after the other, on the calling thread). */
  public ReconcileResult reconcile() {
    return reconcile(Scope.ALL);
  }

  /** A pass of {@code scope} that diffs against what earlier passes read and did. */
  public ReconcileResult reconcile(Scope scope) {
    return reconcile(scope, false, true);
  }

  /**
   * @param readBack read every object of the scope back from the kernel first (the loop's start,
   *     resync and retry passes), rather than diff against the views of earlier passes
   * @param hostRecordsChanged whether hosts may have joined or left since the last pass: if not,
   *     the peers of the last pass stand and the fleet's host records are not read (a pass for a
   *     local instance then costs the same with 10 hosts as with 10,000)
   */
  public ReconcileResult reconcile(Scope scope, boolean readBack, boolean hostRecordsChanged) {
    long start = System.nanoTime();
    if (readBack) {
      if (scope != Scope.PLUMBING) {
        linkTable.invalidate();
        localsTable.invalidate();
      }
      if (scope != Scope.MAPS) {
        attachView.invalidate();
        routeView.invalidate();
        devicePeers = null;
      }
    }
    if (scope != Scope.MAPS) {
      passStartNanos = start; // the plumbing thread's alone
    }
    passChanges.get().clear();
    List<String> errors = new ArrayList<>();
    // Read once per pass: a pass either prunes or it does not.
    boolean prune = stateComplete.getAsBoolean();
    Map<String, Integer> links = plumbing.links();
    // The map part needs neither the fleet's hosts (peers) nor the files: leaving them out keeps a
    // map pass independent of the fleet's size, and desiredPeers (not thread-safe, and whose
    // "changed since the last pass" the peer diff depends on) the plumbing thread's alone.
    boolean mapsOnly = scope == Scope.MAPS;
    Map<WgKey, PeerConfig> meshPeers =
        mapsOnly
            ? Map.of()
            : hostRecordsChanged || !desiredPeers.computed()
                ? desiredPeers.of(state.hosts(), settings.host(), settings.keepaliveSeconds())
                : desiredPeers.unchanged();
    Desired desired =
        Desired.compute(
            settings.host(),
            state.instancesOnHost(settings.host()),
            gateway == null ? List.of() : state.peersOnHost(settings.host()),
            meshPeers,
            links,
            mapsOnly ? name -> false : netnsExists,
            settings.wgDevice(),
            gateway == null ? null : gateway.device());
    int changes = 0;
    if (scope != Scope.PLUMBING) {
      mapFailures.beginPass();
      changes += table("link_map", desired.links(), linkTable, prune, errors);
      changes += table("locals_map", desired.locals(), localsTable, prune, errors);
      mapFailures.endPass();
    }
    if (scope != Scope.MAPS) {
      plumbingFailures.beginPass();
      changes += ensureDevice(errors);
      changes += ensurePeerDevice(desired, errors);
      links = plumbing.links(); // a restarted device is a new ifindex
      if (!links.equals(plumbingLinks)) {
        followLinks(plumbingLinks, links, errors);
        plumbingLinks = links;
      }
      changes +=
          attachments(
              Desired.programs(
                  links, settings.wgDevice(), peerDevice == null ? null : gateway.device()),
              errors);
      changes += gateways(desired, errors);
      changes += routes(desired, prune, errors);
      changes += files(desired, prune, errors);
      changes += peers(desired, prune, errors);
      changes += gatewayPeers(desired, prune, errors);
      plumbingFailures.endPass();
    }
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    if (changes > 0 || !errors.isEmpty()) {
      log.info(
          "reconciled host={} scope={} changes={} detail={} errors={} missingLinks={} prune={}"
              + " tookMs={}",
          settings.host(),
          scope,
          changes,
          passChanges.get(),
          errors.size(),
          desired.missingLinks().size() <= 5
              ? desired.missingLinks()
              : desired.missingLinks().subList(0, 5) + "+" + (desired.missingLinks().size() - 5),
          prune,
          took.toMillis());
    }
    return new ReconcileResult(changes, errors, desired.missingLinks(), took, prune);
  }

  /** A map's entries: each put and delete on its own. */
  private <K, V> int table(
      String object, Map<K, V> want, TableView<K, V> table, boolean prune, List<String> errors) {
    return sync(mapFailures, object, want, table, prune, String::valueOf, errors);
  }

  /**
   * Makes the objects of {@code view} what {@code want} says, diffed against the view (the kernel's
   * objects as last read back, with what this process wrote since), item by item.
   */
  private <K, V> int sync(
      ItemFailures failures,
      String object,
      Map<K, V> want,
      TableView<K, V> view,
      boolean prune,
      Function<K, String> name,
      List<String> errors) {
    Map<K, V> actual = failures.read(object, errors, () -> view.actual(readBackIntervalNanos));
    if (actual == null) {
      return 0;
    }
    int errorsBefore = errors.size();
    int changed =
        apply(
            failures,
            object,
            Diff.between(want, actual),
            prune,
            name,
            view::delete,
            view::put,
            errors);
    if (errors.size() > errorsBefore) {
      view.invalidate(); // what a failed write left is read back next pass
    }
    return changed;
  }

  /**
   * Applies {@code diff} item by item through {@code failures} (each failure is skipped, counted
   * and retried): removals when {@code prune}, then adds and updates. Records what changed.
   *
   * @return items changed
   */
  private <K, V> int apply(
      ItemFailures failures,
      String object,
      Diff<K, V> diff,
      boolean prune,
      Function<K, String> name,
      Consumer<K> remove,
      BiConsumer<K, V> put,
      List<String> errors) {
    int removed = 0;
    if (prune) {
      for (K k : diff.removals()) {
        if (failures.attempt(object, name.apply(k), errors, () -> remove.accept(k))) {
          removed++;
        }
      }
    }
    int added = 0;
    for (Map.Entry<K, V> e : diff.adds().entrySet()) {
      if (failures.attempt(
          object, name.apply(e.getKey()), errors, () -> put.accept(e.getKey(), e.getValue()))) {
        added++;
      }
    }
    int updated = 0;
    for (Map.Entry<K, V> e : diff.updates().entrySet()) {
      if (failures.attempt(
          object, name.apply(e.getKey()), errors, () -> put.accept(e.getKey(), e.getValue()))) {
        updated++;
      }
    }
    record(object, added, updated, removed);
    return added + updated + removed;
  }

  private void record(String object, int adds, int updates, int removals) {
    Map<String, Integer> pass = passChanges.get();
    if (adds > 0) {
      pass.merge(object + ":add", adds, Integer::sum);
      observer.changed(object, "add", adds);
    }
    if (updates > 0) {
      pass.merge(object + ":update", updates, Integer::sum);
      observer.changed(object, "update", updates);
    }
    if (removals > 0) {
      pass.merge(object + ":remove", removals, Integer::sum);
      observer.changed(object, "remove", removals);
    }
  }

  /**
   * The WireGuard device runs (restarted if it died) with this host's key and port. Key and port
   * are checked when the device is read back in full (see {@link #devicePeers}). Whether it runs (a
   * UAPI connect, ~0.15 ms) is asked at most every {@link #DEVICE_CHECK_INTERVAL_NANOS} by passes
   * woken by a change, and always when the device is read back.
   */
  private int ensureDevice(List<String> errors) {
    int[] n = {0};
    long now = System.nanoTime();
    boolean check = devicePeers == null || now - deviceCheckedAt >= DEVICE_CHECK_INTERVAL_NANOS;
    boolean ok =
        plumbingFailures.attempt(
            "device",
            settings.wgDevice(),
            errors,
            () -> {
              if (check) {
                deviceCheckedAt = now;
              }
              if (check && device.ensureRunning()) {
                plumbing.invalidateLinks();
                devicePeers = null;
                record("device", 1, 0, 0);
                n[0]++;
              }
              if (devicePeers != null
                  && System.nanoTime() - devicePeersReadAt < readBackIntervalNanos) {
                return;
              }
              devicePeers = null;
              long readAt = System.nanoTime();
              DeviceState s = device.state();
              if (!s.privateKey().equals(Optional.of(settings.keys().privateKey()))
                  || s.listenPort() != settings.listenPort()) {
                device.configure(settings.keys().privateKey(), settings.listenPort());
                record("device", 0, 1, 0);
                n[0]++;
              }
              devicePeers = new HashMap<>(s.peers());
              devicePeersReadAt = readAt;
            });
    if (!ok) {
      devicePeers = null;
    }
    return n[0];
  }

  /**
   * {@code dev} runs (restarted if it died, or just {@code opened}) with this host's key on {@code
   * port}.
   *
   * @return changes made
   */
  private int running(WireGuardDevice dev, String object, int port, boolean opened) {
    int n = 0;
    if (opened || dev.ensureRunning()) {
      plumbing.invalidateLinks();
      record(object, 1, 0, 0);
      n++;
    }
    DeviceState s = dev.state();
    if (!s.privateKey().equals(Optional.of(settings.keys().privateKey()))
        || s.listenPort() != port) {
      dev.configure(settings.keys().privateKey(), port);
      record(object, 0, 1, 0);
      n++;
    }
    return n;
  }

  /**
   * The peer device runs with this host's key on the gateway port once this host has a peer (and
   * from then on, so a removed peer's last packets still meet from_peer).
   */
  private int ensurePeerDevice(Desired desired, List<String> errors) {
    if (gateway == null || (peerDevice == null && desired.gatewayPeers().isEmpty())) {
      return 0;
    }
    int[] n = {0};
    plumbingFailures.attempt(
        "peer_device",
        gateway.device(),
        errors,
        () -> {
          boolean opened = peerDevice == null;
          if (opened) {
            peerDevice = gateway.open().get();
          }
          n[0] += running(peerDevice, "peer_device", gateway.listenPort(), opened);
        });
    return n[0];
  }

  /**
   * The peer device's peers. Endpoints are the peers' own (learned from their handshakes, never
   * set), so they are left out of the comparison.
   */
  private int gatewayPeers(Desired desired, boolean prune, List<String> errors) {
    if (peerDevice == null) {
      return 0;
    }
    WireGuardDevice dev = peerDevice;
    DeviceState actual = plumbingFailures.read("gateway_peer", errors, dev::state);
    if (actual == null) {
      return 0;
    }
    Map<WgKey, PeerConfig> seen = new HashMap<>();
    actual
        .peers()
        .forEach(
            (key, p) ->
                seen.put(key, new PeerConfig(key, null, p.allowedIps(), p.keepaliveSeconds())));
    return apply(
        plumbingFailures,
        "gateway_peer",
        Diff.between(desired.gatewayPeers(), seen),
        prune,
        WgKey::base64,
        dev::removePeer,
        (k, p) -> dev.upsertPeer(p),
        errors);
  }

  /**
   * Our program on every interface where it belongs and nowhere else, compared with what the kernel
   * reports: a program found where it does not belong is removed, one removed from outside is put
   * back. Not gated by {@code prune}: which program an interface gets depends on its name only.
   */
  private int attachments(Map<Integer, String> want, List<String> errors) {
    return sync(
        plumbingFailures,
        "attach",
        want,
        attachView,
        true,
        ifindex -> "ifindex " + ifindex,
        errors);
  }

  /**
   * Brings the programs' and routes' views up to links that came and went since the last pass,
   * without reading every interface: a link that went took its program and its routes with it (the
   * kernel's doing); a new one is asked what runs on it (one query each). A host with hundreds of
   * instance links then pays for the link that changed, not for all of them.
   */
  private void followLinks(
      Map<String, Integer> before, Map<String, Integer> now, List<String> errors) {
    java.util.Set<Integer> added = new java.util.HashSet<>(now.values());
    added.removeAll(before.values());
    java.util.Set<Integer> gone = new java.util.HashSet<>(before.values());
    gone.removeAll(now.values());
    gone.forEach(ifindex -> attachView.learn(ifindex, null));
    java.util.Set<String> renamedOrGone = new java.util.HashSet<>();
    before.forEach(
        (name, ifindex) -> {
          if (!ifindex.equals(now.get(name))) {
            renamedOrGone.add(name);
          }
        });
    routeView.forgetValues(renamedOrGone::contains);
    if (added.isEmpty() || !attachView.loaded()) {
      return; // an unloaded view reads every interface anyway
    }
    Map<Integer, String> found =
        plumbingFailures.read("attach", errors, () -> plumbing.attachments(added));
    if (found == null) {
      attachView.invalidate();
      return;
    }
    added.forEach(ifindex -> attachView.learn(ifindex, found.get(ifindex)));
  }

  /** The gateway address on the link of each started instance (once per link and ifindex). */
  private int gateways(Desired desired, List<String> errors) {
    int n = 0;
    Map<String, Integer> wanted = new HashMap<>();
    for (InstancePlumbing p : desired.instances()) {
      wanted.put(p.link(), p.ifindex());
      if (Integer.valueOf(p.ifindex()).equals(gateways.get(p.link()))) {
        continue;
      }
      if (plumbingFailures.attempt(
          "gateway", p.instanceId(), errors, () -> plumbing.assignGateway(p.link()))) {
        gateways.put(p.link(), p.ifindex());
        n++;
      }
    }
    gateways.keySet().retainAll(wanted.keySet());
    record("gateway", n, 0, 0);
    return n;
  }

  private int routes(Desired desired, boolean prune, List<String> errors) {
    return sync(plumbingFailures, "route", desired.routes(), routeView, prune, p -> p, errors);
  }

  private int files(Desired desired, boolean prune, List<String> errors) {
    int written = 0;
    for (Map.Entry<String, InstancePlumbing> e : desired.files().entrySet()) {
      boolean[] changed = {false};
      InstancePlumbing p = e.getValue();
      if (plumbingFailures.attempt(
              "file",
              p.instanceId(),
              errors,
              () -> changed[0] = files.write(e.getKey(), p.address(), p.instanceId()))
          && changed[0]) {
        written++;
      }
    }
    int removed = 0;
    if (prune) {
      Set<String> managed = plumbingFailures.read("file", errors, files::managed);
      for (String netns : managed == null ? Set.<String>of() : managed) {
        if (!desired.files().containsKey(netns)
            && plumbingFailures.attempt("file", netns, errors, () -> files.remove(netns))) {
          removed++;
        }
      }
    }
    record("file", written, 0, removed);
    return written + removed;
  }

  private int peers(Desired desired, boolean prune, List<String> errors) {
    // Only the peers that changed since the last pass need a look when that pass left the device
    // as it wanted (everything applied, pruned) and the device was not read back since: with a
    // peer per host, a pass of a 10,000-host fleet is then proportional to what changed.
    boolean readThisPass = devicePeers != null && devicePeersReadAt >= passStartNanos;
    boolean incremental = peersInSync && devicePeers != null && prune && !readThisPass;
    peersInSync = false;
    if (!incremental && devicePeers != null && devicePeersReadAt < passStartNanos) {
      devicePeers = null; // a full diff is against the device itself, not our view of it
    }
    Map<WgKey, PeerConfig> actual = devicePeers;
    if (actual == null) {
      DeviceState read = plumbingFailures.read("peer", errors, device::state);
      if (read == null) {
        return 0;
      }
      actual = new HashMap<>(read.peers());
      devicePeers = actual;
      devicePeersReadAt = System.nanoTime();
    }
    Map<WgKey, PeerConfig> view = actual;
    Map<WgKey, PeerConfig> want = desired.peers();
    if (incremental) {
      Set<WgKey> changed = desiredPeers.changed();
      Map<WgKey, PeerConfig> wantChanged = new HashMap<>();
      Map<WgKey, PeerConfig> haveChanged = new HashMap<>();
      for (WgKey k : changed) {
        if (want.containsKey(k)) {
          wantChanged.put(k, want.get(k));
        }
        if (actual.containsKey(k)) {
          haveChanged.put(k, actual.get(k));
        }
      }
      want = wantChanged;
      actual = haveChanged;
    }
    Map<WgKey, PeerConfig> wanted = want;
    // WireGuard learns a peer's endpoint from where its packets come from (roaming, NAT, another
    // address family). Setting the published endpoint back on every pass would fight that: the
    // endpoint is set when a peer is added or its published endpoint changes, not when it roamed.
    Map<WgKey, PeerConfig> seen = new HashMap<>(actual.size() * 2);
    actual.forEach(
        (key, peer) -> {
          PeerConfig w = wanted.get(key);
          boolean roamed =
              w != null
                  && w.endpoint() != null
                  && w.endpoint().equals(configuredEndpoints.get(key));
          seen.put(key, roamed ? asConfigured(w, peer) : peer);
        });
    int errorsBefore = errors.size();
    int changed =
        apply(
            plumbingFailures,
            "peer",
            Diff.between(wanted, seen),
            prune,
            WgKey::base64,
            k -> {
              device.removePeer(k);
              configuredEndpoints.remove(k);
              view.remove(k);
            },
            (k, p) -> {
              device.upsertPeer(p);
              configuredEndpoints.put(k, p.endpoint());
              view.put(k, p);
            },
            errors);
    if (errors.size() > errorsBefore) {
      devicePeers = null; // what a failed set left on the device is read back next pass
    } else {
      peersInSync = prune;
    }
    return changed;
  }

  /** The live peer with the endpoint we configured (it roamed from there): no change to make. */
  private static PeerConfig asConfigured(PeerConfig want, PeerConfig live) {
    if (live.allowedIps().equals(want.allowedIps())
        && live.keepaliveSeconds() == want.keepaliveSeconds()) {
      return want;
    }
    return new PeerConfig(
        want.publicKey(), want.endpoint(), live.allowedIps(), live.keepaliveSeconds());
  }
}
