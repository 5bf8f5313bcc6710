package dev.sixpn.bench;

import dev.sixpn.dataplane.Dataplane;
import dev.sixpn.dataplane.DataplaneConfig;
import dev.sixpn.dataplane.DataplaneMetrics;
import dev.sixpn.dataplane.bpf.MapOp;
import dev.sixpn.dataplane.link.Exec;
import dev.sixpn.dataplane.link.LinkNames;
import dev.sixpn.dataplane.link.Netns;
import dev.sixpn.dataplane.link.NetnsExecutor;
import dev.sixpn.dataplane.link.Prefixes;
import dev.sixpn.dataplane.link.Rtnetlink;
import dev.sixpn.dataplane.maps.LocalsMap;
import dev.sixpn.dataplane.wireguard.WgKey;
import dev.sixpn.state.Host;
import dev.sixpn.state.Instance;
import dev.sixpn.state.StateChange;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Event to map entry and event to plumbing done (the instance's /128 route in the kernel, the last
 * thing its plumbing pass does before the files) on a real dataplane: programs, maps, wireguard-go,
 * veths in a namespace of its own, the state in memory. {@code PlumbingBench [instances] [events]}
 * (root): events spaced 20 ms apart, first on a quiet fleet, then with 1,000 fleet events a second
 * about other hosts' instances, then with the same churn published as if every batch concerned this
 * host (what every batch did to the loops before the change feed said whose it was). Prints p50 /
 * p99 / max.
 */
public final class PlumbingBench {

