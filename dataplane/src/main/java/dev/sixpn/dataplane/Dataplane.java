package dev.sixpn.dataplane;

import dev.sixpn.dataplane.bpf.ProgramLoader;
import dev.sixpn.dataplane.link.InstanceFiles;
import dev.sixpn.dataplane.link.IpPlumbing;
import dev.sixpn.dataplane.link.LinkWatcher;
import dev.sixpn.dataplane.link.Netns;
import dev.sixpn.dataplane.link.NetnsExecutor;
import dev.sixpn.dataplane.maps.DataplaneMaps;
import dev.sixpn.dataplane.maps.HostConfig;
import dev.sixpn.dataplane.reconcile.PeerGateway;
import dev.sixpn.dataplane.reconcile.ReconcileLoop;
import dev.sixpn.dataplane.reconcile.ReconcileResult;
import dev.sixpn.dataplane.reconcile.Reconciler;
import dev.sixpn.dataplane.wireguard.HostKeys;
import dev.sixpn.dataplane.wireguard.WgKey;
import dev.sixpn.dataplane.wireguard.WireGuardGoDevice;
import dev.sixpn.state.ChangeFeed;
import dev.sixpn.state.StateReader;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One host's dataplane: loads the programs (reusing pinned maps), brings up (or adopts) the
 * WireGuard device, and keeps both reconciled with the projected state. Closing it stops the
 * reconciler only: programs, maps and tunnels keep forwarding while the agent is away, and the next
 * start converges from whatever it finds.
 */
