package dev.sixpn.it;

import static dev.sixpn.it.AgentHarness.aaaa;
import static dev.sixpn.it.AgentHarness.txt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sixpn.agent.HostAgent;
import dev.sixpn.cli.SixpnCommand;
import dev.sixpn.events.Events;
import dev.sixpn.events.LifecycleEvent;
import dev.sixpn.kafka.KafkaBroker;
import dev.sixpn.kafka.KafkaBrokers;
import dev.sixpn.publish.LifecyclePublisher;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The propagation fence on two hosts: two real agents against one broker, {@code sixpn publish …
 * --wait} run as a user runs it (the command line, in process), and both hosts' DNS edges asked
 * right after it returns.
 */
class FenceIT {

  private static final String TOPIC = "fence-it";
  private static final String KEY = "5Zz5Bv1cPSrW6hO8NldV6Uqa/XTymJUN0xGd7EsiSCo=";

  @TempDir Path dir;

  record Run(int code, String out, String err) {}

  private static Run sixpn(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = SixpnCommand.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Run(code, out.toString(), err.toString());
  }

  private static final Pattern ADDRESS = Pattern.compile("\"address\":\"([0-9a-f:]+)\"");
  private static final Pattern AT = Pattern.compile("to " + TOPIC + "-(\\d+)@(\\d+)");

  @Test
  void publishWait_returnsOnceBothHostsAnswer_timesOutNamingAStoppedHost() throws Exception {
    InetSocketAddress dns7 = AgentHarness.freeDnsAddress();
    InetSocketAddress dns8 = AgentHarness.freeDnsAddress();
    try (KafkaBroker broker = KafkaBrokers.start()) {
      String bootstrap = broker.bootstrapServers();
      try (LifecyclePublisher publisher =
          LifecyclePublisher.connect(bootstrap, TOPIC, 4, Duration.ofSeconds(30))) {
        for (long h : List.of(7L, 8L)) {
          publisher
              .publish(
                  new LifecycleEvent.HostJoined(
                      Events.newEventId(),
                      Instant.now(),
                      h,
                      "nrt",
                      35.76,
                      140.38,
                      KEY,
                      "192.0.2." + h + ":51820"))
              .get();
        }
      }
      HostAgent h8 = HostAgent.start(AgentHarness.config(8, bootstrap, TOPIC, dir, dns8));
      try (HostAgent h7 = HostAgent.start(AgentHarness.config(7, bootstrap, TOPIC, dir, dns7))) {
        ItAgents.awaitCaughtUp(h7);
        ItAgents.awaitCaughtUp(h8);

        Run ok = publishStart(bootstrap, "fenced-1", "PT30S");
        assertEquals(0, ok.code(), ok.out() + ok.err());
        // asked right after --wait returned: both hosts answer the new name already
        String address = group(ADDRESS, ok.out(), 1);
        assertTrue(aaaa(dns7, "web.internal").contains(address), "host 7: " + ok.out());
        assertTrue(aaaa(dns8, "web.internal").contains(address), "host 8: " + ok.out());
        assertTrue(ok.out().contains("applied by every live host (2): host 7, host 8"), ok.out());
        String fence = group(AT, ok.out(), 1) + "-" + group(AT, ok.out(), 2) + "._fence.internal";
        for (InetSocketAddress dns : List.of(dns7, dns8)) {
          String answer = txt(dns, fence).getFirst();
          assertTrue(answer.startsWith("status=applied,"), fence + ": " + answer);
        }

        h8.close();
        long t0 = System.nanoTime();
        Run late = publishStart(bootstrap, "fenced-2", "PT3S");
        long took = System.nanoTime() - t0;
        assertEquals(1, late.code(), late.out() + late.err());
        assertTrue(late.err().contains("by 1 of 2 live host(s): host 8 (next offset"), late.err());
        assertFalse(late.err().contains("host 7"), late.err());
        assertTrue(took < Duration.ofSeconds(15).toNanos(), "timeout honoured: " + took / 1e9);
        String fence2 =
            group(AT, late.out(), 1) + "-" + group(AT, late.out(), 2) + "._fence.internal";
        assertTrue(txt(dns7, fence2).getFirst().startsWith("status=applied,"), "host 7 has it");
      } finally {
        h8.close();
      }
    }
  }

  private static Run publishStart(String bootstrap, String id, String timeout) {
    return sixpn(
        "publish",
        "instance-start",
        "--bootstrap",
        bootstrap,
        "--topic",
        TOPIC,
        "--network",
        "1",
        "--app",
        "web",
        "--region",
        "nrt",
        "--host",
        "7",
        "--instance-id",
        id,
        "--wait",
        "--timeout",
        timeout);
  }

  private static String group(Pattern p, String text, int group) {
    Matcher m = p.matcher(text);
    assertTrue(m.find(), p + " in " + text);
    return m.group(group);
  }
}
