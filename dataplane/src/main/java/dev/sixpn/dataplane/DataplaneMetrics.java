package dev.sixpn.dataplane;

import dev.sixpn.dataplane.bpf.MapOp;
import dev.sixpn.dataplane.maps.DropReason;
import dev.sixpn.dataplane.maps.DropsMap;
import dev.sixpn.dataplane.reconcile.ReconcileLoop;
import dev.sixpn.dataplane.reconcile.ReconcileObserver;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The dataplane's metrics. Drop counters are read from the per-CPU map at scrape time (the programs
 * count; nothing is mirrored). Labelled data points are resolved once per map so the map-update
 * path costs one atomic add.
 */
public final class DataplaneMetrics {

  private final Counter mapOps;
  private final Counter reconcileRuns;
  private final Counter reconcileChanges;
  private final Counter reconcileFailures;
  private final Histogram reconcileDuration;
  private final Histogram changeToApplied;
  private final AtomicReference<DropsMap> drops = new AtomicReference<>();
  private final Gauge instancesWithoutLink;
  private final Map<String, java.util.function.LongSupplier> skipped =
      new java.util.concurrent.ConcurrentHashMap<>();

  public DataplaneMetrics(PrometheusRegistry registry) {
    mapOps =
        Counter.builder()
            .name("sixpn_dataplane_map_ops")
            .help("bpf(2) element operations on the dataplane's maps")
            .labelNames("map", "op", "result")
            .register(registry);
    reconcileRuns =
        Counter.builder()
            .name("sixpn_dataplane_reconcile_runs")
            .help("reconcile passes by scope (maps, plumbing) and outcome")
            .labelNames("scope", "result")
            .register(registry);
    reconcileChanges =
        Counter.builder()
            .name("sixpn_dataplane_reconcile_changes")
            .help("objects changed by reconcile passes")
            .labelNames("object", "action")
            .register(registry);
    reconcileFailures =
        Counter.builder()
            .name("sixpn_dataplane_reconcile_failures")
            .help(
                "items a reconcile pass could not apply (skipped, retried with backoff), by object"
                    + " and reason")
            .labelNames("object", "reason")
            .register(registry);
    reconcileDuration =
        Histogram.builder()
            .name("sixpn_dataplane_reconcile_duration_seconds")
            .help("duration of one reconcile pass")
            .labelNames("scope")
            .classicUpperBounds(
                0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5)
            .register(registry);
    changeToApplied =
        Histogram.builder()
            .name("sixpn_dataplane_change_applied_seconds")
            .help(
                "time from a batch's commit in the projector to the end of the pass that applied it")
            .labelNames("scope")
            .classicUpperBounds(
                0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                2.5)
            .register(registry);
    instancesWithoutLink =
        Gauge.builder()
            .name("sixpn_dataplane_instances_without_link")
            .help("started instances of this host whose link does not exist (runtime late or gone)")
            .register(registry);
    CounterWithCallback.builder()
        .name("sixpn_dataplane_changes_skipped")
        .help("change batches that concerned no part of this host's loop (scope), so ran no pass")
        .labelNames("scope")
        .callback(cb -> skipped.forEach((scope, n) -> cb.call(n.getAsLong(), scope)))
        .register(registry);
    CounterWithCallback.builder()
        .name("sixpn_dataplane_drops")
        .help("packets dropped by the BPF programs, by reason (summed over CPUs)")
        .labelNames("reason")
        .callback(
            cb -> {
              DropsMap m = drops.get();
              if (m != null) {
                m.counts().forEach((reason, n) -> cb.call(n, reason.label()));
              }
            })
        .register(registry);
  }

  /** Starts exporting the drop counters of this map (one map per agent). */
  public void exportDrops(DropsMap map) {
    drops.set(map);
  }

  /** Exports a loop's count of skipped change batches. */
  public void exportSkipped(String scope, java.util.function.LongSupplier count) {
    skipped.put(scope, count);
  }

  public MapOp.Observer mapObserver(String map) {
    Map<MapOp, CounterDataPoint> ok = new EnumMap<>(MapOp.class);
    Map<MapOp, CounterDataPoint> failed = new EnumMap<>(MapOp.class);
    for (MapOp op : MapOp.values()) {
      String o = op.name().toLowerCase(java.util.Locale.ROOT);
      ok.put(op, mapOps.labelValues(map, o, "ok"));
      failed.put(op, mapOps.labelValues(map, o, "error"));
    }
    return (op, success) -> (success ? ok : failed).get(op).inc();
  }

  public ReconcileObserver reconcileObserver() {
    return new ReconcileObserver() {
      @Override
      public void changed(String object, String action, int count) {
        reconcileChanges.labelValues(object, action).inc(count);
      }

      @Override
      public void failed(String object, String reason) {
        reconcileFailures.labelValues(object, reason).inc();
      }
    };
  }

  public void pass(String scope, ReconcileLoop.PassReport report) {
    reconcileRuns.labelValues(scope, report.result().ok() ? "ok" : "error").inc();
    reconcileDuration.labelValues(scope).observe(report.result().duration().toNanos() / 1e9);
    if (report.changeLatencyNanos() >= 0) {
      changeToApplied.labelValues(scope).observe(report.changeLatencyNanos() / 1e9);
    }
    instancesWithoutLink.set(report.result().missingLinks().size());
  }

  /** Drop counts by reason, for logs and tests. */
  public Map<DropReason, Long> drops() {
    DropsMap m = drops.get();
    return m == null ? Map.of() : m.counts();
  }
}
