package dev.sixpn.dns.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sixpn.dns.testing.FakeState;
import dev.sixpn.dns.testing.FakeUpstream;
import dev.sixpn.dns.testing.Packets;
import dev.sixpn.dns.testing.RawDns;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/** The server over real loopback sockets, with dnsjava's resolver and raw packets. */
class DnsEdgeServerTest {

  static final int BIG = 500;
  static FakeState state;
  static FakeUpstream upstream;
  static PrometheusRegistry registry;
  static DnsEdgeServer server;
  static InetSocketAddress address;

  @BeforeAll
  static void start() throws Exception {
    state = FakeState.fixture();
    for (int i = 0; i < BIG; i++) {
      state.start(1, "big", String.format("big%03d", i), "app", i % 2 == 0 ? "iad" : "ams");
    }
    upstream = new FakeUpstream();
    registry = new PrometheusRegistry();
    server =
        new DnsEdgeServer(
            testConfig(OptionalLong.of(1), List.of(upstream.address())), state, state, registry);
    server.start();
    address = server.udpAddresses().getFirst();
  }

  static DnsEdgeConfig testConfig(OptionalLong loopbackNetwork, List<InetSocketAddress> upstreams) {
    return DnsEdgeConfig.defaults()
        .withListen(
            List.of(
                new InetSocketAddress(
                    InetAddress.getLoopbackAddress().getHostAddress().contains(":") ? "::1" : "::1",
                    0)))
        .withEventLoops(2)
        .withUpstreams(upstreams, Duration.ofMillis(300))
        .withDevLoopbackNetwork(loopbackNetwork)
        .withUdpEngine(UDP_ENGINE);
  }

  /**
   * The UDP engine under test: the preferred one, or the one the build's second run of these tests
   * names (dns-edge/pom.xml runs them again with NETTY).
   */
  static final DnsEdgeConfig.UdpEngine UDP_ENGINE =
      DnsEdgeConfig.UdpEngine.valueOf(
          System.getProperty("sixpn.test.udpEngine", DnsEdgeConfig.UdpEngine.preferred().name()));

  @AfterAll
  static void stop() throws Exception {
    server.close();
    upstream.close();
  }

  static SimpleResolver resolver(boolean tcp, int ednsPayload) {
    SimpleResolver r = new SimpleResolver(address);
    r.setTimeout(Duration.ofSeconds(3));
    r.setTCP(tcp);
    if (ednsPayload > 0) {
      r.setEDNS(0, ednsPayload, 0, List.of());
    } else {
      r.setEDNS(-1);
    }
    return r;
  }

  static Message send(SimpleResolver r, String name, int type) throws Exception {
    return r.send(Packets.query(4321, name, type));
  }

  static Set<String> ips(Message m) {
    Set<String> out = new HashSet<>();
    for (Record r : m.getSection(Section.ANSWER)) {
      out.add(((AAAARecord) r).getAddress().getHostAddress());
    }
    return out;
  }

  @Test
  void udp_answersAppWithAuthoritativeFlagAndTtl5() throws Exception {
    Message m = send(resolver(false, 1232), "fearsome-bagel-43.internal.", Type.AAAA);
    assertEquals(Rcode.NOERROR, m.getRcode());
    assertTrue(m.getHeader().getFlag(Flags.AA));
    assertTrue(m.getHeader().getFlag(Flags.QR));
    assertEquals(4, m.getSection(Section.ANSWER).size());
    assertTrue(m.getSection(Section.ANSWER).stream().allMatch(r -> r.getTTL() == 5));
    assertEquals(
        Set.of(
            state.get("a1nrt").address().toInetAddress().getHostAddress(),
            state.get("b2iad").address().toInetAddress().getHostAddress(),
            state.get("c3iad").address().toInetAddress().getHostAddress(),
            state.get("d4ams").address().toInetAddress().getHostAddress()),
        ips(m));
  }

