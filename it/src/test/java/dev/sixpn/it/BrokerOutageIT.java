package dev.sixpn.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sixpn.address.SixpnAddress;
import dev.sixpn.events.Events;
import dev.sixpn.events.LifecycleEvent;
import dev.sixpn.publish.LifecyclePublisher;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * The broker goes away under a running agent (its own JVM, the assembled jar, DNS only): DNS keeps
 * answering, the staleness gauges rise, {@code /readyz} says why it is not ready while {@code
 * /healthz} stays 200. The agent is SIGKILLed and restarted while the broker is still down and
 * answers from its store within 5 s. The broker comes back on the same port with the same data: the
 * agent catches up, is ready, and an event published after the return shows in DNS.
 */
class BrokerOutageIT {

  static final String TOPIC = "outage";

  @TempDir Path dir;

  private final HttpClient http = HttpClient.newHttpClient();

  @ParameterizedTest
  @EnumSource(ItKafka.Security.class)
  void brokerDown_agentServesItsStore_notReady_restartsFromStore_recovers(ItKafka.Security security)
      throws Exception {
    assertTrue(Files.exists(SixpnJar.JAR), "the assembled jar is missing: " + SixpnJar.JAR);
    int kafkaPort = freePort();
    Path kafkaDir = dir.resolve("kafka");
    InetSocketAddress dns = new InetSocketAddress(InetAddress.getLoopbackAddress(), freePort());
    String metrics = "http://127.0.0.1:" + freePort();
    ItKafka kafka = ItKafka.startRestartable(security, kafkaDir, kafkaPort);
    List<String> hostOption = kafka.hostOption(7, dir);
    Process agent = null;
    try {
      SixpnAddress first = publishStart(kafka, "web-1");
      kafka.grant(TOPIC);
      agent = startAgent(kafka.bootstrap(), hostOption, dns, metrics, 1);
      await(
          "ready before the outage",
          Duration.ofSeconds(60),
          () -> status(metrics, "/readyz") == 200);
      assertEquals(Set.of(first.toString()), aaaa(dns, "web.internal"));

      kafka.close();
      String notReady =
          await(
              "not ready once the broker is gone",
              Duration.ofSeconds(40),
              () -> {
                HttpResponse<String> r = get(metrics + "/readyz");
                return r.statusCode() == 503 ? r.body() : null;
              });
      assertTrue(notReady.contains("broker_contact"), notReady);
      assertEquals(200, status(metrics, "/healthz"), "alive while the broker is down");
      assertEquals(Set.of(first.toString()), aaaa(dns, "web.internal"), "DNS during the outage");
      String scrape = get(metrics + "/metrics").body();
      double contactAge = gauge(scrape, "sixpn_projector_broker_contact_age_seconds");
      double eventAge = gauge(scrape, "sixpn_projector_last_event_age_seconds");
      assertTrue(contactAge >= 10, "broker contact age " + contactAge);
      assertEquals(1.0, gauge(scrape, "sixpn_projector_caught_up"));
      assertTrue(scrape.contains("sixpn_projector_lag_records{partition=\"0\"} 0.0"), scrape);
      Thread.sleep(1_100);
      scrape = get(metrics + "/metrics").body();
      assertTrue(gauge(scrape, "sixpn_projector_broker_contact_age_seconds") > contactAge);
      assertTrue(gauge(scrape, "sixpn_projector_last_event_age_seconds") > eventAge);

      agent.destroyForcibly().waitFor();
      long restart = System.nanoTime();
      agent = startAgent(kafka.bootstrap(), hostOption, dns, metrics, 2);
      await(
          "DNS from the store with the broker down",
          Duration.ofSeconds(5),
          () -> aaaa(dns, "web.internal").equals(Set.of(first.toString())));
      System.out.printf(
          "restart with the broker down -> first DNS answer: %.2f s%n",
          (System.nanoTime() - restart) / 1e9);
      assertEquals(200, status(metrics, "/healthz"));
      HttpResponse<String> ready = get(metrics + "/readyz");
      assertEquals(503, ready.statusCode());
      assertTrue(ready.body().contains("caught_up"), ready.body());

      kafka.restart();
      SixpnAddress second = publishStart(kafka, "web-2");
      await(
          "ready after the broker returned",
          Duration.ofSeconds(60),
          () -> status(metrics, "/readyz") == 200);
      await(
          "the event published after the return in DNS",
          Duration.ofSeconds(30),
          () ->
              aaaa(dns, "web.internal")
                  .equals(new TreeSet<>(Set.of(first.toString(), second.toString()))));
      assertEquals(1.0, gauge(get(metrics + "/metrics").body(), "sixpn_projector_caught_up"));
    } catch (AssertionError | Exception e) {
      for (int run = 1; run <= 2; run++) {
        Path log = dir.resolve("agent-" + run + ".log");
        if (Files.exists(log)) {
          System.out.println("---- agent run " + run + " ----\n" + Files.readString(log));
        }
      }
      throw e;
    } finally {
      if (agent != null) {
        agent.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      }
      kafka.close();
      http.close();
    }
  }

