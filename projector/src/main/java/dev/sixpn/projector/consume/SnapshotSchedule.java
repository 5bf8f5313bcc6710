package dev.sixpn.projector.consume;

import java.time.Duration;
import java.time.Instant;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;

/**
 * When a writing projector takes its next snapshot: once {@code everyEvents} events were folded
 * since the last one, or once {@code interval} passed with at least one event folded (a quiet fleet
 * writes none). The interval is drawn anew each time within ±10% of itself, so two writers started
 * together do not keep writing at the same moment. A failed write is retried after {@link #RETRY},
 * not at the next batch. Thread-safe.
 */
final class SnapshotSchedule {

  static final Duration RETRY = Duration.ofSeconds(30);

  private final long everyEvents;
  private final long intervalNanos;
  private final LongSupplier nanoClock;
  private final RandomGenerator random;
  private long events;
  private long nextByTime;
  private long notBefore;

  /**
   * @param everyEvents events between snapshots, 0 for no count trigger
   * @param interval time between snapshots, zero for no time trigger
   */
  SnapshotSchedule(
      long everyEvents, Duration interval, LongSupplier nanoClock, RandomGenerator random) {
    if (everyEvents < 0) {
      throw new IllegalArgumentException("everyEvents must be >= 0, got " + everyEvents);
    }
    if (interval.isNegative()) {
      throw new IllegalArgumentException("interval must be >= 0, got " + interval);
    }
    this.everyEvents = everyEvents;
    this.intervalNanos = interval.toNanos();
    this.nanoClock = nanoClock;
    this.random = random;
    this.notBefore = nanoClock.getAsLong();
    this.nextByTime = notBefore + jittered(intervalNanos);
  }

  synchronized void folded(long count) {
    events += count;
  }

  /** Whether a snapshot is due now; if so, it counts as started. */
  synchronized boolean start() {
    long now = nanoClock.getAsLong();
    boolean byCount = everyEvents > 0 && events >= everyEvents;
    boolean byTime = intervalNanos > 0 && now - nextByTime >= 0;
    if (events == 0 || now - notBefore < 0 || !(byCount || byTime)) {
      return false;
    }
    events = 0;
    nextByTime = now + jittered(intervalNanos);
    return true;
  }

  /** The write started last failed: try again after {@link #RETRY}. */
  synchronized void failed() {
    long now = nanoClock.getAsLong();
    notBefore = now + RETRY.toNanos();
    events = Math.max(events, Math.max(everyEvents, 1));
    nextByTime = now;
  }

  /** A snapshot taken at {@code takenAt} was loaded: the next is due an interval after it. */
  synchronized void seen(Instant takenAt, Instant now) {
    long age = Math.max(0, Duration.between(takenAt, now).toNanos());
    nextByTime = nanoClock.getAsLong() + Math.max(0, jittered(intervalNanos) - age);
  }

  private long jittered(long nanos) {
    return nanos == 0 ? 0 : (long) (nanos * (0.9 + 0.2 * random.nextDouble()));
  }
}
