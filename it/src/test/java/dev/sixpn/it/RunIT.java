package dev.sixpn.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sixpn.dataplane.link.LinkNames;
import dev.sixpn.events.EventCodec;
import dev.sixpn.events.EventType;
import dev.sixpn.events.LifecycleEvent;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sixpn run} as users run it: the assembled jar, as root, with real namespaces, against an
 * embedded SASL_SSL broker with ACLs, publishing with orchestration's credentials (no agent: the
 * resolver wait is cut short). The instance's link goes into this machine's namespace, as on a real
 * host. Under CI=true a missing capability fails.
 */
class RunIT {

  private static final String TOPIC = "run-it";
  private static ItKafka kafka;
  @TempDir static Path configs;

  @BeforeAll
  static void start() throws Exception {
    Requirements.require("RunIT", missingCapability());
    kafka = ItKafka.start(ItKafka.Security.SASL_SSL);
    kafka.grant(TOPIC);
  }

  @AfterAll
  static void stop() {
    if (kafka != null) {
      kafka.close();
    }
  }

  record Exit(int code, String out, String err, long millis) {}

  @Test
  void run_commandExits_statusPassedThroughAndInstanceRemoved() throws Exception {
    String id = freshId();
    Exit e = run(id, "sh", "-c", "exit 7");
    assertEquals(7, e.code(), e.err());
    assertEquals(
        List.of(
            EventType.INSTANCE_STARTED, EventType.INSTANCE_STOPPED, EventType.INSTANCE_DESTROYED),
        types(id));
    assertNothingLeft(id);
    System.out.printf("sixpn run -- sh -c 'exit 7': %d ms end to end%n", e.millis());
  }

  @Test
  void run_insideTheInstance_environmentAndInterfaceAsDocumented() throws Exception {
    String id = freshId();
    Exit e =
        run(
            id,
            "sh",
            "-c",
            "echo \"$SIXPN_PRIVATE_IP|$SIXPN_APP|$SIXPN_REGION|$SIXPN_INSTANCE_ID\";"
                + " ip -6 -o addr show dev eth0 scope global; ip -o link show dev eth0;"
                + " ip -6 route show default");
    assertEquals(0, e.code(), e.err());
    LifecycleEvent.InstanceStarted started = (LifecycleEvent.InstanceStarted) events(id).getFirst();
    String address = started.address().toString();
    List<String> lines = e.out().lines().toList();
    assertEquals(address + "|web|nrt|" + id, lines.getFirst(), e.out());
    assertTrue(e.out().contains("inet6 " + address + "/128"), e.out());
    assertTrue(e.out().contains("mtu 1420"), e.out());
    assertTrue(e.out().contains("default via fe80::1 dev eth0"), e.out());
    assertEquals(7, started.host());
    assertEquals(1, started.network());
    assertNothingLeft(id);
  }

  @Test
  void run_sigterm_forwardedToCommandThenStoppedAndRemoved() throws Exception {
    String id = freshId();
    Process p = start(id, "sleep", "600");
    CompletableFuture<String> err = drain(p.getErrorStream());
    drain(p.getInputStream());
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    // ip netns exec execs the command: sleep is the child of sixpn run.
    while (p.descendants().noneMatch(h -> h.info().command().orElse("").endsWith("sleep"))) {
      assertTrue(System.nanoTime() < deadline, "sleep never started");
      assertTrue(p.isAlive(), "sixpn run exited early");
      Thread.sleep(50);
    }
    long t0 = System.nanoTime();
    p.destroy(); // SIGTERM
    assertTrue(p.waitFor(30, TimeUnit.SECONDS), "sixpn run did not stop");
    long stopMillis = (System.nanoTime() - t0) / 1_000_000;
    assertEquals(128 + 15, p.exitValue(), err.get());
    assertEquals(
        List.of(
            EventType.INSTANCE_STARTED, EventType.INSTANCE_STOPPED, EventType.INSTANCE_DESTROYED),
        types(id));
    assertNothingLeft(id);
    System.out.printf("sixpn run: SIGTERM to exit, instance removed: %d ms%n", stopMillis);
  }

