package dev.sixpn.projector.consume;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class SnapshotScheduleTest {

  private final AtomicLong now = new AtomicLong(1_000_000_000L);

  private SnapshotSchedule schedule(long everyEvents, Duration interval) {
    return new SnapshotSchedule(everyEvents, interval, now::get, new Random(7));
  }

  private void advance(Duration d) {
    now.addAndGet(d.toNanos());
  }

  @Test
  void start_countReached_dueOnceThenCountsAgain() {
    SnapshotSchedule s = schedule(100, Duration.ZERO);
    s.folded(99);
    assertFalse(s.start());
    s.folded(1);
    assertTrue(s.start());
    assertFalse(s.start(), "the count starts over");
    s.folded(100);
    assertTrue(s.start());
  }

  @Test
  void start_intervalPassed_dueOnlyWithEventsFolded() {
    SnapshotSchedule s = schedule(0, Duration.ofMinutes(10));
    advance(Duration.ofMinutes(12));
    assertFalse(s.start(), "a quiet log needs no new snapshot");
    s.folded(1);
    assertTrue(s.start());
    s.folded(1);
    advance(Duration.ofMinutes(8));
    assertFalse(s.start(), "not before 90% of the interval");
    advance(Duration.ofMinutes(3));
    assertTrue(s.start(), "at most 110% of the interval");
  }

  @Test
  void failed_retriedAfterTheRetryDelayNotAtOnce() {
    SnapshotSchedule s = schedule(10, Duration.ofHours(1));
    s.folded(10);
    assertTrue(s.start());
    s.failed();
    assertFalse(s.start());
    advance(SnapshotSchedule.RETRY);
    assertTrue(s.start());
  }

  @Test
  void seen_loadedSnapshotOld_nextDueSooner() {
    SnapshotSchedule s = schedule(0, Duration.ofMinutes(10));
    Instant wall = Instant.parse("2026-12-02T00:00:00Z");
    s.seen(wall.minus(Duration.ofMinutes(20)), wall);
    s.folded(1);
    assertTrue(s.start(), "the loaded snapshot is already older than the interval");
  }
}
