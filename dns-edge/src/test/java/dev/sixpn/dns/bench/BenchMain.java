package dev.sixpn.dns.bench;

import dev.sixpn.dns.server.DnsEdgeConfig;
import dev.sixpn.dns.server.DnsEdgeServer;
import dev.sixpn.dns.testing.FakeState;
import dev.sixpn.dns.zone.Caller;
import dev.sixpn.dns.zone.InternalZone;
import dev.sixpn.dns.zone.ZoneAnswer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

/**
 * Benchmark helper (bench/dns/run.sh), not a test: builds one deterministic state, then either
 * serves it with sixpn ({@code serve HOST PORT}) or writes the same records as a zone file for the
 * other servers ({@code zone FILE}), or the dnsperf query mix ({@code queries FILE}).
 *
 * <p>The zone file is produced by asking sixpn's own {@link InternalZone} every name of the mix, so
 * both sides serve the same records by construction.
 */
public final class BenchMain {

  static final long NETWORK = 1;
  static final int APPS = 200;
  static final int INSTANCES_PER_APP = 5;
  static final String[] REGIONS = {"ams", "iad", "nrt", "syd", "fra", "ord", "sin", "gru"};

  private BenchMain() {}

  static FakeState state() {
    FakeState s = new FakeState();
    double[][] loc = {
      {52.31, 4.76},
      {38.94, -77.46},
      {35.76, 140.38},
      {-33.94, 151.17},
      {50.03, 8.57},
      {41.97, -87.90},
      {1.36, 103.99},
      {-23.43, -46.47}
    };
    for (int r = 0; r < REGIONS.length; r++) {
      s.withRegion(REGIONS[r], loc[r][0], loc[r][1]);
    }
    for (int a = 0; a < APPS; a++) {
      for (int i = 0; i < INSTANCES_PER_APP; i++) {
        s.start(
            NETWORK,
            app(a),
            String.format("i%03d%02d", a, i),
            "web",
            REGIONS[(a + i) % REGIONS.length]);
      }
    }
    return s;
  }

  static String app(int a) {
    return String.format("app-%03d", a);
  }