  @Test
  void nxdomain_carriesSoaWithMinimum5InAuthority() throws Exception {
    Message m = send(resolver(false, 1232), "secret-app.internal.", Type.AAAA);
    assertEquals(Rcode.NXDOMAIN, m.getRcode());
    assertTrue(m.getHeader().getFlag(Flags.AA));
    SOARecord soa = (SOARecord) m.getSection(Section.AUTHORITY).getFirst();
    assertEquals("internal.", soa.getName().toString());
    assertEquals(5, soa.getMinimum());
  }

  @Test
  void noData_forExistingNameOfOtherType() throws Exception {
    Message m = send(resolver(false, 1232), "fearsome-bagel-43.internal.", Type.A);
    assertEquals(Rcode.NOERROR, m.getRcode());
    assertEquals(0, m.getSection(Section.ANSWER).size());
    assertEquals(Type.SOA, m.getSection(Section.AUTHORITY).getFirst().getType());
  }

  @Test
  void mixedCase_questionEchoedExactlyAsSent() throws Exception {
    byte[] r =
        RawDns.udp(
            address, Packets.query(99, "FearSome-BAGEL-43.InTeRnAl.", Type.AAAA).toWire(), 2000);
    Message m = new Message(r);
    assertEquals("FearSome-BAGEL-43.InTeRnAl.", m.getQuestion().getName().toString());
    assertEquals(4, m.getSection(Section.ANSWER).size());
    assertEquals(99, m.getHeader().getID());
  }

  @Test
  void edns_optEchoedAndAbsentWithoutEdns() throws Exception {
    Message with = send(resolver(false, 4096), "fearsome-bagel-43.internal.", Type.AAAA);
    OPTRecord opt = with.getOPT();
    assertNotNull(opt);
    assertEquals(DnsEdgeConfig.DEFAULT_MAX_UDP_PAYLOAD, opt.getPayloadSize());
    Message without = send(resolver(false, 0), "fearsome-bagel-43.internal.", Type.AAAA);
    assertNull(without.getOPT());
  }

  @Test
  void edns_unknownVersionIsBadvers() throws Exception {
    Message q = Packets.query(5, "fearsome-bagel-43.internal.", Type.AAAA);
    q.addRecord(new OPTRecord(1232, 0, 1), Section.ADDITIONAL);
    Message m = new Message(RawDns.udp(address, q.toWire(), 2000));
    assertEquals(Rcode.BADVERS, m.getRcode());
    assertEquals(0, m.getOPT().getVersion());
  }

  @Test
  void truncation_bigAnswerOverUdpHasTcAndTheRecordsThatFit() throws Exception {
    byte[] r = RawDns.udp(address, Packets.query(7, "big.internal.", Type.AAAA).toWire(), 2000);
    assertTrue(r.length <= 512);
    Message m = new Message(r);
    assertTrue(m.getHeader().getFlag(Flags.TC));
    int classic = m.getSection(Section.ANSWER).size();
    assertTrue(classic > 0, "a part of the set, not an empty TC");
    assertEquals(classic, ips(m).size());
    byte[] e =
        RawDns.udp(address, Packets.ednsQuery(8, "big.internal.", Type.AAAA, 4096).toWire(), 2000);
    assertTrue(
        e.length <= DnsEdgeConfig.DEFAULT_MAX_UDP_PAYLOAD,
        "capped at our advertised size, got " + e.length);
    Message em = new Message(e);
    assertTrue(em.getHeader().getFlag(Flags.TC));
    assertTrue(em.getSection(Section.ANSWER).size() > classic, "EDNS fits more");
    assertNotNull(em.getOPT(), "the OPT survives truncation");
  }

  @Test
  void tcp_bigAnswerResolvesCompletely() throws Exception {
    Message m = send(resolver(true, 1232), "big.internal.", Type.AAAA);
    assertFalse(m.getHeader().getFlag(Flags.TC));
    assertEquals(BIG, m.getSection(Section.ANSWER).size());
    assertEquals(BIG, ips(m).size());
  }

  @Test
  void resolver_fallsBackToTcpOnTruncation() throws Exception {
    Message m = send(resolver(false, 1232), "big.internal.", Type.AAAA);
    assertEquals(BIG, ips(m).size());
  }

