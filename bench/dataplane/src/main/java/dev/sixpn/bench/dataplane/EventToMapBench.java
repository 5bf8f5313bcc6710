package dev.sixpn.bench.dataplane;

import dev.sixpn.dataplane.Dataplane;
import dev.sixpn.dataplane.DataplaneConfig;
import dev.sixpn.dataplane.DataplaneMetrics;
import dev.sixpn.dataplane.bpf.MapOp;
import dev.sixpn.dataplane.link.LinkNames;
import dev.sixpn.dataplane.link.Netns;
import dev.sixpn.dataplane.maps.LocalsMap;
import dev.sixpn.dataplane.testing.FakeState;
import dev.sixpn.dataplane.testing.Sh;
import dev.sixpn.dataplane.testing.Topology;
import dev.sixpn.state.Host;
import dev.sixpn.state.Instance;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Event to map entry applied: the time from a change-feed batch (what the projector emits after
 * committing instance.started / instance.stopped) to the entry being present in / gone from the
 * real sixpn_locals map, read back by bpf(2) from another fd. One host namespace with real links,
 * real programs and wireguard-go; events one at a time (the latency of a lone event, not of a
 * burst).
 */
public final class EventToMapBench {

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 200;
    String run = Long.toHexString(System.nanoTime() & 0xffff);
    String ns = "sxb" + run;
    try (Topology topo = new Topology()) {
      Path state = Files.createTempDirectory("sixpn-bench-");
      topo.directory(state);
      topo.netns(ns);
      FakeState fake = new FakeState();
      List<Instance> instances = new ArrayList<>();
      for (int i = 1; i <= n; i++) {
        Instance inst = FakeState.started("b" + run + "-" + i, 1 + i % 3, 1, i, Map.of());
        instances.add(inst);
        Sh.mustIn(ns, "ip", "link", "add", LinkNames.hostSideLink(inst), "type", "veth", "peer", "name", "bp" + i);
        Sh.mustIn(ns, "ip", "link", "set", LinkNames.hostSideLink(inst), "up");
      }
      Path pins = Path.of("/sys/fs/bpf", "sixpn-bench-" + ns);
      topo.pins(pins);
      DataplaneConfig cfg =
          new DataplaneConfig(1, Netns.named(ns), pins, state, "wgb" + run, 51820, 25, 1420, state.resolve("etc-netns"), Duration.ofMinutes(10), List.of());
      fake.putHost(new Host(1, "ams", 0, 0, Dataplane.publicKey(cfg).base64(), "10.0.0.1:51820"));
      PrometheusRegistry registry = new PrometheusRegistry();
      try (Dataplane dp = Dataplane.start(cfg, fake, fake, new DataplaneMetrics(registry));
          LocalsMap reader = new LocalsMap(pins.resolve("maps/sixpn_locals").toString(), MapOp.Observer.NONE)) {
        dp.device().process().ifPresent(topo::process);
        topo.onClose(() -> Sh.in(ns, "ip", "link", "del", cfg.wgDevice()));
        // Round 0 warms the JIT; rounds 1 and 2 are measured: events back to back (each sent
        // as soon as the previous one is visible), then spaced 20 ms apart (lone events).
        for (int round = 0; round < 3; round++) {
          long spacingMillis = round == 2 ? 20 : 0;
          long[] started = new long[n];
          long[] stopped = new long[n];
          for (int i = 0; i < n; i++) {
            Instance inst = instances.get(i);
            Thread.sleep(spacingMillis);
            long t0 = System.nanoTime();
            fake.put(inst);
            while (reader.lookup(inst.address()).isEmpty()) {
              java.util.concurrent.locks.LockSupport.parkNanos(20_000); // 2 shared cores: do not spin
            }
            started[i] = System.nanoTime() - t0;
          }
          for (int i = 0; i < n; i++) {
            Instance inst = instances.get(i);
            Thread.sleep(spacingMillis);
            long t0 = System.nanoTime();
            fake.stop(inst.instanceId());
            while (reader.lookup(inst.address()).isPresent()) {
              java.util.concurrent.locks.LockSupport.parkNanos(20_000);
            }
            stopped[i] = System.nanoTime() - t0;
          }
          if (round > 0) {
            String how = spacingMillis == 0 ? "back to back" : "spaced " + spacingMillis + " ms";
            report("instance.started -> locals entry present (" + how + ")", started);
            report("instance.stopped -> locals entry gone (" + how + ")", stopped);
          }
        }
        for (var snapshot : registry.scrape()) {
          if (snapshot instanceof io.prometheus.metrics.model.snapshots.HistogramSnapshot h) {
            for (var dp2 : h.getDataPoints()) {
              System.out.printf(
                  "%s%s: count=%d mean=%.3f ms%n",
                  h.getMetadata().getName(), dp2.getLabels(), dp2.getCount(), dp2.getSum() / Math.max(1, dp2.getCount()) * 1e3);
            }
          }
        }
      }
    }
  }

  static void report(String what, long[] nanos) {
    long[] s = nanos.clone();
    Arrays.sort(s);
    System.out.printf(
        "%s: n=%d p50=%.2f ms p90=%.2f ms p99=%.2f ms max=%.2f ms%n",
        what, s.length, s[s.length / 2] / 1e6, s[(int) (s.length * 0.90)] / 1e6, s[(int) Math.min(s.length - 1, Math.ceil(s.length * 0.99) - 1)] / 1e6, s[s.length - 1] / 1e6);
  }
}