  private Process startAgent(
      String bootstrap, List<String> kafkaOption, InetSocketAddress dns, String metrics, int run)
      throws IOException {
    List<String> argv = SixpnJar.command("-Xmx512m");
    argv.addAll(
        List.of(
            "agent",
            "--host",
            "7",
            "--bootstrap",
            bootstrap,
            "--topic",
            TOPIC,
            "--data-dir",
            dir.resolve("h7").toString(),
            "--no-dataplane",
            "--dns-listen",
            "127.0.0.1:" + dns.getPort(),
            // Nothing answers there; only .internal names are asked.
            "--upstream",
            "127.0.0.1:9",
            "--dev-loopback-network",
            "1",
            "--metrics",
            metrics.substring("http://".length())));
    argv.addAll(kafkaOption);
    return new ProcessBuilder(argv)
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("agent-" + run + ".log").toFile())
        .start();
  }

  private static SixpnAddress publishStart(ItKafka kafka, String id) throws Exception {
    SixpnAddress a = SixpnAddress.ofInstance(1, 7, Math.abs(id.hashCode() % 100_000) + 1);
    try (LifecyclePublisher publisher =
        LifecyclePublisher.connect(
            kafka.bootstrap(), kafka.orchestrator(), TOPIC, 4, Duration.ofSeconds(30))) {
      publisher
          .publish(
              new LifecycleEvent.InstanceStarted(
                  Events.newEventId(), Instant.now(), id, 1, "web", "app", 7, "nrt", a, Map.of()))
          .get(30, TimeUnit.SECONDS);
    }
    return a;
  }

  /** Polls {@code probe} until it answers true or non-null; exceptions count as not yet. */
  private static <T> T await(String what, Duration timeout, Callable<T> probe)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    Exception last = null;
    while (System.nanoTime() < deadline) {
      try {
        T v = probe.call();
        if (v != null && !Boolean.FALSE.equals(v)) {
          return v;
        }
      } catch (Exception e) {
        last = e;
      }
      Thread.sleep(50);
    }
    throw new AssertionError(what + ": not within " + timeout.toSeconds() + " s", last);
  }

  private HttpResponse<String> get(String url) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(),
        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  private int status(String base, String path) throws Exception {
    return get(base + path).statusCode();
  }

  private static double gauge(String scrape, String name) {
    return scrape
        .lines()
        .filter(l -> l.startsWith(name + " "))
        .map(l -> Double.parseDouble(l.substring(name.length() + 1).strip()))
        .findFirst()
        .orElseThrow(() -> new AssertionError(name + " missing from /metrics"));
  }

  private static Set<String> aaaa(InetSocketAddress server, String name) throws Exception {
    SimpleResolver r = new SimpleResolver(server);
    r.setTimeout(Duration.ofMillis(500));
    Message m =
        r.send(
            Message.newQuery(Record.newRecord(Name.fromString(name + "."), Type.AAAA, DClass.IN)));
    Set<String> out = new TreeSet<>();
    for (Record rec : m.getSection(Section.ANSWER)) {
      out.add(SixpnAddress.fromBytes(((AAAARecord) rec).getAddress().getAddress()).toString());
    }
    return out;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