  @Test
  void rotation_firstRecordChangesBetweenQueries() throws Exception {
    SimpleResolver r = resolver(false, 1232);
    Set<Record> firsts = new HashSet<>();
    for (int i = 0; i < 4; i++) {
      firsts.add(
          send(r, "fearsome-bagel-43.internal.", Type.AAAA).getSection(Section.ANSWER).getFirst());
    }
    assertEquals(4, firsts.size());
  }

  @Test
  void ptr_namesTheVm() throws Exception {
    Message m = send(resolver(false, 1232), state.get("c3iad").address().reverseName(), Type.PTR);
    assertEquals(
        "c3iad.vm.fearsome-bagel-43.internal.",
        ((org.xbill.DNS.PTRRecord) m.getSection(Section.ANSWER).getFirst()).getTarget().toString());
  }

  @Test
  void formerr_echoesIdForQuestionCountZeroAndTwo() throws Exception {
    Message zero =
        new Message(
            RawDns.udp(address, Packets.raw(0x5151, 0x0100, 0, 0, 0, 0, new byte[0]), 2000));
    assertEquals(Rcode.FORMERR, zero.getRcode());
    assertEquals(0x5151, zero.getHeader().getID());
    byte[] q = Packets.question("a.internal");
    byte[] two = new byte[q.length * 2];
    System.arraycopy(q, 0, two, 0, q.length);
    System.arraycopy(q, 0, two, q.length, q.length);
    Message twice =
        new Message(RawDns.udp(address, Packets.raw(0x5252, 0x0100, 2, 0, 0, 0, two), 2000));
    assertEquals(Rcode.FORMERR, twice.getRcode());
    assertEquals(0x5252, twice.getHeader().getID());
  }

  @Test
  void formerr_forPointerLoopAndOversizedLabel() throws Exception {
    assertEquals(
        Rcode.FORMERR, new Message(RawDns.udp(address, Packets.pointerLoop(1), 2000)).getRcode());
    assertEquals(
        Rcode.FORMERR,
        new Message(RawDns.udp(address, Packets.oversizedLabel(2), 2000)).getRcode());
  }

  @Test
  void shortPacket_isDropped() throws Exception {
    assertNull(RawDns.udp(address, new byte[7], 300));
  }

  @Test
  void notimp_forNotifyOpcode() throws Exception {
    byte[] wire = Packets.query(61, "internal.", Type.SOA).toWire();
    wire[2] = (byte) ((wire[2] & 0x87) | (4 << 3));
    Message m = new Message(RawDns.udp(address, wire, 2000));
    assertEquals(Rcode.NOTIMP, m.getRcode());
    assertEquals(61, m.getHeader().getID());
  }

  @Test
  void flood_ofMalformedPacketsThenGoodQueryAnswersCorrectly() throws Exception {
    Random random = new Random(7);
    byte[][] hostile = {
      Packets.pointerLoop(1),
      Packets.pointerPingPong(2),
      Packets.oversizedLabel(3),
      new byte[5],
      Packets.raw(4, 0x0100, 0, 0, 0, 0, new byte[0]),
      Packets.nameTooLong(5)
    };
    try (DatagramSocket s = new DatagramSocket(new InetSocketAddress("::1", 0))) {
      for (int i = 0; i < 100_000; i++) {
        byte[] p;
        if (i % 4 == 3) {
          p = new byte[random.nextInt(100)];
          random.nextBytes(p);
        } else {
          p = hostile[i % hostile.length];
        }
        s.send(new DatagramPacket(p, p.length, address));
        if (i % 100 == 99) {
          Thread.sleep(
              0,
              500_000); // pace so that most reach the server rather than overflow its socket buffer
        }
      }
    }
    // the flood is queued in the socket buffer; wait until the server has worked through it
    long t0 = System.nanoTime();
    double seen = -1;
    double malformed = counterTotal("sixpn_dns_malformed");
    while (malformed != seen && System.nanoTime() - t0 < 60_000_000_000L) {
      seen = malformed;
      Thread.sleep(300);
      malformed = counterTotal("sixpn_dns_malformed");
    }
    System.out.printf(
        "flood: %.0f malformed counted, drained in %d ms%n",
        malformed, (System.nanoTime() - t0) / 1_000_000);
    // the kernel drops what overflows the socket buffer; those that got through were each counted
    assertTrue(malformed > 5_000, "malformed messages counted, got " + malformed);
    Message m = send(resolver(false, 1232), "iad.fearsome-bagel-43.internal.", Type.AAAA);
    assertEquals(
        Set.of(
            state.get("b2iad").address().toInetAddress().getHostAddress(),
            state.get("c3iad").address().toInetAddress().getHostAddress()),
        ips(m));
  }

