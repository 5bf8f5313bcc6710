package dev.sixpn.bench;

import dev.sixpn.address.SixpnAddress;
import dev.sixpn.agent.HostAgent;
import dev.sixpn.agent.HostAgentConfig;
import dev.sixpn.dns.server.DnsEdgeConfig;
import dev.sixpn.events.LifecycleEvent;
import dev.sixpn.projector.fold.ChangeCollector;
import dev.sixpn.projector.fold.EventFolder;
import dev.sixpn.projector.fold.RuleViolation;
import dev.sixpn.projector.store.StateStore;
import dev.sixpn.projector.store.StoreBatch;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * Agent start to first DNS answer with the broker down, from a big store.
 *
 * <ul>
 *   <li>{@code AgentStartBench build <hostDir> <instances> [networks apps hosts]}: folds that many
 *       instance starts (by default 1,000 networks of 10 apps on 50 hosts, and one instance of app
 *       {@code probe} in network 1) straight into {@code <hostDir>/state}, as the projector would
 *       have;
 *   <li>{@code AgentStartBench start <hostDir>}: in a fresh JVM, starts the agent (DNS only) with a
 *       bootstrap server nothing listens on and queries {@code probe.internal} AAAA until it is
 *       answered; prints the time from before {@code HostAgent.start} to that answer, and the RSS
 *       then and once settled;
 *   <li>{@code AgentStartBench memory <hostDir>}: the heap the memory state takes per instance.
 * </ul>
 */
public final class AgentStartBench {

  private AgentStartBench() {}

  public static void main(String[] args) throws Exception {
    Path hostDir = Path.of(args[1]);
    switch (args[0]) {
      case "build" ->
          build(
              hostDir,
              Integer.parseInt(args[2]),
              args.length > 3 ? Integer.parseInt(args[3]) : 1000,
              args.length > 4 ? Integer.parseInt(args[4]) : 10,
              args.length > 5 ? Integer.parseInt(args[5]) : 50);
      case "start" -> start(hostDir);
      case "memory" -> memory(hostDir);
      default -> throw new IllegalArgumentException("build, start or memory, got " + args[0]);
    }
  }

  private static void build(Path hostDir, int instances, int networks, int apps, int hosts)
      throws RuleViolation {
    Path state = hostDir.resolve("state");
    StateStore.destroy(state);
    Instant t = Instant.parse("2026-11-25T00:00:00Z");
    long wall = System.nanoTime();
    try (StateStore store = StateStore.open(state)) {
      StoreBatch batch = store.newBatch();
      EventFolder.fold(
          store,
          batch,
          started("probe-start", t, "probe-1", 1, "probe", 1, 1),
          ChangeCollector.discarding());
      // Runs of consecutive instances per host: 10,000 as before, fewer when every host must get
      // some.
      int hostRun = Math.max(1, Math.min(10_000, instances / hosts));
      for (int i = 0; i < instances; i++) {
        long network = 2 + i % networks;
        String app = "app-" + (i / networks) % apps;
        long host = 1 + (i / hostRun) % hosts;
        EventFolder.fold(
            store,
            batch,
            started("ev-" + i, t, "i" + i, network, app, host, 1 + i / networks),
            ChangeCollector.discarding());
        if (i % 50_000 == 49_999) {
          store.commit(batch);
          batch = store.newBatch();
        }
      }
      store.commit(batch);
    }
    System.out.printf(
        "built a store of %,d instances (%,d networks x %d apps, %,d hosts) in %.1f s%n",
        instances + 1, networks, apps, hosts, (System.nanoTime() - wall) / 1e9);
  }

  private static LifecycleEvent.InstanceStarted started(
      String eventId, Instant t, String id, long network, String app, long host, long instance) {
    return new LifecycleEvent.InstanceStarted(
        eventId,
        t,
        id,
        network,
        app,
        "app",
        host,
        "nrt",
        SixpnAddress.ofInstance(network, host, instance),
        Map.of());
  }

  /**
   * Heap the memory state takes: used heap after a full GC with the store open, minus the same
   * before it opened, minus the dedup window's table (which follows the event rate, not the
   * instances); and the process's RSS.
   */
  private static void memory(Path hostDir) throws Exception {
    long before = usedAfterGc();
    long t0 = System.nanoTime();
    try (StateStore store = StateStore.open(hostDir.resolve("state"))) {
      double open = (System.nanoTime() - t0) / 1e9;
      long idTable = store.eventIdSlots() * 16L;
      long after = usedAfterGc();
      long instances = 0;
      for (long n : store.networks()) {
        for (String app : store.state().appsOfNetwork(n)) {
          instances += store.state().instancesOfApp(n, app, true).size();
        }
      }
      long state = after - before - idTable;
      System.out.printf(
          "memory state of %,d instances: open %.2f s; heap %.1f MiB = %.0f bytes/instance"
              + " (dedup window table %.1f MiB besides); rss %.0f MiB%n",
          instances,
          open,
          state / 1048576.0,
          (double) state / instances,
          idTable / 1048576.0,
          Rss.kib() / 1024.0);
    }
  }

  private static long usedAfterGc() throws InterruptedException {
    for (int k = 0; k < 3; k++) {
      System.gc();
      Thread.sleep(100);
    }
    Runtime r = Runtime.getRuntime();
    return r.totalMemory() - r.freeMemory();
  }

  private static void start(Path hostDir) throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    InetSocketAddress dns = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    HostAgentConfig config =
        new HostAgentConfig(
            1,
            // Nothing listens on port 1: the broker is down.
            "127.0.0.1:1",
            "sixpn.lifecycle",
            hostDir,
            Optional.of(
                DnsEdgeConfig.defaults()
                    .withListen(List.of(dns))
                    .withUpstreams(List.of(), Duration.ofMillis(200))
                    .withDevLoopbackNetwork(OptionalLong.of(1))),
            Optional.empty(),
            Optional.empty(),
            Optional.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)));
    byte[] query =
        Message.newQuery(Record.newRecord(Name.fromString("probe.internal."), Type.AAAA, DClass.IN))
            .toWire();
    long t0 = System.nanoTime();
    try (HostAgent agent = HostAgent.start(config);
        DatagramSocket socket = new DatagramSocket()) {
      long started = System.nanoTime();
      socket.setSoTimeout(50);
      byte[] buf = new byte[1500];
      while (true) {
        socket.send(new DatagramPacket(query, query.length, dns));
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        try {
          socket.receive(p);
        } catch (SocketTimeoutException e) {
          continue;
        }
        Message m = new Message(java.util.Arrays.copyOf(p.getData(), p.getLength()));
        if (m.getRcode() == Rcode.NOERROR && m.getSection(Section.ANSWER).size() == 1) {
          break;
        }
      }
      long answered = System.nanoTime();
      double rss = Rss.kib() / 1024.0;
      // Settled: the dedup window loaded behind the first answer, then a full GC.
      Thread.sleep(3000);
      System.gc();
      Runtime r = Runtime.getRuntime();
      System.out.printf(
          "agent start -> first DNS answer with the broker down: %.2f s (HostAgent.start %.2f s;"
              + " caught up: %s; rss %.0f MiB; settled after a GC: rss %.0f MiB, heap used %.0f"
              + " of %.0f MiB committed)%n",
          (answered - t0) / 1e9,
          (started - t0) / 1e9,
          agent.caughtUp(),
          rss,
          Rss.kib() / 1024.0,
          (r.totalMemory() - r.freeMemory()) / 1048576.0,
          r.totalMemory() / 1048576.0);
    }
  }
}
