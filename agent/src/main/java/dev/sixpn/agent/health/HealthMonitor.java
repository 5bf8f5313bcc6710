package dev.sixpn.agent.health;

import dev.sixpn.events.HealthStatus;
import java.net.InetAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs an instance's checks every {@code interval} and reports a check's status only when it
 * changed (the first result always), so the log carries transitions, not a heartbeat per check.
 * Before the first result each check is reported critical ({@link #reportUnchecked}): an instance
 * serves only once it has been seen healthy, as a Kubernetes pod is ready only after its probe.
 */
public final class HealthMonitor implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(HealthMonitor.class);

  /** Where results go: publishes {@code instance.health}. */
  @FunctionalInterface
  public interface Reporter {
    void report(String check, HealthStatus status) throws Exception;
  }

  /** Runs a probe where it must run (the instance's network namespace). */
  @FunctionalInterface
  public interface Runner {
    HealthStatus run(Callable<HealthStatus> probe) throws Exception;
  }

  private final List<HealthCheck> checks;
  private final InetAddress address;
  private final Duration interval;
  private final Duration timeout;
  private final Runner runner;
  private final Reporter reporter;
  private final Map<String, HealthStatus> reported = new HashMap<>();
  private final Function<HealthCheck, HealthStatus> probe;
  private Thread thread;
  private volatile boolean stopping;

  public HealthMonitor(
      List<HealthCheck> checks,
      InetAddress address,
      Duration interval,
      Duration timeout,
      Runner runner,
      Reporter reporter) {
    this.checks = List.copyOf(checks);
    this.address = Objects.requireNonNull(address, "address");
    this.interval = positive("interval", interval);
    this.timeout = positive("timeout", timeout);
    this.runner = Objects.requireNonNull(runner, "runner");
    this.reporter = Objects.requireNonNull(reporter, "reporter");
    this.probe = c -> c.probe(this.address, this.timeout);
  }

  private static Duration positive(String field, Duration d) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException("--check-" + field + " must be positive, got " + d);
    }
    return d;
  }

  /** Reports every check critical: the instance is not served until a check passes. */
  public synchronized void reportUnchecked() {
    for (HealthCheck c : checks) {
      report(c, HealthStatus.CRITICAL);
    }
  }

  /** Starts checking on a thread of its own. */
  public synchronized void start() {
    if (checks.isEmpty() || thread != null) {
      return;
    }
    thread = Thread.ofPlatform().name("sixpn-health").daemon().start(this::loop);
  }

  private void loop() {
    while (!stopping) {
      long next = System.nanoTime() + interval.toNanos();
      checkOnce();
      long sleep = next - System.nanoTime();
      if (sleep > 0) {
        try {
          Thread.sleep(Duration.ofNanos(sleep));
        } catch (InterruptedException e) {
          return;
        }
      }
    }
  }

  /** Runs every check once and reports those that changed. */
  public void checkOnce() {
    for (HealthCheck c : checks) {
      HealthStatus s;
      try {
        s = runner.run(() -> probe.apply(c));
      } catch (Exception e) {
        s = HealthStatus.CRITICAL;
      }
      synchronized (this) {
        if (stopping) {
          return;
        }
        report(c, s);
      }
    }
  }

  private void report(HealthCheck c, HealthStatus s) {
    if (reported.get(c.name()) == s) {
      return;
    }
    try {
      reporter.report(c.name(), s);
      LOG.info("health check={} status={}", c.name(), s.wireName());
      reported.put(c.name(), s);
    } catch (Exception e) {
      // not recorded as reported: the next round tries again
      LOG.warn("cannot report health check={} status={}: {}", c.name(), s.wireName(), e.toString());
    }
  }

  @Override
  public void close() {
    stopping = true;
    Thread t;
    synchronized (this) {
      t = thread;
    }
    if (t != null) {
      t.interrupt();
      try {
        t.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
