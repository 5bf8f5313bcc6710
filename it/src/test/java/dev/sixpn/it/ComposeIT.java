package dev.sixpn.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sixpn.events.Events;
import dev.sixpn.events.LifecycleEvent;
import dev.sixpn.publish.BrokerCheck;
import dev.sixpn.publish.BrokerUnreachableException;
import dev.sixpn.publish.KafkaClientProperties;
import dev.sixpn.publish.LifecyclePublisher;
import dev.sixpn.publish.LifecycleTopic;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.junit.jupiter.api.Test;

/**
 * The README's docker compose environment as a user brings it up: images from the repository's
 * Dockerfiles ({@code scripts/compose-images.sh}), {@code docker-compose up}, the check service's
 * verdict (its ACL checks among them); from outside, that a client without credentials is not
 * served and host 1's agent credentials cannot publish; then a broker and a host container are
 * SIGKILLed while events are published. Every acknowledged event must reach the surviving hosts'
 * state; the surviving hosts must drop the dead host's instances from DNS once setup
 * (orchestration) has published its host.left, and have them back after the host's container starts
 * again; the check service must pass again. {@code down -v} must leave no container, network or
 * volume. Needs root and a Docker engine; under CI=true a missing one fails.
 */
class ComposeIT {

  private static final Path ROOT =
      Path.of(System.getProperty("sixpn.jar")).toAbsolutePath().getParent().getParent().getParent();
  private static final String PROJECT = "sixpn-it-" + ProcessHandle.current().pid();
  private static final String EXTERNAL_BOOTSTRAP =
      "127.0.0.1:29092,127.0.0.1:29093,127.0.0.1:29094";
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void compose_checksPassAndSurviveABrokerAndAHostDyingAndNothingIsLeft() throws Exception {
    Requirements.require("ComposeIT", missingCapability());
    long t0 = System.nanoTime();
    must(Duration.ofMinutes(8), ROOT.resolve("scripts/compose-images.sh").toString());
    long built = System.nanoTime();
    try {
      compose(Duration.ofMinutes(3), "up", "-d");
      int checkLines = assertCheckPasses("first run", 0);
      long checked = System.nanoTime();

      // From outside compose: the brokers serve SASL_SSL only, and a host's agent may only read.
      Map<String, Object> orchestrator =
          secrets("setup", "/secrets/orchestrator/orchestrator.properties");
      Map<String, Object> agent = secrets("host1", "/secrets/host/agent.properties");
      assertThrows(
          BrokerUnreachableException.class,
          () -> BrokerCheck.requireReachable(EXTERNAL_BOOTSTRAP, Duration.ofSeconds(5)),
          "a client without TLS and SASL was served");
      BrokerCheck.requireReachable(EXTERNAL_BOOTSTRAP, agent, Duration.ofSeconds(30));
      assertAgentCannotPublish(agent);

      Set<String> acknowledged = publishWhileKilling(orchestrator);
      awaitFolded(acknowledged);
      Predicate<List<String>> withoutHost3 =
          a -> a.size() == 2 && a.stream().noneMatch(ComposeIT::onHost3);
      List<String> dropped = awaitNats(withoutHost3, Duration.ofSeconds(60));
      System.out.println("ComposeIT: host 3 gone, nats-bagel-43.internal from host 1: " + dropped);

      compose(Duration.ofMinutes(1), "start", "kafka2", "host3");
      List<String> restored =
          awaitNats(
              a -> a.size() == 3 && a.stream().anyMatch(ComposeIT::onHost3),
              Duration.ofSeconds(150));
      System.out.println("ComposeIT: host 3 back, nats-bagel-43.internal from host 1: " + restored);
      compose(Duration.ofMinutes(1), "start", "check");
      assertCheckPasses("after host 3 came back", checkLines);
      System.out.printf(
          "ComposeIT: images %.0f s, up and checked %.0f s, whole test %.0f s%n",
          seconds(t0, built), seconds(built, checked), seconds(t0, System.nanoTime()));
    } finally {
      System.out.println(
          compose(Duration.ofMinutes(2), "logs", "--no-color", "--tail=40", "setup", "host3")
              .out());
      compose(Duration.ofMinutes(2), "down", "-v", "--remove-orphans");
    }
    String label = "label=com.docker.compose.project=" + PROJECT;
    assertEquals(
        "",
        must(Duration.ofSeconds(30), "docker", "ps", "-aq", "--filter", label).strip(),
        "containers left");
    assertEquals(
        "",
        must(Duration.ofSeconds(30), "docker", "network", "ls", "-q", "--filter", label).strip(),
        "networks left");
    assertEquals(
        "",
        must(Duration.ofSeconds(30), "docker", "volume", "ls", "-q", "--filter", label).strip(),
        "volumes left");
    String netns = must(Duration.ofSeconds(10), "ip", "netns", "list");
    for (String id : List.of("nats-1", "redis-1", "shard-1", "cache-1", "check-bagel")) {
      assertFalse(
          netns.lines().anyMatch(l -> l.startsWith(id + " ") || l.equals(id)),
          "namespace " + id + " on the machine: " + netns);
    }
  }