  @Test
  void changeFeed_startedInstanceVisibleImmediately() throws Exception {
    SimpleResolver r = resolver(false, 1232);
    assertEquals(Rcode.NXDOMAIN, send(r, "fresh.internal.", Type.AAAA).getRcode());
    var i = state.start(1, "fresh", "fresh1", "app", "iad");
    Message m = send(r, "fresh.internal.", Type.AAAA);
    assertEquals(Set.of(i.address().toInetAddress().getHostAddress()), ips(m));
  }

  @Test
  void forward_outsideNameGoesUpstreamWithClientsId() throws Exception {
    byte[] r = RawDns.udp(address, Packets.query(0x7777, "www.example.", Type.A).toWire(), 3000);
    Message m = new Message(r);
    assertEquals(0x7777, m.getHeader().getID());
    assertEquals(Rcode.NOERROR, m.getRcode());
    assertEquals(
        "192.0.2.1",
        ((org.xbill.DNS.ARecord) m.getSection(Section.ANSWER).getFirst())
            .getAddress()
            .getHostAddress());
    assertFalse(m.getHeader().getFlag(Flags.AA));
  }

  @Test
  void forward_silentUpstreamBecomesServfail() throws Exception {
    long t0 = System.nanoTime();
    Message m =
        new Message(
            RawDns.udp(address, Packets.query(0x1111, "silent.example.", Type.A).toWire(), 3000));
    assertEquals(Rcode.SERVFAIL, m.getRcode());
    assertEquals(0x1111, m.getHeader().getID());
    assertTrue(System.nanoTime() - t0 < 2_000_000_000L);
  }

  @Test
  void forward_truncatedUpstreamAnswerRetriedOverTcp() throws Exception {
    int before = upstream.tcpQueries.get();
    Message m = send(resolver(true, 1232), "big.example.", Type.A);
    assertEquals(100, m.getSection(Section.ANSWER).size());
    assertTrue(upstream.tcpQueries.get() > before);
    // a UDP client with a small limit gets the truncated answer and retries over TCP itself
    Message small =
        new Message(RawDns.udp(address, Packets.query(3, "big.example.", Type.A).toWire(), 3000));
    assertTrue(small.getHeader().getFlag(Flags.TC));
  }

  @Test
  void unknownSource_isRefusedWithoutDevOption() throws Exception {
    try (DnsEdgeServer strict =
        new DnsEdgeServer(
            testConfig(OptionalLong.empty(), List.of()), state, state, new PrometheusRegistry())) {
      strict.start();
      Message m =
          new Message(
              RawDns.udp(
                  strict.udpAddresses().getFirst(),
                  Packets.query(12, "fearsome-bagel-43.internal.", Type.AAAA).toWire(),
                  2000));
      assertEquals(Rcode.REFUSED, m.getRcode());
      assertEquals(0, m.getSection(Section.ANSWER).size());
      Message tcp =
          new Message(
              RawDns.tcp(
                  strict.tcpAddresses().getFirst(),
                  Packets.query(13, "www.example.", Type.A).toWire(),
                  2000));
      assertEquals(Rcode.REFUSED, tcp.getRcode());
    }
  }