public final class Dataplane implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Dataplane.class);

  private final DataplaneConfig config;
  private final HostKeys keys;
  private final DataplaneMaps maps;
  private final WireGuardGoDevice device;
  private final ReconcileLoop mapsLoop;
  private final ReconcileLoop plumbingLoop;
  private final IpPlumbing plumbing;
  private final LinkWatcher linkWatcher;
  private final BooleanSupplier lastPassSucceeded;

  private Dataplane(
      DataplaneConfig config,
      HostKeys keys,
      DataplaneMaps maps,
      WireGuardGoDevice device,
      ReconcileLoop mapsLoop,
      ReconcileLoop plumbingLoop,
      IpPlumbing plumbing,
      LinkWatcher linkWatcher,
      BooleanSupplier lastPassSucceeded) {
    this.lastPassSucceeded = lastPassSucceeded;
    this.linkWatcher = linkWatcher;
    this.plumbing = plumbing;
    this.mapsLoop = mapsLoop;
    this.plumbingLoop = plumbingLoop;
    this.config = config;
    this.keys = keys;
    this.maps = maps;
    this.device = device;
  }

  /** The host's WireGuard public key, for its host.joined event; creates the key on first use. */
  public static WgKey publicKey(DataplaneConfig config) {
    return HostKeys.loadOrCreate(keyFile(config)).publicKey();
  }

  private static java.nio.file.Path keyFile(DataplaneConfig config) {
    return config.stateDir().resolve("wireguard").resolve("private.key");
  }

  /**
   * @param stateComplete whether the state has caught up with the log since start; until it does,
   *     passes add and update but remove nothing
   */
  public static Dataplane start(
      DataplaneConfig config,
      StateReader state,
      ChangeFeed feed,
      DataplaneMetrics metrics,
      BooleanSupplier stateComplete) {
    if (!config.netns().exists()) {
      throw new IllegalStateException(
          "network namespace " + config.netns().path() + " does not exist");
    }
    HostKeys keys = HostKeys.loadOrCreate(keyFile(config));
    ProgramLoader.Pins pins =
        ProgramLoader.ensureLoaded(config.pinDir(), DataplaneMaps::compatible);
    DataplaneMaps maps = new DataplaneMaps(pins, metrics::mapObserver);
    WireGuardGoDevice device = null;
    ReconcileLoop mapsLoop = null;
    ReconcileLoop plumbingLoop = null;
    IpPlumbing plumbing = null;
    AtomicBoolean lastMaps = new AtomicBoolean();
    AtomicBoolean lastPlumbing = new AtomicBoolean();
    LinkWatcher watcher = null;
    try {
      maps.config().set(new HostConfig(config.host(), 0));
      metrics.exportDrops(maps.drops());
      device =
          WireGuardGoDevice.openOrStart(
              config.wgDevice(),
              config.netns(),
              config.stateDir().resolve("wireguard-go-" + config.wgDevice() + ".log"),
              config.mtu());
      plumbing = new IpPlumbing(config.netns(), pins);
      plumbing.enableForwarding(); // from_mesh is attached by the first plumbing pass
      Reconciler reconciler =
          new Reconciler(
              new Reconciler.Settings(
                  config.host(),
                  config.wgDevice(),
                  config.listenPort(),
                  config.keepaliveSeconds(),
                  keys),
              state,
              maps.links(),
              maps.locals(),
              device,
              plumbing,
              new InstanceFiles(config.netnsEtc(), config.host()),
              name -> Netns.named(name).exists(),
              metrics.reconcileObserver(),
              stateComplete,
              peerGateway(config));
      // Two loops: map entries never wait behind routes, tcx or the UAPI (see Reconciler.Scope).
      // The maps loop's thread lives in the host netns: if_nameindex answers there directly,
      // with no hop to another thread (each hop costs a wake-up on a busy machine).
      mapsLoop =
          new ReconcileLoop(
              cause -> reconciler.reconcile(Reconciler.Scope.MAPS, cause.readBack(), false),
              r -> {
                metrics.pass("maps", r);
                lastMaps.set(r.result().ok());
              },
              "sixpn-dataplane-maps-" + config.host(),
              () -> NetnsExecutor.enterOnThisThread(config.netns()));
      plumbingLoop =
          new ReconcileLoop(
              reconciler,
              Reconciler.Scope.PLUMBING,
              r -> {
                metrics.pass("plumbing", r);
                lastPlumbing.set(r.result().ok());
              },
              "sixpn-dataplane-plumbing-" + config.host());
      metrics.exportSkipped("maps", mapsLoop::skippedChanges);
      metrics.exportSkipped("plumbing", plumbingLoop::skippedChanges);
      ReconcileResult first =
          merge(
              mapsLoop.start(feed, config.resync(), mapsConcern(config.host())),
              plumbingLoop.start(feed, config.resync(), plumbingConcern(config.host())));
      ReconcileLoop m = mapsLoop;
      ReconcileLoop pl = plumbingLoop;
      IpPlumbing ip = plumbing;
      watcher =
          LinkWatcher.start(
              config.netns(),
              new LinkWatcher.Listener() {
                @Override
                public void link(boolean present, int ifindex, String name) {
                  ip.linkChanged(present, ifindex, name);
                  m.trigger();
                  pl.trigger();
                }

                @Override
                public void overrun() {
                  ip.invalidateLinks();
                  m.trigger();
                  pl.trigger();
                }
              });
      plumbing.cacheLinksWhile(watcher::alive);
      // A link made between the first passes and the watcher's start: one more pass sees it.
      plumbing.invalidateLinks();
      mapsLoop.trigger();
      plumbingLoop.trigger();
      log.info(
          "dataplane started host={} netns={} wg={} changes={} errors={}",
          config.host(),
          config.netns(),
          config.wgDevice(),
          first.changes(),
          first.errors());
      return new Dataplane(
          config,
          keys,
          maps,
          device,
          mapsLoop,
          plumbingLoop,
          plumbing,
          watcher,
          () -> lastMaps.get() && lastPlumbing.get());
    } catch (RuntimeException e) {
      if (watcher != null) {
        watcher.close();
      }
      if (mapsLoop != null) {
        mapsLoop.close();
      }
      if (plumbingLoop != null) {
        plumbingLoop.close();
      }
      if (device != null) {
        device.close();
      }
      if (plumbing != null) {
        plumbing.close();
      }
      maps.close();
      throw e;
    }
  }

  /** The map entries hold this host's started instances and nothing else. */
  public static java.util.function.Predicate<dev.sixpn.state.StateChange> mapsConcern(long host) {
    return c -> c.touchesHost(host);
  }

  /**
   * Plumbing is this host's instances (attachments, routes, files) and one WireGuard peer per other
   * host: an instance of another host moving or stopping changes none of it.
   */
  public static java.util.function.Predicate<dev.sixpn.state.StateChange> plumbingConcern(
      long host) {
    return c -> c.touchesHost(host) || c.changesHostRecords();
  }

  /** The device for peers outside the fleet, started when this host first has one. */
  static PeerGateway peerGateway(DataplaneConfig config) {
    String name = config.peerDevice();
    return new PeerGateway(
        name,
        config.listenPort() + PeerGateway.PORT_OFFSET,
        () ->
            WireGuardGoDevice.openOrStart(
                name,
                config.netns(),
                config.stateDir().resolve("wireguard-go-" + name + ".log"),
                config.mtu()));
  }

  public WgKey publicKey() {
    return keys.publicKey();
  }

  /** Whether the last pass of both loops reconciled every item (for readiness). */
  public boolean lastPassSucceeded() {
    return lastPassSucceeded.getAsBoolean();
  }

  public DataplaneConfig config() {
    return config;
  }

  public DataplaneMaps maps() {
    return maps;
  }

  public WireGuardGoDevice device() {
    return device;
  }

  /** Runs a pass of both scopes now and waits for them. */
  public ReconcileResult reconcileNow() {
    return merge(mapsLoop.reconcileNow(), plumbingLoop.reconcileNow());
  }

  private static ReconcileResult merge(ReconcileResult a, ReconcileResult b) {
    java.util.List<String> errors = new java.util.ArrayList<>(a.errors());
    errors.addAll(b.errors());
    return new ReconcileResult(
        a.changes() + b.changes(),
        errors,
        b.missingLinks(),
        a.duration().plus(b.duration()),
        a.pruned() && b.pruned());
  }

  @Override
  public void close() {
    linkWatcher.close();
    mapsLoop.close();
    plumbingLoop.close();
    plumbing.close();
    device.close();
    maps.close();
    log.info("dataplane stopped host={} (programs, maps and tunnels left running)", config.host());
  }
}