  /**
   * The check service's run after its first {@code skip} log lines: exit status 0, one line per
   * check, none failed. Returns the log's line count.
   */
  private static int assertCheckPasses(String when, int skip) throws Exception {
    String id = compose(Duration.ofSeconds(30), "ps", "-q", "check").out().strip();
    Result wait = run(Duration.ofMinutes(5), "docker", "wait", id);
    List<String> all = must(Duration.ofSeconds(30), "docker", "logs", id).lines().toList();
    List<String> lines = all.subList(Math.min(skip, all.size()), all.size());
    String logs = String.join("\n", lines);
    System.out.println("ComposeIT: check service, " + when + ":\n" + logs);
    assertEquals("0", wait.out().strip(), "check service exit status, " + when + ":\n" + logs);
    String summary =
        lines.stream()
            .filter(l -> l.startsWith("check: "))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no summary line:\n" + logs));
    assertTrue(summary.matches("check: \\d+ passed, 0 failed"), summary);
    assertTrue(Integer.parseInt(summary.split(" ")[1]) >= 11, summary);
    assertFalse(lines.stream().anyMatch(l -> l.startsWith("[FAIL]")), logs);
    for (String example :
        List.of(
            "[ok] redis:",
            "[ok] nats: a 3-node cluster",
            "[ok] nats: a message",
            "[ok] nginx:",
            "[ok] isolation: Redis at",
            "[ok] acl: host 1's agent credentials",
            "[ok] acl: a client without credentials")) {
      assertTrue(lines.stream().anyMatch(l -> l.startsWith(example)), example + " in\n" + logs);
    }
    return all.size();
  }

  /**
   * A client properties file the secrets service wrote, copied out of {@code service}'s container
   * (it carries the broker's certificate, so it works from here as it is).
   */
  private static Map<String, Object> secrets(String service, String path) throws Exception {
    String id = compose(Duration.ofSeconds(30), "ps", "-q", service).out().strip();
    Path file = Files.createTempFile("sixpn-compose-it", ".properties");
    try {
      must(Duration.ofSeconds(30), "docker", "cp", id + ":" + path, file.toString());
      return KafkaClientProperties.load(file);
    } finally {
      Files.deleteIfExists(file);
    }
  }

