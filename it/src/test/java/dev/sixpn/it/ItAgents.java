package dev.sixpn.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sixpn.agent.HostAgent;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** What the end-to-end tests of agents in this JVM share. */
final class ItAgents {

  static final Duration CATCH_UP = Duration.ofSeconds(60);

  private ItAgents() {}

  /** The agent serves the stored state at once; this waits until what was published is folded. */
  static void awaitCaughtUp(HostAgent agent) throws InterruptedException {
    long deadline = System.nanoTime() + CATCH_UP.toNanos();
    while (!agent.caughtUp()) {
      assertTrue(agent.failure().isEmpty(), () -> "projector failed: " + agent.failure().get());
      assertTrue(System.nanoTime() < deadline, "agent did not catch up within " + CATCH_UP);
      Thread.sleep(10);
    }
  }

  /** The body of a 200 answer to GET {@code url}. */
  static String get(String url) throws Exception {
    try (HttpClient client = HttpClient.newHttpClient()) {
      HttpResponse<String> response =
          client.send(
              HttpRequest.newBuilder(URI.create(url)).build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(200, response.statusCode(), url);
      return response.body();
    }
  }
}
