package dev.sixpn.it;

import static dev.sixpn.it.AgentHarness.aaaa;
import static dev.sixpn.it.AgentHarness.query;
import static dev.sixpn.it.AgentHarness.txt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sixpn.address.SixpnAddress;
import dev.sixpn.agent.HostAgent;
import dev.sixpn.events.Events;
import dev.sixpn.events.HealthStatus;
import dev.sixpn.events.LifecycleEvent;
import dev.sixpn.kafka.KafkaBroker;
import dev.sixpn.kafka.KafkaBrokers;
import dev.sixpn.publish.LifecyclePublisher;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * Health-aware names end to end: {@code instance.health} published to a real broker, folded by a
 * real agent, answered by its DNS edge on a real socket.
 */
class HealthIT {

  private static final String TOPIC = "health-it";

  @TempDir Path dir;

  @Test
  void failingCheck_leavesAppNameWithinASecond_passingBringsItBack_allFailingIsNoData()
      throws Exception {
    InetSocketAddress dns = AgentHarness.freeDnsAddress();
    try (KafkaBroker broker = KafkaBrokers.start();
        LifecyclePublisher publisher =
            LifecyclePublisher.connect(
                broker.bootstrapServers(), TOPIC, 2, Duration.ofSeconds(30));
        HostAgent agent =
            HostAgent.start(AgentHarness.config(7, broker.bootstrapServers(), TOPIC, dir, dns))) {
      SixpnAddress a = start(publisher, "web-1", 1);
      SixpnAddress b = start(publisher, "web-2", 2);
      ItAgents.awaitCaughtUp(agent);
      awaitAaaa(dns, s -> s.equals(Set.of(a.toString(), b.toString())), "both started");

      long leave = health(publisher, "web-1", HealthStatus.CRITICAL);
      long left = awaitAaaa(dns, s -> s.equals(Set.of(b.toString())), "web-1 left") - leave;
      assertTrue(left < Duration.ofSeconds(1).toNanos(), "left after " + left / 1e6 + " ms");
      assertEquals(
          Set.of(a.toString()), aaaa(dns, "web-1.vm.web.internal"), "the vm name still answers");
      assertEquals(List.of("web-1 nrt critical,web-2 nrt passing"), txt(dns, "vms.web.internal"));

      long back = health(publisher, "web-1", HealthStatus.PASSING);
      long returned =
          awaitAaaa(dns, s -> s.equals(Set.of(a.toString(), b.toString())), "web-1 back") - back;
      assertTrue(
          returned < Duration.ofSeconds(1).toNanos(), "back after " + returned / 1e6 + " ms");

      health(publisher, "web-1", HealthStatus.CRITICAL);
      long none = health(publisher, "web-2", HealthStatus.CRITICAL);
      long empty = awaitAaaa(dns, Set::isEmpty, "no instance serves") - none;
      assertTrue(empty < Duration.ofSeconds(1).toNanos(), "emptied after " + empty / 1e6 + " ms");
      var answer = query(dns, "web.internal", Type.AAAA);
      assertEquals(Rcode.NOERROR, answer.getRcode(), "the app exists: no data, not NXDOMAIN");
      assertEquals(0, answer.getSection(Section.ANSWER).size());
      assertTrue(
          txt(dns, "_instances.internal").getFirst().contains(",health=critical"),
          "the lists still show every started instance, with its health");
      System.out.printf(
          "instance.health -> DNS: left %.1f ms, back %.1f ms, all failing %.1f ms%n",
          left / 1e6, returned / 1e6, empty / 1e6);
    }
  }

  private static SixpnAddress start(LifecyclePublisher publisher, String id, long n)
      throws Exception {
    SixpnAddress a = SixpnAddress.ofInstance(1, 7, n);
    publisher
        .publish(
            new LifecycleEvent.InstanceStarted(
                Events.newEventId(), Instant.now(), id, 1, "web", "app", 7, "nrt", a, Map.of()))
        .get();
    return a;
  }

  /** Publishes one check's status; returns when the broker acknowledged it (nanoTime). */
  private static long health(LifecyclePublisher publisher, String id, HealthStatus status)
      throws Exception {
    long t0 = System.nanoTime();
    publisher
        .publish(
            new LifecycleEvent.InstanceHealth(
                Events.newEventId(), Instant.now(), id, 1, "web", "http-8080", status))
        .get();
    return t0;
  }

  /** Polls {@code web.internal} until its addresses pass {@code done}; returns then (nanoTime). */
  private static long awaitAaaa(InetSocketAddress dns, Predicate<Set<String>> done, String what)
      throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (true) {
      Set<String> now = aaaa(dns, "web.internal");
      if (done.test(now)) {
        return System.nanoTime();
      }
      assertTrue(System.nanoTime() < deadline, what + ": still " + now);
      Thread.sleep(5);
    }
  }
}
