package dev.sixpn.bench;

import dev.sixpn.address.SixpnAddress;
import dev.sixpn.agent.HostAgent;
import dev.sixpn.agent.HostAgentConfig;
import dev.sixpn.dns.server.DnsEdgeConfig;
import dev.sixpn.events.Events;
import dev.sixpn.events.LifecycleEvent;
import dev.sixpn.kafka.KafkaBroker;
import dev.sixpn.kafka.KafkaBrokers;
import dev.sixpn.publish.LifecyclePublisher;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

/**
 * End to end: {@code instance.started} published to Kafka → its AAAA answered by the agent's DNS
 * edge to a querier. {@code VisibilityBench <instances>}: a broker and a host agent in this JVM (no
 * dataplane), each instance of a fresh app published, then its name queried over UDP every 0.2 ms
 * until the answer holds its address. Prints p50/p99/max.
 */
public final class VisibilityBench {

  private VisibilityBench() {}

  public static void main(String[] args) throws Exception {
    int n = Integer.parseInt(args[0]);
    Path dir = Files.createTempDirectory("sixpn-visibility-");
    int port;
    try (DatagramSocket probe = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    InetSocketAddress dns = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    try (KafkaBroker broker = KafkaBrokers.start();
        LifecyclePublisher publisher =
            LifecyclePublisher.connect(
                broker.bootstrapServers(), "visibility", 12, Duration.ofSeconds(30))) {
      HostAgentConfig config =
          new HostAgentConfig(
              1,
              broker.bootstrapServers(),
              "visibility",
              dir,
              Optional.of(
                  DnsEdgeConfig.defaults()
                      .withListen(List.of(dns))
                      .withEventLoops(1)
                      .withUpstreams(List.of(), Duration.ofMillis(200))
                      .withDevLoopbackNetwork(OptionalLong.of(1))),
              Optional.empty(),
              Optional.empty(),
              Optional.empty());
      List<Long> nanos = new ArrayList<>();
      try (HostAgent agent = HostAgent.start(config);
          DatagramSocket socket = new DatagramSocket()) {
        socket.setSoTimeout(1000);
        for (int i = 0; i < n + 50; i++) {
          String app = "vis-" + i;
          SixpnAddress a = SixpnAddress.ofInstance(1, 1, i + 1);
          byte[] query =
              Message.newQuery(
                      Record.newRecord(Name.fromString(app + ".internal."), Type.AAAA, DClass.IN))
                  .toWire();
          long t0 = System.nanoTime();
          publisher.publish(
              new LifecycleEvent.InstanceStarted(
                  Events.newEventId(),
                  Instant.now(),
                  "i" + i,
                  1,
                  app,
                  "app",
                  1,
                  "nrt",
                  a,
                  Map.of()));
          publisher.flush();
          while (!answers(socket, dns, query, a)) {
            if (System.nanoTime() - t0 > Duration.ofSeconds(10).toNanos()) {
              throw new IllegalStateException(app + " never became visible");
            }
            Thread.sleep(0, 200_000);
          }
          if (i >= 50) { // the first 50 warm up the JIT
            nanos.add(System.nanoTime() - t0);
          }
          Thread.sleep(20);
        }
      }
      Collections.sort(nanos);
      System.out.printf(
          "publish -> AAAA visible over UDP: n=%d p50=%.1f ms p99=%.1f ms max=%.1f ms%n",
          nanos.size(),
          nanos.get(nanos.size() / 2) / 1e6,
          nanos.get((int) (nanos.size() * 0.99)) / 1e6,
          nanos.getLast() / 1e6);
    }
  }

  private static boolean answers(
      DatagramSocket socket, InetSocketAddress dns, byte[] query, SixpnAddress expected)
      throws Exception {
    socket.send(new DatagramPacket(query, query.length, dns));
    byte[] buf = new byte[1500];
    DatagramPacket p = new DatagramPacket(buf, buf.length);
    socket.receive(p);
    Message m = new Message(java.util.Arrays.copyOf(buf, p.getLength()));
    return m.getSection(org.xbill.DNS.Section.ANSWER).stream()
        .anyMatch(
            r ->
                r instanceof org.xbill.DNS.AAAARecord aaaa
                    && aaaa.getAddress().equals(expected.toInetAddress()));
  }
}