  @Test
  void tcp_pipelinedQueriesOnOneConnectionAllAnswered() throws Exception {
    try (java.net.Socket s =
        new java.net.Socket(address.getAddress(), server.tcpAddresses().getFirst().getPort())) {
      s.setSoTimeout(3000);
      var out = new java.io.DataOutputStream(s.getOutputStream());
      for (int id = 1; id <= 3; id++) {
        byte[] q = Packets.query(id, "fearsome-bagel-43.internal.", Type.AAAA).toWire();
        out.writeShort(q.length);
        out.write(q);
      }
      out.flush();
      var in = new java.io.DataInputStream(s.getInputStream());
      Set<Integer> ids = new HashSet<>();
      for (int i = 0; i < 3; i++) {
        byte[] r = new byte[in.readUnsignedShort()];
        in.readFully(r);
        ids.add(new Message(r).getHeader().getID());
      }
      assertEquals(Set.of(1, 2, 3), ids);
    }
  }

  @Test
  void tcp_idleConnectionIsClosed() throws Exception {
    DnsEdgeConfig base = testConfig(OptionalLong.of(1), List.of());
    DnsEdgeConfig quick = base.withEventLoops(1).withTcpIdleTimeout(Duration.ofMillis(200));
    try (DnsEdgeServer s = new DnsEdgeServer(quick, state, state, new PrometheusRegistry());
        java.net.Socket c = new java.net.Socket()) {
      s.start();
      c.connect(s.tcpAddresses().getFirst(), 2000);
      c.setSoTimeout(3000);
      long t0 = System.nanoTime();
      assertEquals(-1, c.getInputStream().read(), "server closes an idle connection");
      assertTrue(System.nanoTime() - t0 < 2_500_000_000L);
    }
  }

  @Test
  void tcp_connectionsBeyondTheCapAreClosed_andCounted() throws Exception {
    DnsEdgeConfig capped = testConfig(OptionalLong.of(1), List.of()).withMaxTcpConnections(2);
    PrometheusRegistry registry = new PrometheusRegistry();
    try (DnsEdgeServer s = new DnsEdgeServer(capped, state, state, registry);
        java.net.Socket a = new java.net.Socket();
        java.net.Socket b = new java.net.Socket()) {
      s.start();
      InetSocketAddress tcp = s.tcpAddresses().getFirst();
      byte[] query = Packets.query(7, "fearsome-bagel-43.internal.", Type.AAAA).toWire();
      a.connect(tcp, 2000);
      b.connect(tcp, 2000);
      // both held open and answering, so the server has counted them before the third arrives
      assertEquals(Rcode.NOERROR, tcpExchange(a, query).getRcode());
      assertEquals(Rcode.NOERROR, tcpExchange(b, query).getRcode());
      try (java.net.Socket c = new java.net.Socket()) {
        c.connect(tcp, 2000);
        c.setSoTimeout(3000);
        assertEquals(-1, c.getInputStream().read(), "the third connection is closed at once");
      }
      assertEquals(1.0, counterTotal(registry, "sixpn_dns_tcp_rejected"));
      a.close();
      long deadline = System.nanoTime() + 3_000_000_000L;
      Message answered = null;
      while (answered == null && System.nanoTime() < deadline) {
        try {
          answered = new Message(RawDns.tcp(tcp, query, 1000));
        } catch (java.io.IOException e) {
          Thread.sleep(20); // the close of a is still on its way to the server
        }
      }
      assertNotNull(answered, "a slot freed by a closed connection is usable again");
      assertEquals(Rcode.NOERROR, answered.getRcode());
    }
  }

  private static Message tcpExchange(java.net.Socket s, byte[] query) throws Exception {
    s.setSoTimeout(3000);
    java.io.DataOutputStream out = new java.io.DataOutputStream(s.getOutputStream());
    out.writeShort(query.length);
    out.write(query);
    out.flush();
    java.io.DataInputStream in = new java.io.DataInputStream(s.getInputStream());
    byte[] answer = new byte[in.readUnsignedShort()];
    in.readFully(answer);
    return new Message(answer);
  }

