package dev.sixpn.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sixpn.address.SixpnAddress;
import dev.sixpn.agent.HostAgent;
import dev.sixpn.agent.HostAgentConfig;
import dev.sixpn.cli.SixpnCommand;
import dev.sixpn.dns.server.DnsEdgeConfig;
import dev.sixpn.events.Events;
import dev.sixpn.events.LifecycleEvent;
import dev.sixpn.publish.LifecyclePublisher;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code sixpn status} against a live agent (DNS and state, no dataplane: no root needed): what it
 * prints, as text and as JSON, once the agent has folded this host's instances.
 */
class StatusIT {

  @TempDir Path dir;

  record Run(int code, String out, String err) {}

  static Run status(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    String[] all = new String[args.length + 1];
    all[0] = "status";
    System.arraycopy(args, 0, all, 1, args.length);
    int code = SixpnCommand.execute(all, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Run(code, out.toString(), err.toString());
  }

  @ParameterizedTest
  @EnumSource(ItKafka.Security.class)
  void status_liveAgent_showsCaughtUpLagAndThisHostsInstances(ItKafka.Security security)
      throws Exception {
    int dnsPort;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      dnsPort = s.getLocalPort();
    }
    try (ItKafka kafka = ItKafka.start(security);
        LifecyclePublisher publisher =
            LifecyclePublisher.connect(
                kafka.bootstrap(), kafka.orchestrator(), "status-it", 4, Duration.ofSeconds(30))) {
      kafka.grant("status-it");
      SixpnAddress a = SixpnAddress.ofInstance(1, 7, 1);
      publisher
          .publish(
              new LifecycleEvent.InstanceStarted(
                  Events.newEventId(),
                  Instant.now(),
                  "web-1",
                  1,
                  "web",
                  "app",
                  7,
                  "nrt",
                  a,
                  Map.of()))
          .get();
      publisher
          .publish(
              new LifecycleEvent.InstanceStarted(
                  Events.newEventId(),
                  Instant.now(),
                  "elsewhere-1",
                  1,
                  "web",
                  "app",
                  8,
                  "ams",
                  SixpnAddress.ofInstance(1, 8, 1),
                  Map.of()))
          .get();
      HostAgentConfig config =
          new HostAgentConfig(
              7,
              kafka.bootstrap(),
              "status-it",
              dir.resolve("h7"),
              Optional.of(
                  DnsEdgeConfig.defaults()
                      .withListen(
                          List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), dnsPort)))
                      .withEventLoops(1)
                      .withUpstreams(List.of(), Duration.ofMillis(200))),
              Optional.empty(),
              Optional.empty(),
              Optional.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)),
              kafka.host(7));
      try (HostAgent agent = HostAgent.start(config)) {
        String address = "127.0.0.1:" + agent.metricsPort();
        JsonNode json = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        // The lag gauge appears with the projector's first poll after the catch-up.
        while (json == null
            || json.get("lagRecords").isEmpty()
            || !json.get("caughtUp").asBoolean()) {
          assertTrue(System.nanoTime() < deadline, "never caught up: " + json);
          Thread.sleep(200);
          Run r = status("--agent", address, "--json");
          assertEquals(0, r.code(), r.err());
          json = new ObjectMapper().readTree(r.out());
        }
        assertEquals(7, json.get("host").asLong());
        assertEquals(1, json.get("instances").size(), json.toString());
        JsonNode i = json.get("instances").get(0);
        assertEquals("web-1", i.get("instanceId").asText());
        assertEquals(a.toString(), i.get("address").asText());
        assertEquals("started", i.get("status").asText());
        assertEquals(4, json.get("lagRecords").size(), "one lag per partition");
        assertTrue(json.get("agesSeconds").has("projector_last_commit"), json.toString());

        Run text = status("--agent", address);
        assertEquals(0, text.code(), text.err());
        assertTrue(text.out().startsWith("sixpn agent at " + address + ": host 7"), text.out());
        assertTrue(
            text.out().contains("projector:  caught up, lag 0 record(s) over 4"), text.out());
        assertTrue(text.out().contains("instances:  1 on this host"), text.out());
        assertTrue(text.out().contains("web-1"), text.out());
        System.out.println(text.out());
      }
    }
    Run down = status("--agent", "127.0.0.1:1");
    assertEquals(1, down.code());
    assertTrue(down.err().contains("cannot reach the agent at 127.0.0.1:1"), down.err());
    Run bad = status("--agent", "nonsense");
    assertEquals(2, bad.code());
  }
}
