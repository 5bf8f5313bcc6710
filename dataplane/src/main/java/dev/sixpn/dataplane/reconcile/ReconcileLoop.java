package dev.sixpn.dataplane.reconcile;

import dev.sixpn.state.ChangeFeed;
import dev.sixpn.state.StateChange;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the {@link Reconciler} on its own thread: at start, after every change batch that concerns
 * it (the feed listener only tests the change and sets a flag, it never blocks the projector),
 * every {@code resync} period as a safety net, and a second after a failed pass. Passes woken by a
 * change diff against what earlier passes read and did; the start, the resync, a retry and {@link
 * #reconcileNow} read everything back from the kernel. A fleet's batches mostly touch other hosts'
 * instances; they are counted and skipped, so the loop's work follows what changes on this host,
 * not the fleet's churn. Triggers that arrive while a pass is queued coalesce into it; a trigger
 * during a running pass queues exactly one more pass, so no change is ever missed.
 */
public final class ReconcileLoop implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ReconcileLoop.class);
  private static final Duration RETRY = Duration.ofSeconds(1);

  /**
   * Why a pass runs.
   *
   * @param readBack read every object back from the kernel, rather than diff against what the last
   *     passes read and did
   * @param hostRecordsChanged a host joined or left (or its record changed) since the last pass, so
   *     the peers must be computed again; false lets a pass for a local change skip the fleet
   */
  public record Cause(boolean readBack, boolean hostRecordsChanged) {}

  /** One pass of a loop. */
  @FunctionalInterface
  public interface Pass {
    ReconcileResult run(Cause cause);
  }

  private final Pass passFunction;
  private final AtomicBoolean readBackRequested = new AtomicBoolean();
  private final AtomicBoolean hostRecordsChanged = new AtomicBoolean();
  private final Consumer<PassReport> report;
  private final ScheduledExecutorService executor;
  private final AtomicBoolean queued = new AtomicBoolean();
  private final AtomicLong skipped = new AtomicLong();
  private volatile Predicate<StateChange> concerns = c -> true;

  /** Commit time (System.nanoTime()) of the oldest change not yet reconciled, 0 if none. */
  private final AtomicLong pendingSince = new AtomicLong();

  private AutoCloseable subscription;

  /**
   * What one pass did, for metrics.
   *
   * @param changeLatencyNanos time from the commit of the oldest change it covered to its end, or
   *     -1 if it was not woken by a change
   */
  public record PassReport(ReconcileResult result, long changeLatencyNanos) {}

  /** A loop running {@code reconciler}'s passes of one scope. */
  public ReconcileLoop(
      Reconciler reconciler,
      Reconciler.Scope scope,
      Consumer<PassReport> report,
      String threadName) {
    this(
        cause -> reconciler.reconcile(scope, cause.readBack(), cause.hostRecordsChanged()),
        report,
        threadName);
  }

  public ReconcileLoop(Pass pass, Consumer<PassReport> report, String threadName) {
    this(pass, report, threadName, () -> {});
  }

  /**
   * @param threadSetup runs first on the loop's own thread (e.g. entering the host's netns)
   */
  public ReconcileLoop(
      Pass pass, Consumer<PassReport> report, String threadName, Runnable threadSetup) {
    this.passFunction = pass;
    this.report = report;
    ScheduledThreadPoolExecutor e =
        new ScheduledThreadPoolExecutor(
            1,
            r ->
                Thread.ofPlatform()
                    .name(threadName)
                    .daemon()
                    .unstarted(
                        () -> {
                          threadSetup.run();
                          r.run();
                        }));
    // On close: finish the running pass (no interrupt mid-syscall), drop queued retries/resyncs.
    e.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    e.setContinueExistingPeriodicTasksAfterShutdownPolicy(false);
    this.executor = e;
  }

  /** Subscribes to the feed, reconciles once (waiting for it) and starts the periodic resync. */
  public ReconcileResult start(ChangeFeed feed, Duration resync) {
    return start(feed, resync, c -> true);
  }

  /**
   * Like {@link #start(ChangeFeed, Duration)}, woken only by the batches {@code concerns} accepts.
   */
  public ReconcileResult start(ChangeFeed feed, Duration resync, Predicate<StateChange> concerns) {
    this.concerns = java.util.Objects.requireNonNull(concerns, "concerns");
    subscription = feed.subscribe(this::onChange);
    ReconcileResult first = reconcileNow();
    executor.scheduleWithFixedDelay(
        this::triggerReadBack, resync.toMillis(), resync.toMillis(), TimeUnit.MILLISECONDS);
    return first;
  }

  private void onChange(StateChange change) {
    if (change.isEmpty() || !concerns.test(change)) {
      skipped.incrementAndGet();
      return;
    }
    if (change.changesHostRecords()) {
      hostRecordsChanged.set(true);
    }
    // From the projector's commit, not from this call: the metric then includes feed delivery.
    pendingSince.compareAndSet(0, change.committedAtNanos());
    trigger();
  }

  /** Change batches that did not concern this loop, so ran no pass. */
  public long skippedChanges() {
    return skipped.get();
  }

  /** Asks for a pass that reads everything back, soon. */
  private void triggerReadBack() {
    readBackRequested.set(true);
    trigger();
  }

  /** Asks for a pass soon; returns at once. */
  public void trigger() {
    if (queued.compareAndSet(false, true)) {
      try {
        executor.execute(this::runQueued);
      } catch (java.util.concurrent.RejectedExecutionException closed) {
        queued.set(false);
      }
    }
  }

  /** Runs a pass on the loop's thread and waits for it. */
  public ReconcileResult reconcileNow() {
    try {
      return executor.submit(() -> pass(true)).get(60, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted waiting for a reconcile", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("reconcile failed: " + e.getMessage(), e);
    }
  }

  private void runQueued() {
    queued.set(false);
    pass(readBackRequested.getAndSet(false));
  }

  private ReconcileResult pass(boolean readBack) {
    // Taken before the pass reads the state: a host change committed during the pass sets the
    // flag again and wakes the next one.
    boolean hosts = hostRecordsChanged.getAndSet(false) || readBack;
    return pass(new Cause(readBack, hosts));
  }

  private ReconcileResult pass(Cause cause) {
    long since = pendingSince.getAndSet(0);
    ReconcileResult result;
    try {
      result = passFunction.run(cause);
    } catch (RuntimeException e) {
      log.warn("reconcile pass failed error={}", e.toString());
      result =
          new ReconcileResult(
              0, java.util.List.of(e.toString()), java.util.List.of(), Duration.ZERO);
    }
    long latency = since == 0 ? -1 : System.nanoTime() - since;
    report.accept(new PassReport(result, latency));
    // A failed pass, or one that could not prune yet (the state was still catching up), runs
    // again soon: the catch-up finishing is not a change batch, so nothing else would wake us.
    if (!result.ok() || !result.pruned()) {
      executor.schedule(this::triggerReadBack, RETRY.toMillis(), TimeUnit.MILLISECONDS);
    }
    return result;
  }

  @Override
  public void close() {
    if (subscription != null) {
      try {
        subscription.close();
      } catch (Exception e) {
        log.warn("unsubscribing from the change feed failed error={}", e.toString());
      }
    }
    executor.shutdown();
    try {
      if (!executor.awaitTermination(30, TimeUnit.SECONDS)) {
        executor.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
