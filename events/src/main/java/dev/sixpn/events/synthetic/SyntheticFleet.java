package dev.sixpn.events.synthetic;

import dev.sixpn.address.InstanceAllocator;
import dev.sixpn.address.SixpnAddress;
import dev.sixpn.events.LifecycleEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;

/**
 * A deterministic stream of plausible lifecycle events for tests, benchmarks and the demo: hosts
 * join, networks and apps are created, then instances start, stop, restart and are destroyed, and
 * now and then an app is deleted and created again. Same seed, same stream.
 */
public final class SyntheticFleet {

  /** Regions with real coordinates, so "nearest" answers make sense. */
  public static final List<Region> REGIONS =
      List.of(
          new Region("nrt", 35.76, 140.38),
          new Region("sjc", 37.36, -121.93),
          new Region("iad", 38.94, -77.46),
          new Region("ams", 52.31, 4.76),
          new Region("syd", -33.94, 151.18),
          new Region("gru", -23.43, -46.47));

  /** A region and where it is. */
  public record Region(String name, double latitude, double longitude) {}

  private record Live(
      String id,
      long network,
      String app,
      long host,
      String region,
      SixpnAddress address,
      boolean started) {}

  private final Random random;
  private final int networks;
  private final int appsPerNetwork;
  private final int hosts;
  private final InstanceAllocator allocator = new InstanceAllocator();
  private final List<Live> live = new ArrayList<>();
  private long sequence;
  private Instant time = Instant.parse("2026-11-25T00:00:00Z");

  public SyntheticFleet(long seed, int networks, int appsPerNetwork, int hosts) {
    if (networks < 1 || appsPerNetwork < 1 || hosts < 1) {
      throw new IllegalArgumentException("networks, appsPerNetwork and hosts must be ≥ 1");
    }
    this.random = new Random(seed);
    this.networks = networks;
    this.appsPerNetwork = appsPerNetwork;
    this.hosts = hosts;
  }

  public static String appName(int index) {
    return "app-" + index;
  }

  /** The region host {@code host} is in. */
  public static Region regionOfHost(long host) {
    return REGIONS.get((int) ((host - 1) % REGIONS.size()));
  }

  /** Emits the set-up (hosts, networks, apps) then {@code lifecycle} instance events. */
  public void generate(int lifecycle, Consumer<LifecycleEvent> sink) {
    for (long h = 1; h <= hosts; h++) {
      Region r = regionOfHost(h);
      byte[] key = new byte[32];
      random.nextBytes(key);
      sink.accept(
          new LifecycleEvent.HostJoined(
              id(),
              tick(),
              h,
              r.name(),
              r.latitude(),
              r.longitude(),
              Base64.getEncoder().encodeToString(key),
              "192.0.2." + (h % 250 + 1) + ":51820"));
    }
    for (long n = 1; n <= networks; n++) {
      sink.accept(new LifecycleEvent.NetworkCreated(id(), tick(), n, "org-" + n));
      for (int a = 0; a < appsPerNetwork; a++) {
        sink.accept(new LifecycleEvent.AppCreated(id(), tick(), n, appName(a)));
      }
    }
    for (int i = 0; i < lifecycle; i++) {
      sink.accept(next());
    }
  }

  /** Generates everything into a list. */
  public List<LifecycleEvent> generate(int lifecycle) {
    List<LifecycleEvent> out = new ArrayList<>(lifecycle + hosts + networks * (appsPerNetwork + 1));
    generate(lifecycle, out::add);
    return out;
  }

  private LifecycleEvent next() {
    int roll = random.nextInt(1000);
    if (live.isEmpty() || roll < 550) {
      return start();
    }
    int index = random.nextInt(live.size());
    Live l = live.get(index);
    if (roll < 700) {
      if (l.started()) {
        live.set(
            index,
            new Live(l.id(), l.network(), l.app(), l.host(), l.region(), l.address(), false));
        return new LifecycleEvent.InstanceStopped(id(), tick(), l.id(), l.network(), l.app());
      }
      live.set(
          index, new Live(l.id(), l.network(), l.app(), l.host(), l.region(), l.address(), true));
      return started(l);
    }
    if (roll < 998) {
      live.set(index, live.getLast());
      live.removeLast();
      allocator.release(l.address());
      return new LifecycleEvent.InstanceDestroyed(id(), tick(), l.id(), l.network(), l.app());
    }
    // Rarely: an app is deleted with all its instances (it is created again on its next start).
    live.removeIf(
        x -> {
          boolean gone = x.network() == l.network() && x.app().equals(l.app());
          if (gone) {
            allocator.release(x.address());
          }
          return gone;
        });
    return new LifecycleEvent.AppDeleted(id(), tick(), l.network(), l.app());
  }

  private LifecycleEvent start() {
    long network = 1 + random.nextInt(networks);
    String app = appName(random.nextInt(appsPerNetwork));
    long host = 1 + random.nextInt(hosts);
    SixpnAddress address = allocator.allocate(network, host);
    byte[] raw = new byte[7];
    random.nextBytes(raw);
    Live l =
        new Live(
            HexFormat.of().formatHex(raw),
            network,
            app,
            host,
            regionOfHost(host).name(),
            address,
            true);
    live.add(l);
    return started(l);
  }

  private LifecycleEvent started(Live l) {
    return new LifecycleEvent.InstanceStarted(
        id(),
        tick(),
        l.id(),
        l.network(),
        l.app(),
        "app",
        l.host(),
        l.region(),
        l.address(),
        Map.of("seq", Long.toString(sequence)));
  }

  private String id() {
    return "ev-" + (++sequence);
  }

  private Instant tick() {
    time = time.plusMillis(1);
    return time;
  }
}
