package dev.sixpn.dns.server;

import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;

/**
 * Logs a recurring problem at most once per interval, with how many occurrences it stands for, so a
 * flood of bad packets costs counters, not a log line (or stack trace) each.
 */
final class RateLimitedLog {

  private final Logger log;
  private final long intervalNanos;
  private final AtomicLong nextAllowed = new AtomicLong(Long.MIN_VALUE);
  private final AtomicLong suppressed = new AtomicLong();

  RateLimitedLog(Logger log, long intervalNanos) {
    this.log = log;
    this.intervalNanos = intervalNanos;
  }

  void warn(String what, String detail) {
    long now = System.nanoTime();
    long next = nextAllowed.get();
    if ((next == Long.MIN_VALUE || now - next >= 0)
        && nextAllowed.compareAndSet(next, now + intervalNanos)) {
      long more = suppressed.getAndSet(0);
      log.warn("{}: {} ({} more like it since the last report)", what, detail, more);
    } else {
      suppressed.incrementAndGet();
    }
  }
}
