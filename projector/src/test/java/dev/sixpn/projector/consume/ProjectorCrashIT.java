package dev.sixpn.projector.consume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sixpn.events.LifecycleEvent;
import dev.sixpn.events.synthetic.SyntheticFleet;
import dev.sixpn.projector.metrics.ProjectorMetrics;
import dev.sixpn.projector.store.StateStore;
import dev.sixpn.publish.LifecyclePublisher;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The core promise: a projector killed with SIGKILL at random points and restarted ends with
 * exactly the state (and offsets) of a clean replay into a fresh database; on PLAINTEXT and on
 * SASL_SSL, where the killed projector reads as a host that may only read.
 */
class ProjectorCrashIT {

  static final int LIFECYCLE_EVENTS = 200_000;
  static final int CHUNKS = 12;

  @TempDir Path dir;

  @ParameterizedTest(name = "saslSsl={0}")
  @ValueSource(booleans = {false, true})
  void sigkillAtRandomPoints_restartsToTheStateOfACleanReplay(boolean saslSsl) throws Exception {
    ItBrokers.Connection kafka = ItBrokers.of(saslSsl);
    Path hostConfig = kafka.hostConfigFile(dir.resolve("host.properties"));
    long seed = System.nanoTime();
    System.out.println("ProjectorCrashIT seed=" + seed);
    Random random = new Random(seed);
    String topic = "crash";
    List<LifecycleEvent> events = new SyntheticFleet(seed, 40, 5, 8).generate(LIFECYCLE_EVENTS);
    Path stateDir = dir.resolve("killed");
    int midFoldKills = 0;
    try (LifecyclePublisher publisher =
        LifecyclePublisher.connect(
            kafka.bootstrap(), kafka.orchestrator(), topic, 6, Duration.ofSeconds(30))) {
      kafka.grantHost(topic);
      int chunk = (events.size() + CHUNKS - 1) / CHUNKS;
      for (int c = 0; c < CHUNKS; c++) {
        List<CompletableFuture<?>> acks = new ArrayList<>();
        for (LifecycleEvent e :
            events.subList(c * chunk, Math.min(events.size(), (c + 1) * chunk))) {
          acks.add(publisher.publish(e));
        }
        // Re-deliveries: events already published once, with the same ids.
        for (int d = 0; d < 100 && c > 0; d++) {
          acks.add(publisher.publish(events.get(random.nextInt(c * chunk))));
        }
        acks.add(publisher.publishRaw("1", "{broken".getBytes(StandardCharsets.UTF_8)));
        publisher.flush();
        CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get();

        int maxPoll = 100 + random.nextInt(900);
        Child child = Child.start(kafka.bootstrap(), topic, stateDir, maxPoll, true, hostConfig);
        assertEquals("FOLDING", child.awaitLine(Duration.ofSeconds(60)), "chunk " + c);
        Thread.sleep(random.nextInt(150));
        boolean caughtUp = child.sawCaughtUp();
        child.kill();
        if (!caughtUp) {
          midFoldKills++;
        }
      }
      Child last = Child.start(kafka.bootstrap(), topic, stateDir, 5000, false, hostConfig);
      String line;
      do {
        line = last.awaitLine(Duration.ofSeconds(120));
        assertNotNull(line, "final run did not finish");
      } while (!line.startsWith("CAUGHT_UP "));
      assertEquals(0, last.process.waitFor());
      String killedDigest = line.substring("CAUGHT_UP ".length());

      try (StateStore fresh = StateStore.open(dir.resolve("fresh"));
          LifecycleProjector projector =
              new LifecycleProjector(
                  ProjectorConfig.of(kafka.bootstrap(), topic).withKafkaOverrides(kafka.host()),
                  fresh,
                  new ProjectorMetrics(new PrometheusRegistry()))) {
        assertTrue(projector.catchUp(Duration.ofSeconds(120)));
        assertEquals(
            fresh.digest(),
            killedDigest,
            "state and offsets after " + CHUNKS + " kills (seed " + seed + ")");
        assertTrue(fresh.state().instancesOfNetwork(1, true).size() > 0);
      }
    }
    assertTrue(midFoldKills >= 10, "only " + midFoldKills + " kills landed while folding");
  }

  /** A projector JVM whose stdout lines arrive on a queue. */
  private record Child(Process process, BlockingQueue<String> lines, List<String> seen) {

    static Child start(
        String bootstrap, String topic, Path stateDir, int maxPoll, boolean stay, Path config)
        throws Exception {
      String java = ProcessHandle.current().info().command().orElse("java");
      ProcessBuilder pb =
          new ProcessBuilder(
              java,
              "--enable-native-access=ALL-UNNAMED",
              "--sun-misc-unsafe-memory-access=allow",
              "-Xmx512m",
              "-cp",
              System.getProperty("java.class.path"),
              ProjectorProcess.class.getName(),
              bootstrap,
              topic,
              stateDir.toString(),
              Integer.toString(maxPoll),
              Boolean.toString(stay),
              config.toString());
      pb.redirectError(ProcessBuilder.Redirect.DISCARD);
      Process p = pb.start();
      BlockingQueue<String> q = new LinkedBlockingQueue<>();
      List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
      Thread reader =
          new Thread(
              () -> {
                try (BufferedReader r =
                    new BufferedReader(
                        new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                  for (String l; (l = r.readLine()) != null; ) {
                    seen.add(l);
                    q.add(l);
                  }
                } catch (java.io.IOException ignored) {
                  // the process was killed
                }
              });
      reader.setDaemon(true);
      reader.start();
      return new Child(p, q, seen);
    }

    String awaitLine(Duration timeout) throws InterruptedException {
      String l = lines.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (l == null) {
        process.destroyForcibly();
      }
      return l;
    }

    boolean sawCaughtUp() {
      return seen.stream().anyMatch(l -> l.startsWith("CAUGHT_UP"));
    }

    /** SIGKILL: no shutdown hook, no close, no flush. */
    void kill() throws InterruptedException {
      process.destroyForcibly();
      process.waitFor(30, TimeUnit.SECONDS);
    }
  }
}
