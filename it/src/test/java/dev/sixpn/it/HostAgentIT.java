package dev.sixpn.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sixpn.address.SixpnAddress;
import dev.sixpn.agent.HostAgent;
import dev.sixpn.agent.HostAgentConfig;
import dev.sixpn.events.Events;
import dev.sixpn.events.LifecycleEvent;
import dev.sixpn.kafka.KafkaBroker;
import dev.sixpn.kafka.KafkaBrokers;
import dev.sixpn.publish.LifecyclePublisher;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * The host agent, assembled, against a real broker: events published to Kafka become DNS answers on
 * a real socket, within milliseconds, and survive an agent restart (state from RocksDB, offsets
 * resumed). No dataplane here (no root needed); the namespace test is {@link DemoIT}.
 */
class HostAgentIT {

  @TempDir Path dir;

  @Test
  void publishedInstances_answerOverDns_andSurviveRestart() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    InetSocketAddress dnsAddress = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    try (KafkaBroker broker = KafkaBrokers.start();
        LifecyclePublisher publisher =
            LifecyclePublisher.connect(
                broker.bootstrapServers(), "agent-it", 4, Duration.ofSeconds(30))) {
      HostAgentConfig config =
          AgentHarness.config(
              7,
              broker.bootstrapServers(),
              "agent-it",
              dir,
              dnsAddress,
              Optional.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)));
      SixpnAddress first = start(publisher, "web-1", 1, "web");
      start(publisher, "other-1", 2, "secret");
      publisher.flush();

      List<Long> visibleNanos = new ArrayList<>();
      Set<String> expected = new TreeSet<>(Set.of(first.toString()));
      try (HostAgent agent = HostAgent.start(config)) {
        AgentHarness.awaitCaughtUp(agent);
        assertEquals(expected, aaaa(dnsAddress, "web.internal"));
        assertEquals(
            Rcode.NXDOMAIN,
            query(dnsAddress, "secret.internal", Type.AAAA).getRcode(),
            "network 2 is invisible to network 1");
        for (int i = 2; i <= 30; i++) {
          long t0 = System.nanoTime();
          SixpnAddress a = start(publisher, "web-" + i, 1, "web");
          expected.add(a.toString());
          while (!aaaa(dnsAddress, "web.internal").contains(a.toString())) {
            assertTrue(
                System.nanoTime() - t0 < Duration.ofSeconds(10).toNanos(),
                "instance " + i + " never became visible");
            Thread.sleep(1);
          }
          visibleNanos.add(System.nanoTime() - t0);
        }
        assertEquals(expected, aaaa(dnsAddress, "web.internal"));
        String metrics = get("http://127.0.0.1:" + agent.metricsPort() + "/metrics");
        for (String name :
            List.of(
                "sixpn_projector_events_folded_total",
                "sixpn_projector_lag_records",
                "sixpn_dns_queries_total")) {
          assertTrue(metrics.contains(name), name + " missing from /metrics");
        }
      }
      Collections.sort(visibleNanos);
      System.out.printf(
          "publish -> AAAA visible: p50 %.1f ms, max %.1f ms over %d instances%n",
          visibleNanos.get(visibleNanos.size() / 2) / 1e6,
          visibleNanos.getLast() / 1e6,
          visibleNanos.size());

      publisher
          .publish(
              new LifecycleEvent.InstanceStopped(
                  Events.newEventId(), Instant.now(), "web-1", 1, "web"))
          .get();
      expected.remove(first.toString());
      try (HostAgent restarted = HostAgent.start(config)) {
        AgentHarness.awaitCaughtUp(restarted);
        assertEquals(
            expected,
            aaaa(dnsAddress, "web.internal"),
            "state after restart, with the stop made while the agent was down");
      }
    }
  }

  private static String get(String url) throws Exception {
    try (var client = java.net.http.HttpClient.newHttpClient()) {
      var response =
          client.send(
              java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).build(),
              java.net.http.HttpResponse.BodyHandlers.ofString());
      assertEquals(200, response.statusCode());
      return response.body();
    }
  }

  private static SixpnAddress start(
      LifecyclePublisher publisher, String id, long network, String app) throws Exception {
    SixpnAddress a = SixpnAddress.ofInstance(network, 7, Math.abs(id.hashCode() % 100_000) + 1);
    publisher
        .publish(
            new LifecycleEvent.InstanceStarted(
                Events.newEventId(), Instant.now(), id, network, app, "app", 7, "nrt", a, Map.of()))
        .get();
    return a;
  }

  private static Message query(InetSocketAddress server, String name, int type) throws Exception {
    SimpleResolver r = new SimpleResolver(server);
    r.setTimeout(Duration.ofSeconds(2));
    // UDP with EDNS: 30 AAAA records fit in 1232 bytes. (dnsjava's TCP client keeps connections
    // per server address and, in one JVM, reuses one the first agent closed: it times out.)
    r.setEDNS(0, 1232, 0, List.of());
    Message m =
        r.send(Message.newQuery(Record.newRecord(Name.fromString(name + "."), type, DClass.IN)));
    assertTrue(!m.getHeader().getFlag(org.xbill.DNS.Flags.TC), "answer truncated");
    return m;
  }

  private static Set<String> aaaa(InetSocketAddress server, String name) throws Exception {
    Set<String> out = new TreeSet<>();
    for (Record r : query(server, name, Type.AAAA).getSection(Section.ANSWER)) {
      out.add(SixpnAddress.fromBytes(((AAAARecord) r).getAddress().getAddress()).toString());
    }
    return out;
  }
}