  @Test
  void cache_floodOfDistinctNamesStaysWithinBounds_andCountsEvictions() throws Exception {
    PrometheusRegistry r = new PrometheusRegistry();
    DnsEdgeConfig bounded = testConfig(OptionalLong.of(1), List.of()).withCache(1_000, 512 * 1024);
    try (DnsEdgeServer s = new DnsEdgeServer(bounded, state, state, r);
        DatagramSocket c = new DatagramSocket(new InetSocketAddress("::1", 0))) {
      s.start();
      InetSocketAddress to = s.udpAddresses().getFirst();
      c.setSoTimeout(2000);
      Random random = new Random(5);
      byte[] buf = new byte[2048];
      for (int i = 0; i < 4_000; i++) {
        String name =
            switch (i % 3) {
              case 0 -> "top" + (1 + random.nextInt(999_999)) + ".nearest.of.big.internal.";
              case 1 -> "r" + random.nextInt(1 << 30) + ".big.internal.";
              default -> "i" + random.nextInt(1 << 30) + ".vm.big.internal.";
            };
        byte[] q = Packets.query(i & 0xffff, name, Type.AAAA).toWire();
        c.send(new DatagramPacket(q, q.length, to));
        c.receive(new DatagramPacket(buf, buf.length)); // one at a time: none is lost
      }
      assertTrue(gauge(r, "sixpn_dns_answer_cache_entries") <= 1_000);
      assertTrue(gauge(r, "sixpn_dns_answer_cache_bytes") <= 512 * 1024);
      assertTrue(counterTotal(r, "sixpn_dns_answer_cache_evictions") >= 3_000);
      Message m =
          new Message(
              RawDns.udp(
                  to,
                  Packets.query(1, "iad.fearsome-bagel-43.internal.", Type.AAAA).toWire(),
                  2000));
      assertEquals(2, m.getSection(Section.ANSWER).size());
    }
  }

  static double gauge(PrometheusRegistry in, String name) {
    for (MetricSnapshot ms : in.scrape()) {
      if (ms.getMetadata().getName().equals(name)
          && ms instanceof io.prometheus.metrics.model.snapshots.GaugeSnapshot g) {
        return g.getDataPoints().getFirst().getValue();
      }
    }
    throw new AssertionError("no gauge " + name);
  }

  @Test
  void metrics_countQueriesByTypeAndRcode() throws Exception {
    double before = counterWith("sixpn_dns_queries", "AAAA", "NXDOMAIN");
    send(resolver(false, 1232), "nope.internal.", Type.AAAA);
    assertEquals(before + 1, counterWith("sixpn_dns_queries", "AAAA", "NXDOMAIN"));
  }

  @Test
  void close_isSafeTwiceAndStartAfterCloseFails() throws Exception {
    DnsEdgeServer s =
        new DnsEdgeServer(
            testConfig(OptionalLong.of(1), List.of()), state, state, new PrometheusRegistry());
    s.start();
    InetSocketAddress a = s.udpAddresses().getFirst();
    assertThrows(IllegalStateException.class, s::start);
    s.close();
    s.close();
    assertThrows(IllegalStateException.class, s::start);
    assertNull(
        RawDns.udp(a, Packets.query(1, "fearsome-bagel-43.internal.", Type.AAAA).toWire(), 300));
  }

  @Test
  void start_secondServerOnSameAddressFails() throws Exception {
    DnsEdgeConfig same = testConfig(OptionalLong.of(1), List.of()).withListen(List.of(address));
    DnsEdgeServer second = new DnsEdgeServer(same, state, state, new PrometheusRegistry());
    assertThrows(
        Exception.class,
        second::start,
        "UDP sockets share the port, but the TCP listener must not");
    second.close();
    assertEquals(
        Rcode.NOERROR,
        send(resolver(false, 1232), "fearsome-bagel-43.internal.", Type.AAAA).getRcode());
  }

  @Test
  void start_bindFailureReleasesEverything() throws Exception {
    DnsEdgeConfig taken =
        testConfig(OptionalLong.empty(), List.of())
            .withListen(List.of(new InetSocketAddress("192.0.2.1", 0)));
    DnsEdgeServer s = new DnsEdgeServer(taken, state, state, new PrometheusRegistry());
    assertThrows(Exception.class, s::start);
    s.close();
  }