  /** User:host-1 may read the lifecycle topic (it exists now) but not write it. */
  private static void assertAgentCannotPublish(Map<String, Object> agent) throws Exception {
    try (LifecyclePublisher publisher =
        LifecyclePublisher.connect(
            EXTERNAL_BOOTSTRAP,
            agent,
            LifecycleTopic.NAME,
            LifecycleTopic.DEFAULT_PARTITIONS,
            Duration.ofSeconds(30))) {
      ExecutionException refused =
          assertThrows(
              ExecutionException.class,
              () ->
                  publisher
                      .publish(
                          new LifecycleEvent.NetworkDeleted(Events.newEventId(), Instant.now(), 1))
                      .get(30, TimeUnit.SECONDS));
      assertTrue(
          refused.getCause() instanceof TopicAuthorizationException, refused.getCause().toString());
      System.out.println("ComposeIT: host 1's agent credentials refused: " + refused.getCause());
    } catch (RuntimeException e) {
      // connect may already be refused (it checks the topic): that is the same verdict.
      assertTrue(
          String.valueOf(e.getMessage()).contains("Authorization failed")
              || e.getCause() instanceof TopicAuthorizationException,
          e.toString());
      System.out.println("ComposeIT: host 1's agent credentials refused: " + e.getMessage());
    }
  }

  /**
   * Twelve networks (so the events spread over the partitions) with apps, published from outside
   * the compose network as orchestration; the broker kafka2 and the host container host3 are
   * SIGKILLed part-way. Returns the apps whose app.created was acknowledged.
   */
  private static Set<String> publishWhileKilling(Map<String, Object> orchestrator)
      throws Exception {
    Set<String> acknowledged = new HashSet<>();
    Instant now = Instant.now();
    try (LifecyclePublisher publisher =
        LifecyclePublisher.connect(
            EXTERNAL_BOOTSTRAP,
            orchestrator,
            LifecycleTopic.NAME,
            LifecycleTopic.DEFAULT_PARTITIONS,
            Duration.ofSeconds(30))) {
      for (long n = 101; n <= 112; n++) {
        publisher
            .publish(new LifecycleEvent.NetworkCreated(Events.newEventId(), now, n, "d" + n))
            .get(30, TimeUnit.SECONDS);
      }
      List<String> names = new ArrayList<>();
      List<CompletableFuture<RecordMetadata>> sent = new ArrayList<>();
      for (int i = 0; i < 240; i++) {
        if (i == 80) {
          publisher.flush();
          compose(Duration.ofSeconds(30), "kill", "kafka2", "host3");
          System.out.println("ComposeIT: killed kafka2 and host3 after 80 events");
        }
        long network = 101 + i % 12;
        String app = "durable-" + i;
        names.add(network + "/" + app);
        sent.add(
            publisher.publish(
                new LifecycleEvent.AppCreated(Events.newEventId(), now, network, app)));
        Thread.sleep(10);
      }
      publisher.flush();
      for (int i = 0; i < sent.size(); i++) {
        try {
          sent.get(i).get(60, TimeUnit.SECONDS);
          acknowledged.add(names.get(i));
        } catch (ExecutionException e) {
          System.out.println("ComposeIT: not acknowledged " + names.get(i) + ": " + e.getCause());
        }
      }
    }
    System.out.println("ComposeIT: " + acknowledged.size() + " of 240 app.created acknowledged");
    assertTrue(acknowledged.size() >= 200, "acknowledged " + acknowledged.size());
    return acknowledged;
  }

  /** Every acknowledged app is in the state of hosts 1 and 2 (read with `sixpn state dump`). */
  private static void awaitFolded(Set<String> acknowledged) throws Exception {
    for (String host : List.of("host1", "host2")) {
      long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
      Set<String> missing;
      String last;
      do {
        // The agent's data directory, read-only beside the running agent; stdout only (JSON).
        Result dump =
            compose(
                Duration.ofSeconds(60),
                "exec",
                "-T",
                host,
                "sh",
                "-c",
                "sixpn state dump --data-dir /var/lib/sixpn/state 2>/dev/null");
        last = dump.out().length() > 600 ? dump.out().substring(0, 600) + "…" : dump.out();
        Set<String> apps = new HashSet<>();
        int json = dump.out().indexOf('{');
        if (dump.code() == 0 && json >= 0) {
          for (JsonNode net : JSON.readTree(dump.out().substring(json)).path("networks")) {
            for (JsonNode app : net.path("apps")) {
              apps.add(net.path("network").asLong() + "/" + app.path("app").asText());
            }
          }
        }
        missing = acknowledged.stream().filter(a -> !apps.contains(a)).collect(Collectors.toSet());
        if (missing.isEmpty()) {
          System.out.println("ComposeIT: " + host + " folded all " + acknowledged.size());
          break;
        }
        Thread.sleep(2000);
      } while (System.nanoTime() < deadline);
      assertEquals(
          Set.of(), missing, "acknowledged but not in " + host + "'s state; last dump: " + last);
    }
  }

