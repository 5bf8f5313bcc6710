package dev.sixpn.bench;

import dev.sixpn.events.EventCodec;
import dev.sixpn.events.LifecycleEvent;
import dev.sixpn.events.synthetic.SyntheticFleet;
import dev.sixpn.projector.fold.ChangeCollector;
import dev.sixpn.projector.fold.EventFolder;
import dev.sixpn.projector.store.StateStore;
import dev.sixpn.projector.store.StoreBatch;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.List;

/**
 * The fold without Kafka: {@code FoldBench <dataDir> <events> <batch>}. Pre-encoded events are
 * decoded, folded and committed in batches on one thread; prints CPU time per phase (thread CPU, so
 * other load on the machine matters less than for wall time).
 */
public final class FoldBench {

  private FoldBench() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int n = Integer.parseInt(args[1]);
    int batchSize = Integer.parseInt(args[2]);
    List<byte[]> encoded =
        new SyntheticFleet(42, 200, 10, 20).generate(n).stream().map(EventCodec::encode).toList();
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    for (int round = 0; round < 2; round++) {
      StateStore.destroy(dir);
      long decode = 0;
      long fold = 0;
      long commit = 0;
      long wall = System.nanoTime();
      try (StateStore store = StateStore.open(dir)) {
        for (int from = 0; from < encoded.size(); from += batchSize) {
          List<byte[]> slice = encoded.subList(from, Math.min(encoded.size(), from + batchSize));
          long t0 = mx.getCurrentThreadCpuTime();
          List<LifecycleEvent> events = new java.util.ArrayList<>(slice.size());
          for (byte[] b : slice) {
            events.add(EventCodec.decode(b));
          }
          long t1 = mx.getCurrentThreadCpuTime();
          StoreBatch batch = store.newBatch();
          ChangeCollector changes = new ChangeCollector();
          for (LifecycleEvent e : events) {
            try {
              EventFolder.fold(store, batch, e, changes);
            } catch (dev.sixpn.projector.fold.RuleViolation ignored) {
              // counted by the projector; irrelevant here
            }
          }
          long t2 = mx.getCurrentThreadCpuTime();
          store.commit(batch);
          long t3 = mx.getCurrentThreadCpuTime();
          decode += t1 - t0;
          fold += t2 - t1;
          commit += t3 - t2;
        }
        double w = (System.nanoTime() - wall) / 1e9;
        System.out.printf(
            "round %d: %d events, wall %.2f s (%.0f/s); thread cpu per event: decode %.2f us, fold %.2f us, commit %.2f us%n",
            round, n, w, n / w, decode / 1e3 / n, fold / 1e3 / n, commit / 1e3 / n);
      }
    }
  }
}
