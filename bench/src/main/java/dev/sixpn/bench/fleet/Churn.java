package dev.sixpn.bench.fleet;

import dev.sixpn.publish.LifecyclePublisher;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Fleet churn at a fixed rate: stops and restarts of instances on other hosts, published by its own
 * idempotent publisher on a thread of its own, paced per millisecond so that the agent sees a
 * steady stream rather than bursts.
 */
final class Churn implements AutoCloseable {

  private final AtomicBoolean stop = new AtomicBoolean();
  private final AtomicLong published = new AtomicLong();
  private final Thread thread;

  /** {@code next} is the number of the first churn event (they continue across runs). */
  Churn(
      LifecyclePublisher publisher, FleetEvents fleet, long live, int perSecond, AtomicLong next) {
    thread =
        Thread.ofPlatform()
            .name("churn")
            .start(
                () -> {
                  long t0 = System.nanoTime();
                  while (!stop.get()) {
                    long due = (System.nanoTime() - t0) * perSecond / 1_000_000_000L;
                    while (published.get() < due) {
                      publisher.publish(fleet.churn(next.getAndIncrement(), live));
                      published.incrementAndGet();
                    }
                    LockSupport.parkNanos(1_000_000);
                  }
                  publisher.flush();
                });
  }

  long published() {
    return published.get();
  }

  @Override
  public void close() throws InterruptedException {
    stop.set(true);
    thread.join();
  }
}
