package dev.sixpn.bench;

import dev.sixpn.address.InstanceAllocator;
import dev.sixpn.address.SixpnAddress;
import dev.sixpn.events.LifecycleEvent;
import dev.sixpn.events.synthetic.SyntheticFleet;
import dev.sixpn.publish.LifecyclePublisher;
import java.time.Duration;
import java.util.List;

/**
 * Publisher throughput: {@code PublishBench <bootstrap> <topic> <events> <partitions>
 * [mix|starts]}. Events are generated before the clock starts; encoding and sending are measured,
 * up to the broker's acknowledgement of the last one ({@code flush}). {@code mix} (default) is the
 * synthetic fleet's lifecycle mix; {@code starts} is {@code events} distinct instances started and
 * left running (for the memory figure of a million live instances).
 */
public final class PublishBench {

  private PublishBench() {}

  private static List<LifecycleEvent> starts(int n) {
    InstanceAllocator allocator = new InstanceAllocator();
    List<LifecycleEvent> out = new java.util.ArrayList<>(n);
    java.time.Instant t = java.time.Instant.parse("2026-11-25T00:00:00Z");
    for (int i = 0; i < n; i++) {
      long network = 1 + i % 1000;
      long host = 1 + (i / 1000) % 50;
      SixpnAddress a = allocator.allocate(network, host);
      out.add(
          new LifecycleEvent.InstanceStarted(
              "s-" + i,
              t,
              "i" + Integer.toHexString(i),
              network,
              SyntheticFleet.appName(i % 20),
              "app",
              host,
              SyntheticFleet.regionOfHost(host).name(),
              a,
              java.util.Map.of()));
    }
    return out;
  }

  public static void main(String[] args) throws Exception {
    String bootstrap = args[0];
    String topic = args[1];
    int n = Integer.parseInt(args[2]);
    int partitions = Integer.parseInt(args[3]);
    boolean startsOnly = args.length > 4 && args[4].equals("starts");
    List<LifecycleEvent> events =
        startsOnly ? starts(n) : new SyntheticFleet(42, 200, 10, 20).generate(n);
    try (LifecyclePublisher publisher =
        LifecyclePublisher.connect(bootstrap, topic, partitions, Duration.ofSeconds(30))) {
      long start = System.nanoTime();
      for (LifecycleEvent e : events) {
        publisher.publish(e);
      }
      publisher.flush();
      double seconds = (System.nanoTime() - start) / 1e9;
      System.out.printf(
          "publish (%s): %d events in %.2f s = %.0f events/s%n",
          startsOnly ? "starts" : "mix", events.size(), seconds, events.size() / seconds);
    }
  }
}