  @Test
  void run_check_criticalUntilTheServerListens_passingWhileItDoes_criticalAfter() throws Exception {
    String id = freshId();
    Path server = Files.createTempDirectory("sixpn-runit").resolve("Serve.java");
    // Accepts connections on a port for a while, then exits: a service that comes and goes.
    Files.writeString(
        server,
        "public class Serve { public static void main(String[] a) throws Exception {"
            + " try (var s = new java.net.ServerSocket(Integer.parseInt(a[0]))) {"
            + " s.setSoTimeout(50); long end = System.nanoTime() + Long.parseLong(a[1]) * 1000000L;"
            + " while (System.nanoTime() < end) { try (var c = s.accept()) {}"
            + " catch (java.net.SocketTimeoutException e) {} } } } }");
    String java = ProcessHandle.current().info().command().orElse("java");
    try {
      Exit e =
          run(
              id,
              List.of("--check", "tcp:8080", "--check-interval", "PT0.1S"),
              "sh",
              "-c",
              "sleep 0.3; '" + java + "' '" + server + "' 8080 2000; sleep 1");
      assertEquals(0, e.code(), e.err());
      List<String> seen =
          events(id).stream()
              .map(
                  ev ->
                      ev instanceof LifecycleEvent.InstanceHealth h
                          ? h.check() + "=" + h.status().wireName()
                          : ev.type().wireName())
              .toList();
      assertEquals(
          List.of(
              "instance.started",
              "tcp-8080=critical",
              "tcp-8080=passing",
              "tcp-8080=critical",
              "instance.stopped",
              "instance.destroyed"),
          seen,
          e.err());
      assertNothingLeft(id);
    } finally {
      Files.deleteIfExists(server);
      Files.deleteIfExists(server.getParent());
    }
  }

  @Test
  void run_hostsCredentials_notAllowedToPublish_exit1AndNothingMade() throws Exception {
    String id = freshId();
    Exit e = run(id, kafka.hostOption(7, configs), List.of(), "true");
    assertEquals(1, e.code(), e.err());
    assertTrue(e.err().contains("Authorization failed"), e.err());
    assertEquals(List.of(), types(id), "nothing published");
    assertNothingLeft(id);
  }

  @Test
  void run_idOfAnExistingNamespace_exit1AndTheNamespaceIsNotTouched() throws Exception {
    String id = freshId();
    assertEquals(0, new ProcessBuilder("ip", "netns", "add", id).start().waitFor());
    try {
      Exit e = run(id, "true");
      assertEquals(1, e.code(), e.err());
      assertTrue(e.err().contains("a network namespace named " + id + " exists already"), e.err());
      assertTrue(Files.exists(Path.of("/run/netns", id)), "someone else's namespace removed");
      assertEquals(List.of(), types(id), "nothing published");
    } finally {
      new ProcessBuilder("ip", "netns", "del", id).start().waitFor();
    }
  }

  private static void assertNothingLeft(String id) throws Exception {
    assertFalse(Files.exists(Path.of("/run/netns", id)), "netns " + id + " left");
    assertFalse(Files.exists(Path.of("/etc/netns", id)), "/etc/netns/" + id + " left");
    String link = LinkNames.hostSideLink(id);
    assertFalse(Files.exists(Path.of("/sys/class/net", link)), "link " + link + " left");
  }

  private static String freshId() {
    return "rit-" + HexFormat.of().formatHex(java.security.SecureRandom.getSeed(4));
  }

  /** Runs {@code command} as an instance, publishing with orchestration's credentials. */
  private static Process start(String id, String... command) throws Exception {
    return start(id, kafka.orchestratorOption(configs), List.of(), command);
  }

