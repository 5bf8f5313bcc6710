package dev.sixpn.projector.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The projector's Prometheus metrics. Lag is published from a map the poll loop refreshes, because
 * the Kafka consumer must not be touched from the scrape thread.
 */
public final class ProjectorMetrics {

  private final Counter folded;
  private final Counter quarantined;
  private final Counter duplicates;
  private final Histogram batchSeconds;
  private final Map<Integer, Long> lag = new ConcurrentHashMap<>();
  private final java.util.concurrent.atomic.LongAdder foldedTotal =
      new java.util.concurrent.atomic.LongAdder();
  private final java.util.concurrent.atomic.LongAdder quarantinedTotal =
      new java.util.concurrent.atomic.LongAdder();
  private volatile double lastCommitEpochSeconds;

  public ProjectorMetrics(PrometheusRegistry registry) {
    folded =
        Counter.builder()
            .name("sixpn_projector_events_folded_total")
            .help("Events folded into the state, by type.")
            .labelNames("type")
            .register(registry);
    quarantined =
        Counter.builder()
            .name("sixpn_projector_quarantined_total")
            .help("Records put in quarantine, by reason.")
            .labelNames("reason")
            .register(registry);
    duplicates =
        Counter.builder()
            .name("sixpn_projector_duplicates_total")
            .help("Events skipped because their id was seen before.")
            .register(registry);
    batchSeconds =
        Histogram.builder()
            .name("sixpn_projector_batch_seconds")
            .help("Time to fold and commit one poll batch.")
            .classicUpperBounds(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1)
            .register(registry);
    GaugeWithCallback.builder()
        .name("sixpn_projector_lag_records")
        .help("Records behind the end of each partition.")
        .labelNames("partition")
        .callback(cb -> lag.forEach((p, l) -> cb.call(l, Integer.toString(p))))
        .register(registry);
    GaugeWithCallback.builder()
        .name("sixpn_projector_last_commit_timestamp_seconds")
        .help("Unix time of the last committed batch.")
        .callback(cb -> cb.call(lastCommitEpochSeconds))
        .register(registry);
  }

  public void folded(String type, int count) {
    folded.labelValues(type).inc(count);
    foldedTotal.add(count);
  }

  public void quarantined(String reason, int count) {
    quarantined.labelValues(reason).inc(count);
    quarantinedTotal.add(count);
  }

  public void duplicates(int count) {
    duplicates.inc(count);
  }

  public void committed(long batchNanos) {
    batchSeconds.observe(batchNanos / 1e9);
    lastCommitEpochSeconds = System.currentTimeMillis() / 1000.0;
  }

  public void lag(int partition, long records) {
    lag.put(partition, records);
  }

  public long foldedTotal() {
    return foldedTotal.sum();
  }

  public long quarantinedTotal() {
    return quarantinedTotal.sum();
  }
}