  /** Names served (positive), with their type; the zone file holds exactly these RRsets. */
  static List<String[]> servedNames() {
    List<String[]> out = new ArrayList<>();
    out.add(new String[] {"_apps.internal.", "TXT"});
    for (int a = 0; a < APPS; a++) {
      String app = app(a);
      out.add(new String[] {app + ".internal.", "AAAA"});
      out.add(new String[] {"global." + app + ".internal.", "AAAA"});
      for (String r : REGIONS) {
        out.add(new String[] {r + "." + app + ".internal.", "AAAA"});
      }
      out.add(new String[] {"regions." + app + ".internal.", "TXT"});
      out.add(new String[] {"vms." + app + ".internal.", "TXT"});
      for (int i = 0; i < INSTANCES_PER_APP; i++) {
        out.add(
            new String[] {String.format("i%03d%02d", a, i) + ".vm." + app + ".internal.", "AAAA"});
      }
    }
    return out;
  }

  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "serve" ->
          serve(
              args[1], Integer.parseInt(args[2]), args.length > 3 ? Integer.parseInt(args[3]) : 1);
      case "zone" -> zone(Path.of(args[1]));
      case "queries" -> queries(Path.of(args[1]), Integer.parseInt(args[2]));
      case "visibility" -> visibility(Integer.parseInt(args[1]));
      default ->
          throw new IllegalArgumentException(
              "usage: serve HOST PORT [LOOPS] | zone FILE | queries FILE COUNT");
    }
  }

  static void serve(String host, int port, int loops) throws Exception {
    FakeState s = state();
    DnsEdgeConfig config =
        DnsEdgeConfig.defaults()
            .withListen(
                List.of(
                    DnsEdgeConfig.parseAddress(
                        host.contains(":") ? "[" + host + "]:" + port : host + ":" + port)))
            .withEventLoops(loops)
            .withUpstreams(List.of(), java.time.Duration.ofSeconds(1))
            .withDevLoopbackNetwork(OptionalLong.of(NETWORK));
    String engine = System.getProperty("bench.udpEngine");
    if (engine != null) {
      config = config.withUdpEngine(DnsEdgeConfig.UdpEngine.valueOf(engine));
    }
    PrometheusRegistry registry = new PrometheusRegistry();
    DnsEdgeServer server = new DnsEdgeServer(config, s, s, registry);
    server.start();
    System.out.println("READY " + server.udpAddresses());
    if (Boolean.getBoolean("bench.misses")) {
      while (true) {
        Thread.sleep(2000);
        for (var snapshot : registry.scrape()) {
          if (snapshot.getMetadata().getName().equals("sixpn_dns_answer_cache_misses")) {
            System.out.println(
                "misses "
                    + ((io.prometheus.metrics.model.snapshots.CounterSnapshot) snapshot)
                        .getDataPoints()
                        .getFirst()
                        .getValue());
          }
        }
      }
    }
    new CountDownLatch(1).await();
  }

  /**
   * Time from a change being published on the feed (as the projector does after a commit) to a real
   * UDP query answering the new instance's AAAA. Prints percentiles.
   */
  static void visibility(int rounds) throws Exception {
    FakeState s = state();
    DnsEdgeConfig config =
        DnsEdgeConfig.defaults()
            .withListen(List.of(DnsEdgeConfig.parseAddress("127.0.0.1:0")))
            .withEventLoops(1)
            .withUpstreams(List.of(), java.time.Duration.ofSeconds(1))
            .withDevLoopbackNetwork(OptionalLong.of(NETWORK));
    long[] nanos = new long[rounds];
    try (DnsEdgeServer server = new DnsEdgeServer(config, s, s, new PrometheusRegistry());
        java.net.DatagramSocket socket = new java.net.DatagramSocket()) {
      server.start();
      java.net.InetSocketAddress to = server.udpAddresses().getFirst();
      socket.setSoTimeout(1000);
      byte[] buf = new byte[4096];
      for (int i = 0; i < rounds; i++) {
        String app = "vis-" + i;
        byte[] q =
            org.xbill.DNS.Message.newQuery(
                    Record.newRecord(
                        Name.fromConstantString(app + ".internal."),
                        Type.AAAA,
                        org.xbill.DNS.DClass.IN))
                .toWire();
        socket.send(new java.net.DatagramPacket(q, q.length, to)); // primes the cache with NXDOMAIN
        socket.receive(new java.net.DatagramPacket(buf, buf.length));
        long t0 = System.nanoTime();
        s.start(NETWORK, app, "v" + i, "web", "ams");
        while (true) {
          socket.send(new java.net.DatagramPacket(q, q.length, to));
          java.net.DatagramPacket p = new java.net.DatagramPacket(buf, buf.length);
          socket.receive(p);
          if (new org.xbill.DNS.Message(java.util.Arrays.copyOf(buf, p.getLength()))
                  .getSection(org.xbill.DNS.Section.ANSWER)
                  .size()
              == 1) {
            break;
          }
        }
        nanos[i] = System.nanoTime() - t0;
      }
    }
    java.util.Arrays.sort(nanos);
    System.out.printf(
        "p50 %.3f ms, p99 %.3f ms, max %.3f ms over %d instance starts%n",
        nanos[rounds / 2] / 1e6,
        nanos[(int) (rounds * 0.99)] / 1e6,
        nanos[rounds - 1] / 1e6,
        rounds);
  }

  static void zone(Path file) throws IOException {
    FakeState s = state();
    InternalZone zone = new InternalZone(s);
    Caller caller = new Caller(NETWORK, null);
    try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(file))) {
      w.println("$ORIGIN internal.");
      w.println("$TTL 5");
      for (Record r :
          zone.answer(Name.fromConstantString("internal."), Type.ANY, caller).answers()) {
        w.println(r.toString());
      }
      for (String[] n : servedNames()) {
        ZoneAnswer a = zone.answer(Name.fromConstantString(n[0]), Type.value(n[1]), caller);
        for (Record r : a.answers()) {
          w.println(r.toString());
        }
      }
    }
  }

  /** The mix: 80% AAAA of served names, 10% TXT, 10% names that do not exist. */
  static void queries(Path file, int count) throws IOException {
    List<String[]> served = servedNames();
    List<String[]> aaaa = served.stream().filter(n -> n[1].equals("AAAA")).toList();
    List<String[]> txt = served.stream().filter(n -> n[1].equals("TXT")).toList();
    Random random = new Random(2026);
    try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(file))) {
      for (int i = 0; i < count; i++) {
        int k = random.nextInt(10);
        if (k < 8) {
          String[] n = aaaa.get(random.nextInt(aaaa.size()));
          w.println(n[0] + " AAAA");
        } else if (k == 8) {
          String[] n = txt.get(random.nextInt(txt.size()));
          w.println(n[0] + " TXT");
        } else {
          w.println("nope-" + random.nextInt(1000) + ".internal. AAAA");
        }
      }
    }
  }
}