  private PlumbingBench() {}

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 50;
    int events = args.length > 1 ? Integer.parseInt(args[1]) : 200;
    String tag = Long.toHexString(System.nanoTime() & 0xfffff);
    String ns = "sxpb" + tag;
    Path dir = Files.createTempDirectory("sixpn-plumbing-bench-");
    Path pins = Path.of("/sys/fs/bpf", "sixpn-bench-" + ns);
    Exec.command("ip", "netns", "add", ns).run().orThrow("");
    Netns netns = Netns.named(ns);
    try {
      netns.run("ip", "link", "set", "lo", "up").orThrow("");
      MemoryState state = new MemoryState();
      List<Instance> instances = new ArrayList<>();
      for (int i = 1; i <= n; i++) {
        Instance inst = MemoryState.started("pb" + tag + "-" + i, 1 + i % 3, 1, i);
        instances.add(inst);
        String link = LinkNames.hostSideLink(inst);
        netns.run("ip", "link", "add", link, "type", "veth", "peer", "name", "pb" + i).orThrow("");
        netns.run("ip", "link", "set", link, "up").orThrow("");
      }
      DataplaneConfig cfg =
          new DataplaneConfig(
              1,
              netns,
              pins,
              dir,
              "wpb" + tag,
              51820,
              25,
              1420,
              dir.resolve("etc-netns"),
              Duration.ofMinutes(10));
      state.putHost(new Host(1, "ams", 0, 0, Dataplane.publicKey(cfg).base64(), "10.0.0.1:51820"));
      SecureRandom random = new SecureRandom();
      for (long h = 2; h <= 50; h++) {
        byte[] k = new byte[32];
        random.nextBytes(k);
        state.putHost(
            new Host(h, "ams", 0, 0, WgKey.ofBytes(k).base64(), "10.0.1." + h + ":51820"));
      }
      PrometheusRegistry registry = new PrometheusRegistry();
      try (Dataplane dp =
              Dataplane.start(cfg, state, state, new DataplaneMetrics(registry), () -> true);
          LocalsMap locals =
              new LocalsMap(pins.resolve("maps/sixpn_locals").toString(), MapOp.Observer.NONE);
          NetnsExecutor exec = new NetnsExecutor(netns);
          Rtnetlink nl = exec.call(Rtnetlink::open)) {
        System.out.printf(
            "# %s, %d instance links, %d events per run spaced 20 ms%n",
            java.time.Instant.now(), n, events);
        for (String mode : List.of("warm-up", "quiet", "churn", "churn-as-before")) {
          AtomicBoolean stop = new AtomicBoolean();
          Thread churn =
              mode.startsWith("churn")
                  ? Thread.ofPlatform()
                      .daemon()
                      .start(() -> churn(state, stop, mode.endsWith("before")))
                  : null;
          Passes before = Passes.of(registry, "plumbing");
          long[] toMap = new long[events];
          long[] toRoute = new long[events];
          for (int e = 0; e < events; e++) {
            Instance inst = instances.get(e % n);
            Thread.sleep(20);
            boolean start = (e / n) % 2 == 0;
            Instance next = start ? inst : inst.withStatus(dev.sixpn.state.InstanceStatus.STOPPED);
            String route = Prefixes.host(inst.address());
            long t0 = System.nanoTime();
            state.put(next);
            await(() -> locals.lookup(inst.address()).isPresent() == start, 50_000);
            toMap[e] = System.nanoTime() - t0;
            // A route dump costs ~100 µs of the 2 cores the loops need: looked at less often.
            await(() -> hasRoute(nl, route) == start, 200_000);
            toRoute[e] = System.nanoTime() - t0;
          }
          if (churn != null) {
            stop.set(true);
            churn.join();
          }
          if (!mode.equals("warm-up")) {
            report(mode + ": event -> map entry", toMap);
            report(mode + ": event -> route (plumbing done)", toRoute);
            Passes.of(registry, "plumbing").minus(before).print(mode + ": plumbing passes");
          }
        }
      }
    } finally {
      netns.run("ip", "link", "del", "wpb" + tag);
      Exec.command("ip", "netns", "del", ns).run();
      Exec.command("rm", "-rf", pins.toString()).run();
    }
  }

  /**
   * 1,000 instance events a second on other hosts, as batches of one. {@code asBefore}: each batch
   * also names this host, so the loops wake for it as they did for every batch before.
   */
  private static void churn(MemoryState state, AtomicBoolean stop, boolean asBefore) {
    AtomicLong seq = new AtomicLong();
    long next = System.nanoTime();
    while (!stop.get()) {
      long s = seq.incrementAndGet();
      long host = 2 + s % 9_999;
      Instance i = MemoryState.started("churn-" + s % 100_000, 1 + s % 1000, host, 1 + s % 60_000);
      if (asBefore) {
        state.publish(
            new StateChange(
                Set.of(i.network()),
                Set.of(),
                Set.of(host, 1L),
                Set.of(i.instanceId()),
                Set.of(),
                System.nanoTime()));
      } else {
        state.put(i);
      }
      next += 1_000_000;
      long wait = next - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
      }
    }
  }

  /**
   * The dataplane's own histogram of pass durations for one scope ({@code
   * sixpn_dataplane_reconcile_duration_seconds}): what a pass costs, without the wake-ups and the
   * polling of the event-to-route figure.
   */
  record Passes(double[] bounds, long[] counts, long count, double sum) {
    static Passes of(PrometheusRegistry registry, String scope) {
      for (var snapshot : registry.scrape()) {
        if (snapshot instanceof io.prometheus.metrics.model.snapshots.HistogramSnapshot h
            && h.getMetadata()
                .getPrometheusName()
                .equals("sixpn_dataplane_reconcile_duration_seconds")) {
          for (var p : h.getDataPoints()) {
            if (!scope.equals(p.getLabels().get("scope"))) {
              continue;
            }
            var b = p.getClassicBuckets();
            double[] bounds = new double[b.size()];
            long[] counts = new long[b.size()];
            for (int i = 0; i < b.size(); i++) {
              bounds[i] = b.getUpperBound(i);
              counts[i] = b.getCount(i);
            }
            return new Passes(bounds, counts, p.getCount(), p.getSum());
          }
        }
      }
      return new Passes(new double[0], new long[0], 0, 0);
    }

    Passes minus(Passes earlier) {
      long[] c = counts.clone();
      for (int i = 0; i < Math.min(c.length, earlier.counts.length); i++) {
        c[i] -= earlier.counts[i];
      }
      return new Passes(bounds, c, count - earlier.count, sum - earlier.sum);
    }

    void print(String what) {
      StringBuilder out = new StringBuilder();
      long below = 0;
      for (int i = 0; i < bounds.length && bounds[i] <= 0.005; i++) {
        below += counts[i];
        out.append(
            String.format(" <=%.2fms:%.1f%%", bounds[i] * 1e3, 100.0 * below / Math.max(1, count)));
      }
      System.out.printf(
          "%-48s n=%d mean=%.3f ms%s%n", what, count, sum / Math.max(1, count) * 1e3, out);
    }
  }

  private static boolean hasRoute(Rtnetlink nl, String prefix) {
    for (Rtnetlink.Route r : nl.routes(dev.sixpn.dataplane.link.IpPlumbing.ROUTE_PROTOCOL)) {
      if (r.prefix().equals(prefix)) {
        return true;
      }
    }
    return false;
  }

  private static void await(BooleanSupplier condition, long pollNanos) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("not applied within 10 s");
      }
      LockSupport.parkNanos(pollNanos); // 2 shared cores: do not spin
    }
  }

  static void report(String what, long[] nanos) {
    long[] s = nanos.clone();
    Arrays.sort(s);
    System.out.printf(
        "%-48s n=%d p50=%.2f ms p99=%.2f ms max=%.2f ms%n",
        what,
        s.length,
        s[s.length / 2] / 1e6,
        s[(int) Math.min(s.length - 1, Math.ceil(s.length * 0.99) - 1)] / 1e6,
        s[s.length - 1] / 1e6);
  }
}
