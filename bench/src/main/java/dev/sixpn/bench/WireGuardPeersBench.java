package dev.sixpn.bench;

import dev.sixpn.dataplane.link.HostPlumbing;
import dev.sixpn.dataplane.link.InstanceFiles;
import dev.sixpn.dataplane.link.Netns;
import dev.sixpn.dataplane.reconcile.ReconcileObserver;
import dev.sixpn.dataplane.reconcile.ReconcileResult;
import dev.sixpn.dataplane.reconcile.Reconciler;
import dev.sixpn.dataplane.wireguard.HostKeys;
import dev.sixpn.dataplane.wireguard.WgKey;
import dev.sixpn.dataplane.wireguard.WireGuardGoDevice;
import dev.sixpn.state.Host;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Map;

/**
 * A WireGuard device with many peers (one per other host of a large fleet): what the plumbing
 * pass's peer step costs when one host joins or leaves. {@code WireGuardPeersBench [peers]}
 * (default 10,000; root, /dev/net/tun, wireguard-go): a real wireguard-go device in a namespace of
 * its own, the real {@link Reconciler} (routes, attachments and files behind a no-op plumbing, so
 * the pass is the device's part alone), the state in memory. Prints the first pass (adding every
 * peer), one {@code get=1} read and parse, and passes adding or removing one peer: p50 / p99 / max.
 */
public final class WireGuardPeersBench {

  private WireGuardPeersBench() {}

  public static void main(String[] args) throws Exception {
    int peers = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 50;
    String tag = Long.toHexString(System.nanoTime() & 0xfffff);
    String ns = "sxwg" + tag;
    String dev = "wgp" + tag;
    Path dir = Files.createTempDirectory("sixpn-wg-bench-");
    new ProcessBuilder("ip", "netns", "add", ns).inheritIO().start().waitFor();
    WireGuardGoDevice device = null;
    try {
      Netns netns = Netns.named(ns);
      device = WireGuardGoDevice.openOrStart(dev, netns, dir.resolve("wg.log"), 1420);
      MemoryState state = new MemoryState();
      SecureRandom random = new SecureRandom();
      state.putHost(new Host(1, "ams", 0, 0, key(random).base64(), "10.0.0.1:51820"));
      for (int h = 2; h <= peers + 1; h++) {
        state.putHost(host(h, random));
      }
      HostKeys keys = HostKeys.loadOrCreate(dir.resolve("private.key"));
      Reconciler reconciler =
          new Reconciler(
              new Reconciler.Settings(1, dev, 51820, 25, keys),
              state,
              new NoTable<>(),
              new NoTable<>(),
              device,
              new NoPlumbing(dev),
              new InstanceFiles(dir.resolve("etc"), 1),
              n -> false,
              ReconcileObserver.NONE,
              () -> true);
      long t0 = System.nanoTime();
      ReconcileResult first = reconciler.reconcile(Reconciler.Scope.PLUMBING);
      System.out.printf(
          "first pass: %d peers added in %.0f ms (errors %d)%n",
          peers, (System.nanoTime() - t0) / 1e6, first.errors().size());
      for (int i = 0; i < 20; i++) {
        reconciler.reconcile(Reconciler.Scope.PLUMBING); // warm-up: nothing to do
      }
      long[] read = new long[rounds];
      for (int i = 0; i < rounds; i++) {
        long s = System.nanoTime();
        int n = device.state().peers().size();
        read[i] = System.nanoTime() - s;
        if (n != peers) {
          throw new IllegalStateException("device has " + n + " peers, want " + peers);
        }
      }
      long[] idle = new long[rounds];
      long[] add = new long[rounds];
      long[] remove = new long[rounds];
      for (int i = 0; i < rounds; i++) {
        long s = System.nanoTime();
        reconciler.reconcile(Reconciler.Scope.PLUMBING);
        idle[i] = System.nanoTime() - s;
        Host extra = host(peers + 2 + i, random);
        state.putHost(extra);
        s = System.nanoTime();
        ReconcileResult r = reconciler.reconcile(Reconciler.Scope.PLUMBING);
        add[i] = System.nanoTime() - s;
        check(r, 1, "add");
        state.removeHost(extra.host());
        s = System.nanoTime();
        r = reconciler.reconcile(Reconciler.Scope.PLUMBING);
        remove[i] = System.nanoTime() - s;
        check(r, 1, "remove");
      }
      print("get=1 read and parse", read);
      print("pass, nothing changed", idle);
      print("pass adding one peer", add);
      print("pass removing one peer", remove);
    } finally {
      if (device != null) {
        device.destroy();
      }
      new ProcessBuilder("ip", "netns", "del", ns).inheritIO().start().waitFor();
    }
  }

  private static void check(ReconcileResult r, int changes, String what) {
    if (!r.ok() || r.changes() != changes) {
      throw new IllegalStateException(
          what + ": " + r.changes() + " changes, errors " + r.errors() + ", want " + changes);
    }
  }

  private static void print(String what, long[] nanos) {
    long[] s = nanos.clone();
    Arrays.sort(s);
    System.out.printf(
        "%-26s p50 %6.2f ms  p99 %6.2f ms  max %6.2f ms  (n=%d)%n",
        what,
        s[s.length / 2] / 1e6,
        s[Math.min(s.length - 1, (int) Math.ceil(s.length * 0.99) - 1)] / 1e6,
        s[s.length - 1] / 1e6,
        s.length);
  }

  private static WgKey key(SecureRandom random) {
    byte[] b = new byte[32];
    random.nextBytes(b);
    return WgKey.ofBytes(b);
  }

  private static Host host(long h, SecureRandom random) {
    return new Host(
        h,
        "r" + h % 30,
        0,
        0,
        key(random).base64(),
        "10." + (h >> 16 & 255) + "." + (h >> 8 & 255) + "." + (h & 255) + ":51820");
  }

  private static final class NoTable<K, V> implements dev.sixpn.dataplane.bpf.Table<K, V> {
    @Override
    public Map<K, V> entries() {
      return Map.of();
    }

    @Override
    public void put(K key, V value) {}

    @Override
    public boolean delete(K key) {
      return false;
    }
  }

  /** Routes, attachments and addresses cost nothing here: the pass is the device's part. */
  private record NoPlumbing(String device) implements HostPlumbing {
    @Override
    public Map<String, Integer> links() {
      return Map.of(device, 1);
    }

    @Override
    public Map<Integer, String> attachments() {
      return Map.of(1, "from_mesh");
    }

    @Override
    public void attach(int ifindex, String program) {}

    @Override
    public void detach(int ifindex) {}

    @Override
    public void assignGateway(String link) {}

    @Override
    public Map<String, String> routes() {
      return Map.of(
          dev.sixpn.dataplane.reconcile.Desired.MESH_ROUTE,
          device,
          dev.sixpn.dataplane.reconcile.Desired.SIXPN_UNREACHABLE,
          UNREACHABLE);
    }

    @Override
    public void replaceRoute(String prefix, String device) {}

    @Override
    public void deleteRoute(String prefix) {}

    @Override
    public void enableForwarding() {}
  }
}