  /** nats-bagel-43.internal asked from inside host 1's nats-1 instance, until it matches. */
  private static List<String> awaitNats(Predicate<List<String>> ok, Duration timeout)
      throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<String> answer = List.of();
    while (System.nanoTime() < deadline) {
      Result r =
          compose(
              Duration.ofSeconds(20),
              "exec",
              "-T",
              "host1",
              "ip",
              "netns",
              "exec",
              "nats-1",
              "dig",
              "aaaa",
              "nats-bagel-43.internal",
              "@fdaa::3",
              "+short");
      answer = r.out().lines().map(String::strip).filter(l -> l.contains(":")).sorted().toList();
      if (r.code() == 0 && ok.test(answer)) {
        return answer;
      }
      Thread.sleep(1000);
    }
    throw new AssertionError("nats-bagel-43.internal from host 1 never matched; last: " + answer);
  }

  /** A 6PN address on host 3: fdaa, the network (32 bits), then the host (32 bits). */
  private static boolean onHost3(String address) {
    try {
      byte[] b = java.net.InetAddress.getByName(address).getAddress();
      return java.nio.ByteBuffer.wrap(b, 6, 4).getInt() == 3;
    } catch (java.net.UnknownHostException e) {
      return false;
    }
  }

  private static Result compose(Duration timeout, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(composeCommand());
    cmd.addAll(List.of("-p", PROJECT, "-f", ROOT.resolve("docker-compose.yml").toString()));
    cmd.addAll(List.of(args));
    return run(timeout, cmd.toArray(String[]::new));
  }

  private static List<String> composeCommand() throws Exception {
    return run(Duration.ofSeconds(10), "sh", "-c", "command -v docker-compose").code() == 0
        ? List.of("docker-compose")
        : List.of("docker", "compose");
  }

  private static String missingCapability() throws Exception {
    if (!run(Duration.ofSeconds(5), "id", "-u").out().strip().equals("0")) {
      return "needs root (the host containers' capabilities)";
    }
    if (run(Duration.ofSeconds(30), "docker", "info").code() != 0) {
      return "no Docker engine answers (scripts/install-deps.sh compose starts one)";
    }
    if (run(
                Duration.ofSeconds(30),
                "sh",
                "-c",
                "command -v docker-compose || docker compose version")
            .code()
        != 0) {
      return "no docker-compose (scripts/install-deps.sh compose)";
    }
    if (!Files.exists(Path.of(System.getProperty("sixpn.jar")))) {
      return "the assembled jar is missing: " + System.getProperty("sixpn.jar");
    }
    return null;
  }

  private static double seconds(long from, long to) {
    return (to - from) / 1e9;
  }

  private record Result(int code, String out) {}

  private static String must(Duration timeout, String... cmd) throws Exception {
    Result r = run(timeout, cmd);
    assertEquals(0, r.code(), String.join(" ", cmd) + ":\n" + r.out());
    return r.out();
  }

  private static Result run(Duration timeout, String... cmd)
      throws IOException, InterruptedException {
    Path out = Files.createTempFile("sixpn-compose-it", ".out");
    try {
      Process p =
          new ProcessBuilder(cmd)
              .directory(ROOT.toFile())
              .redirectErrorStream(true)
              .redirectOutput(out.toFile())
              .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
              .start();
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly().waitFor();
        throw new AssertionError(
            String.join(" ", cmd)
                + " did not finish in "
                + timeout
                + ":\n"
                + Files.readString(out, StandardCharsets.UTF_8));
      }
      return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
    }
  }
}
