package dev.sixpn.projector.consume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.sixpn.projector.metrics.ProjectorMetrics;
import dev.sixpn.projector.store.StateStore;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The projector without a broker: it waits and retries, it never throws at its caller. */
class LifecycleProjectorTest {

  @TempDir Path dir;

  @Test
  void run_brokerUnreachable_keepsRetryingWithoutThrowing() throws Exception {
    ProjectorMetrics metrics = new ProjectorMetrics(new PrometheusRegistry());
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    AtomicBoolean stop = new AtomicBoolean();
    try (StateStore store = StateStore.open(dir.resolve("state"));
        LifecycleProjector projector =
            new LifecycleProjector(ProjectorConfig.of("127.0.0.1:1", "none"), store, metrics)) {
      Thread t =
          Thread.ofPlatform()
              .start(
                  () -> {
                    try {
                      projector.run(stop::get);
                    } catch (RuntimeException e) {
                      // A wakeup after stop is how run is interrupted; anything else is a failure.
                      if (!stop.get()) {
                        thrown.set(e);
                      }
                    }
                  });
      Thread.sleep(4_000);
      assertFalse(projector.caughtUp());
      assertEquals(Optional.empty(), metrics.brokerContactAge());
      assertNull(thrown.get(), "run threw while the broker was unreachable");
      stop.set(true);
      projector.wakeup();
      t.join(15_000);
      assertFalse(t.isAlive(), "run did not return after close");
      assertNull(thrown.get());
    }
  }

  @Test
  void catchUp_brokerUnreachable_returnsFalseAtTheTimeout() {
    try (StateStore store = StateStore.open(dir.resolve("state"));
        LifecycleProjector projector =
            new LifecycleProjector(
                ProjectorConfig.of("127.0.0.1:1", "none"),
                store,
                new ProjectorMetrics(new PrometheusRegistry()))) {
      assertFalse(projector.catchUp(Duration.ofSeconds(2)));
    }
  }
}
