package dev.sixpn.projector.consume;

import dev.sixpn.projector.metrics.ProjectorMetrics;
import dev.sixpn.projector.store.StateStore;
import dev.sixpn.publish.KafkaClientProperties;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A projector in its own JVM, for the crash test: {@code bootstrap topic dataDir maxPollRecords
 * stay [client.properties]}. Prints FOLDING after its first committed change and CAUGHT_UP with the
 * digest when it reached the end; with {@code stay=true} it then keeps polling until killed.
 */
public final class ProjectorProcess {

  private ProjectorProcess() {}

  public static void main(String[] args) throws Exception {
    ProjectorConfig config =
        new ProjectorConfig(
            args[0],
            args[1],
            Integer.parseInt(args[3]),
            Duration.ofMillis(50),
            ProjectorConfig.DEFAULT_DECODE_PARALLELISM);
    if (args.length > 5) {
      config = config.withKafkaOverrides(KafkaClientProperties.load(Path.of(args[5])));
    }
    boolean stay = Boolean.parseBoolean(args[4]);
    try (StateStore store = StateStore.open(Path.of(args[2]));
        LifecycleProjector projector =
            new LifecycleProjector(config, store, new ProjectorMetrics(new PrometheusRegistry()))) {
      AtomicBoolean announced = new AtomicBoolean();
      projector.subscribe(
          change -> {
            if (announced.compareAndSet(false, true)) {
              System.out.println("FOLDING");
              System.out.flush();
            }
          });
      if (!projector.catchUp(Duration.ofSeconds(120))) {
        System.out.println("TIMEOUT");
        System.exit(3);
      }
      System.out.println("CAUGHT_UP " + store.digest());
      System.out.flush();
      while (stay) {
        projector.pollOnce();
      }
    }
  }
}
