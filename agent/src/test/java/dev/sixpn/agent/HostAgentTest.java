package dev.sixpn.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent without a broker: it starts at once, stays alive and says it is not ready. */
class HostAgentTest {

  @TempDir Path dir;

  @Test
  void start_brokerUnreachable_startsAtOnceAliveButNotReady() throws Exception {
    HostAgentConfig config =
        new HostAgentConfig(
            3,
            // Nothing listens on port 1: every request times out or is refused.
            "127.0.0.1:1",
            "unreachable",
            dir,
            Optional.empty(),
            Optional.empty(),
            Optional.of(new HostAgentConfig.Announcement("nrt", 35.76, 140.38, "192.0.2.3:51820")),
            Optional.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)));
    long t0 = System.nanoTime();
    try (HostAgent agent = HostAgent.start(config);
        HttpClient http = HttpClient.newHttpClient()) {
      long startMillis = (System.nanoTime() - t0) / 1_000_000;
      assertTrue(startMillis < 3_000, "start waited for the broker: " + startMillis + " ms");
      String base = "http://127.0.0.1:" + agent.metricsPort();
      // Long enough for the projector to have tried (and failed) to reach the broker.
      Thread.sleep(3_000);
      HttpResponse<String> health = get(http, base + "/healthz");
      assertEquals(200, health.statusCode(), health.body());
      HttpResponse<String> ready = get(http, base + "/readyz");
      assertEquals(503, ready.statusCode());
      assertEquals("not ready, failing: caught_up, broker_contact\n", ready.body());
      String metrics = get(http, base + "/metrics").body();
      assertTrue(metrics.contains("sixpn_projector_caught_up 0.0"), metrics);
      assertTrue(metrics.contains("sixpn_projector_broker_contact_age_seconds"), metrics);
      assertEquals(404, get(http, base + "/nothing").statusCode());
      assertFalse(agent.caughtUp());
      assertEquals(Optional.empty(), agent.failure(), "the projector must not die of it");
    }
  }

  private static HttpResponse<String> get(HttpClient http, String url) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