  static double counterTotal(String name) {
    return counterTotal(registry, name);
  }

  static double counterTotal(PrometheusRegistry in, String name) {
    double sum = 0;
    for (MetricSnapshot ms : in.scrape()) {
      if (ms.getMetadata().getName().equals(name) && ms instanceof CounterSnapshot c) {
        for (var d : c.getDataPoints()) {
          sum += d.getValue();
        }
      }
    }
    return sum;
  }

  static double counterWith(String name, String qtype, String rcode) {
    for (MetricSnapshot ms : registry.scrape()) {
      if (ms.getMetadata().getName().equals(name) && ms instanceof CounterSnapshot c) {
        for (var d : c.getDataPoints()) {
          if (qtype.equals(d.getLabels().get("qtype"))
              && rcode.equals(d.getLabels().get("rcode"))
              && "UDP".equals(d.getLabels().get("transport"))) {
            return d.getValue();
          }
        }
      }
    }
    return 0;
  }

  @Test
  void config_validatesFields() {
    DnsEdgeConfig ok = testConfig(OptionalLong.empty(), List.of());
    assertThrows(IllegalArgumentException.class, () -> ok.withListen(List.of()));
    assertThrows(IllegalArgumentException.class, () -> ok.withEventLoops(0));
    assertThrows(IllegalArgumentException.class, () -> ok.withMaxUdpPayload(511));
    assertThrows(IllegalArgumentException.class, () -> ok.withUpstreams(List.of(), Duration.ZERO));
    assertThrows(
        IllegalArgumentException.class, () -> ok.withDevLoopbackNetwork(OptionalLong.of(-1)));
    assertThrows(IllegalArgumentException.class, () -> ok.withMaxTcpConnections(0));
    assertThrows(IllegalArgumentException.class, () -> ok.withTcpIdleTimeout(Duration.ZERO));
    assertThrows(IllegalArgumentException.class, () -> ok.withUdpEngine(null));
    assertThrows(IllegalArgumentException.class, () -> ok.withCache(0, 1));
    assertThrows(IllegalArgumentException.class, () -> ok.withCache(1, 0));
    assertNotEquals(ok, ok.withEventLoops(3));
  }

  @Test
  void config_withChangesOnlyItsField() {
    DnsEdgeConfig ok = testConfig(OptionalLong.of(7), List.of());
    DnsEdgeConfig other = ok.withMaxTcpConnections(5).withUdpEngine(DnsEdgeConfig.UdpEngine.NETTY);
    assertEquals(5, other.maxTcpConnections());
    assertEquals(DnsEdgeConfig.UdpEngine.NETTY, other.udpEngine());
    assertEquals(ok.listen(), other.listen());
    assertEquals(ok.devLoopbackNetwork(), other.devLoopbackNetwork());
    assertEquals(ok.tcpIdleTimeout(), other.tcpIdleTimeout());
    assertEquals(
        ok, other.withMaxTcpConnections(ok.maxTcpConnections()).withUdpEngine(ok.udpEngine()));
  }

  @Test
  void parseAddress_readsBracketedV6BareAndV4() {
    assertEquals(
        new InetSocketAddress(InetAddress.ofLiteral("fdaa::3"), 53),
        DnsEdgeConfig.parseAddress("[fdaa::3]:53"));
    assertEquals(
        new InetSocketAddress(InetAddress.ofLiteral("fdaa::3"), 53),
        DnsEdgeConfig.parseAddress("fdaa::3"));
    assertEquals(
        new InetSocketAddress(InetAddress.ofLiteral("127.0.0.1"), 5353),
        DnsEdgeConfig.parseAddress("127.0.0.1:5353"));
    assertThrows(
        IllegalArgumentException.class, () -> DnsEdgeConfig.parseAddress("[fdaa::3]:99999"));
    assertThrows(IllegalArgumentException.class, () -> DnsEdgeConfig.parseAddress("[fdaa::3"));
    assertThrows(
        IllegalArgumentException.class, () -> DnsEdgeConfig.parseAddress("dns.example:53"));
  }
}
