package dev.sixpn.projector.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The projector's Prometheus metrics. Lag is published from a map the poll loop refreshes, because
 * the Kafka consumer must not be touched from the scrape thread. The age gauges count from this
 * object's creation until the first contact or event, so a projector that never reached its broker
 * shows a rising age rather than none.
 */
public final class ProjectorMetrics {

  private final Counter folded;
  private final Counter quarantined;
  private final Counter duplicates;
  private final Counter rebuilds;
  private final Counter partitionsAdded;
  private final Histogram batchSeconds;
  private final Map<Integer, Long> lag = new ConcurrentHashMap<>();
  private final java.util.concurrent.atomic.LongAdder foldedTotal =
      new java.util.concurrent.atomic.LongAdder();
  private final java.util.concurrent.atomic.LongAdder quarantinedTotal =
      new java.util.concurrent.atomic.LongAdder();
  private volatile double lastCommitEpochSeconds;
  private final long createdNanos = System.nanoTime();
  private volatile long lastBrokerContactNanos;
  private volatile boolean contacted;
  private volatile long lastEventNanos = createdNanos;
  private volatile boolean caughtUp;
  private final Counter snapshotsWritten;
  private final Counter snapshotsLoaded;
  private final Counter snapshotFailures;

  /** When the newest snapshot this projector wrote or loaded was taken; null before one. */
  private volatile Instant lastSnapshot;

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
    rebuilds =
        Counter.builder()
            .name("sixpn_projector_rebuilds_total")
            .help(
                "Times the state was rebuilt (from a snapshot or the log's beginning) because the"
                    + " stored offsets could not be resumed, by reason.")
            .labelNames("reason")
            .register(registry);
    partitionsAdded =
        Counter.builder()
            .name("sixpn_projector_partitions_added_total")
            .help("Partitions found added to the topic since the offsets were stored.")
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
    GaugeWithCallback.builder()
        .name("sixpn_projector_broker_contact_age_seconds")
        .help("Seconds since the broker last answered (a poll with records, or end offsets).")
        .callback(
            cb ->
                cb.call(
                    (System.nanoTime() - (contacted ? lastBrokerContactNanos : createdNanos))
                        / 1e9))
        .register(registry);
    GaugeWithCallback.builder()
        .name("sixpn_projector_last_event_age_seconds")
        .help("Seconds since the last event was folded.")
        .callback(cb -> cb.call((System.nanoTime() - lastEventNanos) / 1e9))
        .register(registry);
    snapshotsWritten =
        Counter.builder()
            .name("sixpn_projector_snapshots_written_total")
            .help("Snapshots of the state this projector wrote to the snapshot topic.")
            .register(registry);
    snapshotsLoaded =
        Counter.builder()
            .name("sixpn_projector_snapshots_loaded_total")
            .help("Snapshots loaded into an empty or rebuilt store.")
            .register(registry);
    snapshotFailures =
        Counter.builder()
            .name("sixpn_projector_snapshot_failures_total")
            .help("Snapshot writes that failed (retried later).")
            .register(registry);
    GaugeWithCallback.builder()
        .name("sixpn_projector_last_snapshot_age_seconds")
        .help(
            "Seconds since the newest snapshot this projector wrote or loaded was taken; absent"
                + " before one.")
        .callback(
            cb -> {
              Instant at = lastSnapshot;
              if (at != null) {
                cb.call(Duration.between(at, Instant.now()).toMillis() / 1e3);
              }
            })
        .register(registry);
    GaugeWithCallback.builder()
        .name("sixpn_projector_caught_up")
        .help("1 once the positions reached the end offsets read at start, else 0.")
        .callback(cb -> cb.call(caughtUp ? 1 : 0))
        .register(registry);
  }

  public void folded(String type, int count) {
    folded.labelValues(type).inc(count);
    foldedTotal.add(count);
    lastEventNanos = System.nanoTime();
  }

  /** The broker answered just now. */
  public void brokerContact() {
    lastBrokerContactNanos = System.nanoTime();
    contacted = true;
  }

  /** Time since the broker last answered; empty if it never did. */
  public Optional<Duration> brokerContactAge() {
    return contacted
        ? Optional.of(Duration.ofNanos(System.nanoTime() - lastBrokerContactNanos))
        : Optional.empty();
  }

  public void caughtUp(boolean caughtUp) {
    this.caughtUp = caughtUp;
  }

  public void quarantined(String reason, int count) {
    quarantined.labelValues(reason).inc(count);
    quarantinedTotal.add(count);
  }

  public void duplicates(int count) {
    duplicates.inc(count);
  }

  public void snapshotWritten(Instant takenAt) {
    snapshotsWritten.inc();
    newerSnapshot(takenAt);
  }

  public void snapshotLoaded(Instant takenAt) {
    snapshotsLoaded.inc();
    newerSnapshot(takenAt);
  }

  public void snapshotFailed() {
    snapshotFailures.inc();
  }

  public long snapshotsWritten() {
    return (long) snapshotsWritten.get();
  }

  public long snapshotsLoaded() {
    return (long) snapshotsLoaded.get();
  }

  /** When the newest snapshot written or loaded was taken, if any. */
  public Optional<Instant> lastSnapshot() {
    return Optional.ofNullable(lastSnapshot);
  }

  private synchronized void newerSnapshot(Instant takenAt) {
    if (lastSnapshot == null || takenAt.isAfter(lastSnapshot)) {
      lastSnapshot = takenAt;
    }
  }

  public void rebuilt(String reason) {
    rebuilds.labelValues(reason).inc();
  }

  /** Rebuilds so far for this reason. */
  public long rebuilds(String reason) {
    return (long) rebuilds.labelValues(reason).get();
  }

  public void partitionsAdded(int count) {
    partitionsAdded.inc(count);
  }

  public long partitionsAddedTotal() {
    return (long) partitionsAdded.get();
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