  /**
   * @param credentials the {@code --kafka-config} option to publish with
   * @param options more options of {@code sixpn run}
   */
  private static Process start(
      String id, List<String> credentials, List<String> options, String... command)
      throws Exception {
    List<String> argv = SixpnJar.command();
    argv.addAll(
        List.of(
            "run",
            "--bootstrap",
            kafka.bootstrap(),
            "--topic",
            TOPIC,
            "--app",
            "web",
            "--network",
            "1",
            "--host",
            "7",
            "--region",
            "nrt",
            "--instance-id",
            id,
            "--resolver-wait",
            "PT0.1S"));
    argv.addAll(credentials);
    argv.addAll(options);
    argv.add("--");
    argv.addAll(List.of(command));
    return new ProcessBuilder(argv)
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
        .start();
  }

  private static Exit run(String id, String... command) throws Exception {
    return run(id, List.of(), command);
  }

  private static Exit run(String id, List<String> options, String... command) throws Exception {
    return run(id, kafka.orchestratorOption(configs), options, command);
  }

  private static Exit run(
      String id, List<String> credentials, List<String> options, String... command)
      throws Exception {
    long t0 = System.nanoTime();
    Process p = start(id, credentials, options, command);
    CompletableFuture<String> out = drain(p.getInputStream());
    CompletableFuture<String> err = drain(p.getErrorStream());
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "sixpn run did not finish");
    return new Exit(p.exitValue(), out.get(), err.get(), (System.nanoTime() - t0) / 1_000_000);
  }

  private static CompletableFuture<String> drain(InputStream in) {
    CompletableFuture<String> f = new CompletableFuture<>();
    Thread.ofVirtual()
        .start(
            () -> {
              ByteArrayOutputStream b = new ByteArrayOutputStream();
              try (in) {
                in.transferTo(b);
              } catch (java.io.IOException e) {
                // the process is gone; what was read is the answer
              }
              f.complete(b.toString(StandardCharsets.UTF_8));
            });
    return f;
  }

  private static List<EventType> types(String id) throws Exception {
    return events(id).stream().map(LifecycleEvent::type).toList();
  }

  /** The topic's events about instance {@code id}, in order (one network: one partition). */
  private static List<LifecycleEvent> events(String id) throws Exception {
    Map<String, Object> config = new HashMap<>(kafka.orchestrator());
    config.put("bootstrap.servers", kafka.bootstrap());
    config.put("key.deserializer", StringDeserializer.class);
    config.put("value.deserializer", ByteArrayDeserializer.class);
    List<LifecycleEvent> out = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(config)) {
      List<TopicPartition> parts =
          c.partitionsFor(TOPIC).stream()
              .map(pi -> new TopicPartition(pi.topic(), pi.partition()))
              .toList();
      c.assign(parts);
      c.seekToBeginning(parts);
      Map<TopicPartition, Long> end = c.endOffsets(parts);
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
        assertTrue(System.nanoTime() < deadline, "could not read " + TOPIC);
        for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
          LifecycleEvent e = EventCodec.decode(r.value());
          if (instanceOf(e).equals(id)) {
            out.add(e);
          }
        }
      }
    }
    return out;
  }

  private static String instanceOf(LifecycleEvent e) {
    return switch (e) {
      case LifecycleEvent.InstanceStarted s -> s.instanceId();
      case LifecycleEvent.InstanceStopped s -> s.instanceId();
      case LifecycleEvent.InstanceDestroyed d -> d.instanceId();
      case LifecycleEvent.InstanceHealth h -> h.instanceId();
      default -> "";
    };
  }

  private static String missingCapability() throws Exception {
    Process id = new ProcessBuilder("id", "-u").start();
    if (!new String(id.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
        .strip()
        .equals("0")) {
      return "needs root (network namespaces)";
    }
    if (!Files.exists(Path.of(System.getProperty("sixpn.jar")))) {
      return "the assembled jar is missing: " + System.getProperty("sixpn.jar");
    }
    return null;
  }
}
