package dev.sixpn.dns.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sixpn.dns.testing.FakeState;
import dev.sixpn.dns.testing.Packets;
import dev.sixpn.dns.testing.RawDns;
import dev.sixpn.dns.testing.Requires;
import dev.sixpn.dns.unix.UdpSocket;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * The recvmmsg engine is a transport change only: for the same queries in the same order, both
 * engines send the same bytes (answers, rotation, truncation, errors) or both send nothing.
 */
class UdpEnginesTest {

  @Test
  void sameQueriesInOrder_sameBytesFromBothEngines() throws Exception {
    Requires.that(UdpSocket.isAvailable(), "the recvmmsg engine needs Linux");
    FakeState state = FakeState.fixture();
    for (int i = 0; i < 500; i++) {
      state.start(1, "big", String.format("big%03d", i), "app", i % 2 == 0 ? "iad" : "ams");
    }
    for (int i = 0; i < LargeAnswersTest.HUGE; i++) {
      state.start(1, "huge", String.format("h%05d", i), "app", i % 2 == 0 ? "iad" : "ams");
    }
    Map<String, byte[]> queries = queries(state);
    List<byte[]> native_ = answers(state, DnsEdgeConfig.UdpEngine.RECVMMSG, queries);
    List<byte[]> netty = answers(state, DnsEdgeConfig.UdpEngine.NETTY, queries);
    int i = 0;
    for (String what : queries.keySet()) {
      assertArrayEquals(netty.get(i), native_.get(i), what);
      i++;
    }
    // and the cases mean what they say
    List<String> names = new ArrayList<>(queries.keySet());
    assertEquals(Rcode.NOERROR, rcode(native_.get(names.indexOf("AAAA app"))));
    assertEquals(Rcode.NXDOMAIN, rcode(native_.get(names.indexOf("NXDOMAIN"))));
    assertEquals(Rcode.FORMERR, rcode(native_.get(names.indexOf("pointer loop"))));
    assertEquals(Rcode.NOTIMP, rcode(native_.get(names.indexOf("opcode NOTIFY"))));
    assertEquals(
        Rcode.REFUSED, rcode(native_.get(names.indexOf("outside internal, no upstreams"))));
    assertEquals(0x02, native_.get(names.indexOf("500 AAAA, EDNS 1232"))[2] & 0x02, "TC");
    for (String huge :
        List.of(
            "10,000 AAAA, no EDNS",
            "10,000 AAAA, no EDNS, again (next window)",
            "10,000 AAAA, EDNS 4096",
            "10,000 TXT vms",
            "_instances, EDNS 1232")) {
      byte[] r = native_.get(names.indexOf(huge));
      assertEquals(0x02, r[2] & 0x02, huge + ": TC");
      assertTrue(((r[6] & 0xff) << 8 | (r[7] & 0xff)) > 0, huge + ": records, not an empty TC");
    }
    byte[] window = native_.get(names.indexOf("10,000 AAAA, no EDNS"));
    byte[] next = native_.get(names.indexOf("10,000 AAAA, no EDNS, again (next window)"));
    assertFalse(Arrays.equals(window, 2, window.length, next, 2, next.length), "the next window");
    assertNull(native_.get(names.indexOf("short header")), "dropped");
    byte[] first = native_.get(names.indexOf("AAAA app"));
    byte[] again = native_.get(names.indexOf("AAAA app, again (rotated)"));
    assertFalse(
        Arrays.equals(first, 2, first.length, again, 2, again.length),
        "the second answer is rotated, so equal engines means equal rotation too");
  }

