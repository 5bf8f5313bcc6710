package dev.sixpn.bench.dataplane;

import dev.sixpn.address.SixpnAddress;
import dev.sixpn.dataplane.DataplaneMetrics;
import dev.sixpn.dataplane.bpf.MapOp;
import dev.sixpn.dataplane.bpf.ProgramLoader;
import dev.sixpn.dataplane.maps.LocalInstance;
import dev.sixpn.dataplane.maps.LocalsMap;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.file.Path;

/**
 * Map updates per second from Java through FFM bpf(2): BPF_MAP_UPDATE_ELEM on the real
 * sixpn_locals hash map (16-byte key, 8-byte value), keys cycling over 50,000 addresses, one
 * thread, with and without the Prometheus map-op counter on the path.
 */
public final class MapUpdateBench {

  public static void main(String[] args) {
    Path pins = Path.of("/sys/fs/bpf", "sixpn-bench-maps-" + ProcessHandle.current().pid());
    try {
      ProgramLoader.Pins p = ProgramLoader.ensureLoaded(pins);
      int keys = 50_000;
      SixpnAddress[] addrs = new SixpnAddress[keys];
      for (int i = 0; i < keys; i++) {
        addrs[i] = SixpnAddress.ofInstance(1 + i % 7, 3, i);
      }
      LocalInstance v = new LocalInstance(5, 0);
      try (LocalsMap bare = new LocalsMap(p.map(LocalsMap.NAME).toString(), MapOp.Observer.NONE);
          LocalsMap counted =
              new LocalsMap(p.map(LocalsMap.NAME).toString(), new DataplaneMetrics(new PrometheusRegistry()).mapObserver(LocalsMap.NAME))) {
        for (LocalsMap m : new LocalsMap[] {bare, counted}) {
          String label = m == bare ? "no metrics" : "with map-op counter";
          run(m, addrs, v, 1_000_000); // warm-up: JIT and a full map
          double best = 0;
          for (int round = 0; round < 5; round++) {
            best = Math.max(best, run(m, addrs, v, 2_000_000));
          }
          System.out.printf("map updates/s (%s): best of 5 x 2,000,000 = %,.0f%n", label, best);
        }
        double lookups = 0;
        for (int round = 0; round < 3; round++) {
          long t0 = System.nanoTime();
          for (int i = 0; i < 1_000_000; i++) {
            bare.lookup(addrs[i % keys]);
          }
          lookups = Math.max(lookups, 1_000_000 / ((System.nanoTime() - t0) / 1e9));
        }
        System.out.printf("map lookups/s: best of 3 x 1,000,000 = %,.0f%n", lookups);
      }
    } finally {
      ProgramLoader.unpin(pins);
    }
  }

  static double run(LocalsMap m, SixpnAddress[] addrs, LocalInstance v, int n) {
    long t0 = System.nanoTime();
    for (int i = 0; i < n; i++) {
      m.put(addrs[i % addrs.length], v);
    }
    return n / ((System.nanoTime() - t0) / 1e9);
  }
}
