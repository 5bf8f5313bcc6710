package dev.sixpn.bench;

import dev.sixpn.events.LifecycleEvent;
import dev.sixpn.events.synthetic.SyntheticFleet;
import dev.sixpn.projector.consume.LifecycleProjector;
import dev.sixpn.projector.consume.ProjectorConfig;
import dev.sixpn.projector.metrics.ProjectorMetrics;
import dev.sixpn.projector.store.StateStore;
import dev.sixpn.publish.LifecyclePublisher;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Projector figures against a broker already holding the log: {@code ProjectorBench <bootstrap>
 * <topic> <dataDir> <followEvents>}.
 *
 * <ol>
 *   <li>cold bootstrap: a fresh store in a fresh JVM folds the whole topic; events/s and seconds;
 *   <li>RSS of this JVM after the bootstrap (the broker runs in another process);
 *   <li>restart: the time to reopen that store (the memory state rebuilt from RocksDB);
 *   <li>warm fold: the same log into another fresh store, JIT warm: the steady fold rate;
 *   <li>follow: {@code followEvents} instance events published at ~2,000/s while the projector
 *       runs; latency commit → change-feed listener and publish → listener, p50/p99/max.
 * </ol>
 */
public final class ProjectorBench {

  private ProjectorBench() {}

  public static void main(String[] args) throws Exception {
    String bootstrap = args[0];
    String topic = args[1];
    Path dataDir = Path.of(args[2]);
    int follow = Integer.parseInt(args[3]);
    Path cold = dataDir.resolve("cold");
    StateStore.destroy(dataDir);
    try (StateStore store = StateStore.open(cold)) {
      fold("cold bootstrap (JVM just started: includes JIT warm-up)", bootstrap, topic, store);
      System.gc();
      System.out.printf(
          "rss after bootstrap: %.0f MiB (heap used %.0f MiB)%n",
          Rss.kib() / 1024.0,
          (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) / 1048576.0);
    }
    long t0 = System.nanoTime();
    try (StateStore store = StateStore.open(cold)) {
      System.out.printf(
          "restart: state loaded from RocksDB in %.2f s (%d networks)%n",
          (System.nanoTime() - t0) / 1e9, store.networks().size());
    }
    // The steady rate of a running agent: same log, fresh store, JIT already warm.
    try (StateStore store = StateStore.open(dataDir.resolve("warm"))) {
      LifecycleProjector projector =
          fold("warm fold (fresh store, same JVM)", bootstrap, topic, store);
      try (projector) {
        if (follow > 0) {
          follow(bootstrap, topic, projector, follow);
        }
      }
    }
  }

  private static LifecycleProjector fold(
      String what, String bootstrap, String topic, StateStore store) {
    ProjectorMetrics metrics = new ProjectorMetrics(new PrometheusRegistry());
    LifecycleProjector projector =
        new LifecycleProjector(
            ProjectorConfig.of(bootstrap, topic)
                .withDecodeParallelism(
                    Integer.getInteger(
                        "decode.parallelism", ProjectorConfig.DEFAULT_DECODE_PARALLELISM)),
            store,
            metrics);
    double cpu0 = cpuSeconds();
    java.util.Map<String, Double> threads0 = Rss.cpuByThread();
    long start = System.nanoTime();
    if (!projector.catchUp(Duration.ofMinutes(10))) {
      throw new IllegalStateException(what + " did not finish");
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    long records = metrics.foldedTotal() + metrics.quarantinedTotal();
    System.out.printf(
        "%s: %d events folded in %.2f s = %.0f events/s (process cpu %.2f s)%n",
        what, records, seconds, records / seconds, cpuSeconds() - cpu0);
    java.util.Map<String, Double> threads = Rss.cpuByThread();
    threads0.forEach((k, v) -> threads.computeIfPresent(k, (x, now) -> now - v));
    System.out.println("  cpu seconds by thread: " + Rss.format(threads));
    return projector;
  }

  private static double cpuSeconds() {
    return ProcessHandle.current().info().totalCpuDuration().orElseThrow().toNanos() / 1e9;
  }

  private static void follow(String bootstrap, String topic, LifecycleProjector projector, int n)
      throws Exception {
    List<Long> commitToListener = Collections.synchronizedList(new ArrayList<>());
    List<Long> publishToListener = Collections.synchronizedList(new ArrayList<>());
    ConcurrentHashMap<String, Long> sentAt = new ConcurrentHashMap<>();
    projector.subscribe(
        change -> {
          long now = System.nanoTime();
          commitToListener.add(now - change.committedAtNanos());
          for (String id : change.instanceIds()) {
            Long t = sentAt.remove(id);
            if (t != null) {
              publishToListener.add(now - t);
            }
          }
        });
    AtomicBoolean stop = new AtomicBoolean();
    Thread runner = new Thread(() -> projector.run(stop::get), "projector");
    runner.start();
    List<LifecycleEvent> events = new ArrayList<>();
    new SyntheticFleet(7, 5, 3, 4)
        .generate(
            n,
            e -> {
              if (e instanceof LifecycleEvent.InstanceStarted s) {
                events.add(
                    new LifecycleEvent.InstanceStarted(
                        "follow-" + s.eventId(),
                        s.time(),
                        "f" + s.instanceId(),
                        100_000 + s.network(),
                        s.app(),
                        s.processGroup(),
                        s.host(),
                        s.region(),
                        dev.sixpn.address.SixpnAddress.ofInstance(
                            100_000 + s.network(), s.host(), s.address().instance()),
                        s.metadata()));
              }
            });
    try (LifecyclePublisher publisher =
        LifecyclePublisher.connect(bootstrap, topic, 12, Duration.ofSeconds(30))) {
      long interval = 500_000; // 2,000 events/s
      long next = System.nanoTime();
      for (LifecycleEvent e : events) {
        while (System.nanoTime() < next) {
          Thread.onSpinWait();
        }
        next += interval;
        sentAt.put(((LifecycleEvent.InstanceStarted) e).instanceId(), System.nanoTime());
        publisher.publish(e);
      }
      publisher.flush();
    }
    Thread.sleep(1000);
    stop.set(true);
    runner.join();
    report("commit -> listener", commitToListener);
    report("publish -> listener", publishToListener);
  }

  private static void report(String what, List<Long> nanos) {
    List<Long> s = new ArrayList<>(nanos);
    Collections.sort(s);
    if (s.isEmpty()) {
      System.out.println(what + ": no samples");
      return;
    }
    System.out.printf(
        "%s: n=%d p50=%.3f ms p99=%.3f ms max=%.3f ms%n",
        what,
        s.size(),
        s.get(s.size() / 2) / 1e6,
        s.get((int) (s.size() * 0.99)) / 1e6,
        s.getLast() / 1e6);
  }
}