  private static Map<String, byte[]> queries(FakeState state) throws Exception {
    Map<String, byte[]> q = new LinkedHashMap<>();
    q.put("AAAA app", Packets.query(1, "fearsome-bagel-43.internal.", Type.AAAA).toWire());
    q.put(
        "AAAA app, again (rotated)",
        Packets.query(2, "fearsome-bagel-43.internal.", Type.AAAA).toWire());
    q.put(
        "AAAA app, mixed case, EDNS",
        Packets.ednsQuery(3, "FeArSoMe-BaGeL-43.InTeRnAl.", Type.AAAA, 1232).toWire());
    q.put("AAAA region", Packets.query(4, "iad.fearsome-bagel-43.internal.", Type.AAAA).toWire());
    q.put(
        "TXT regions", Packets.query(5, "regions.fearsome-bagel-43.internal.", Type.TXT).toWire());
    q.put("TXT _apps", Packets.ednsQuery(6, "_apps.internal.", Type.TXT, 4096).toWire());
    q.put("NXDOMAIN", Packets.query(7, "nope.internal.", Type.AAAA).toWire());
    q.put("PTR", Packets.query(8, state.get("a1nrt").address().reverseName(), Type.PTR).toWire());
    q.put("500 AAAA, no EDNS", Packets.query(9, "big.internal.", Type.AAAA).toWire());
    q.put("500 AAAA, EDNS 1232", Packets.ednsQuery(10, "big.internal.", Type.AAAA, 1232).toWire());
    q.put("10,000 AAAA, no EDNS", Packets.query(20, "huge.internal.", Type.AAAA).toWire());
    q.put(
        "10,000 AAAA, no EDNS, again (next window)",
        Packets.query(21, "huge.internal.", Type.AAAA).toWire());
    q.put(
        "10,000 AAAA, EDNS 4096",
        Packets.ednsQuery(22, "Huge.Internal.", Type.AAAA, 4096).toWire());
    q.put("10,000 TXT vms", Packets.query(23, "vms.huge.internal.", Type.TXT).toWire());
    q.put(
        "_instances, EDNS 1232",
        Packets.ednsQuery(24, "_instances.internal.", Type.TXT, 1232).toWire());
    Message badvers = Packets.query(11, "fearsome-bagel-43.internal.", Type.AAAA);
    badvers.addRecord(new OPTRecord(1232, 0, 1, 0), Section.ADDITIONAL);
    q.put("EDNS version 1", badvers.toWire());
    Message notify = Packets.query(12, "internal.", Type.SOA);
    notify.getHeader().setOpcode(Opcode.NOTIFY);
    q.put("opcode NOTIFY", notify.toWire());
    q.put("pointer loop", Packets.pointerLoop(13));
    q.put("oversized label", Packets.oversizedLabel(14));
    q.put("short header", new byte[] {0, 15, 1, 0, 0});
    q.put(
        "qdcount 2",
        Packets.raw(
            16, 0x0100, 2, 0, 0, 0, concat(Packets.question("a.internal"), Packets.question("b"))));
    q.put(
        "CHAOS class",
        Message.newQuery(Record.newRecord(Name.fromString("version.bind."), Type.TXT, DClass.CH))
            .toWire());
    q.put("outside internal, no upstreams", Packets.query(18, "example.com.", Type.A).toWire());
    return q;
  }

  private static List<byte[]> answers(
      FakeState state, DnsEdgeConfig.UdpEngine engine, Map<String, byte[]> queries)
      throws Exception {
    DnsEdgeConfig config =
        DnsEdgeServerTest.testConfig(OptionalLong.of(1), List.of())
            .withEventLoops(1)
            .withUdpEngine(engine);
    List<byte[]> out = new ArrayList<>();
    try (DnsEdgeServer s = new DnsEdgeServer(config, state, state, new PrometheusRegistry())) {
      s.start();
      InetSocketAddress to = s.udpAddresses().getFirst();
      for (byte[] query : queries.values()) {
        // a dropped query waits the whole timeout: keep it short, answers come in microseconds
        out.add(RawDns.udp(to, query, 500));
      }
    }
    return out;
  }

  private static int rcode(byte[] response) {
    assertNotNull(response, "no response");
    return response[3] & 0x0f;
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] c = new byte[a.length + b.length];
    System.arraycopy(a, 0, c, 0, a.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }
}
