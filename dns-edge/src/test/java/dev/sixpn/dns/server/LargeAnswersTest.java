package dev.sixpn.dns.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sixpn.dns.metrics.DnsMetrics;
import dev.sixpn.dns.testing.FakeState;
import dev.sixpn.dns.testing.Packets;
import dev.sixpn.dns.wire.DatagramDnsQueryDecoder;
import dev.sixpn.dns.wire.DatagramDnsResponseEncoder;
import dev.sixpn.dns.wire.DnsRequest;
import dev.sixpn.dns.wire.SimpleQuery;
import dev.sixpn.dns.wire.Transport;
import dev.sixpn.dns.wire.WireErrors;
import dev.sixpn.dns.zone.CallerResolver;
import dev.sixpn.dns.zone.InternalZone;
import dev.sixpn.dns.zone.ZoneCache;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

/**
 * Answers larger than their message, as the UDP pipeline and the TCP path encode them: an app of
 * 10,000 started instances resolves to the records that fit, never to an empty TC.
 */
class LargeAnswersTest {

  static final int HUGE = 10_000;
  private static final InetSocketAddress CLIENT = new InetSocketAddress("::1", 5300);
  private static final InetSocketAddress SERVER = new InetSocketAddress("::1", 53);
  private static final String[] REGIONS = {"iad", "ams", "nrt", "syd"};

  /**
   * The fixture plus app {@code huge}: 10,000 started instances over four regions, two groups; and
   * 120 more apps with long names, so that {@code _apps} is a list of over 3,000 bytes.
   */
  static final FakeState STATE = hugeState();

  private final QueryAnswerer handler =
      TestAnswerers.of(
          new CallerResolver(STATE, STATE, OptionalLong.of(1)),
          new ZoneCache(new InternalZone(STATE), STATE, 1000),
          new DnsMetrics(new PrometheusRegistry()),
          DnsEdgeConfig.DEFAULT_MAX_UDP_PAYLOAD);
  private final EmbeddedChannel udp =
      new EmbeddedChannel(
          new UdpFastPath(handler),
          new DatagramDnsQueryDecoder(WireErrors.IGNORE),
          new DatagramDnsResponseEncoder(),
          new QueryHandler(handler));

  static FakeState hugeState() {
    FakeState s = FakeState.fixture();
    for (int i = 0; i < HUGE; i++) {
      s.start(
          1,
          "huge",
          String.format("h%05d", i),
          i % 3 == 0 ? "worker" : "web",
          REGIONS[i % REGIONS.length]);
    }
    for (int i = 0; i < 120; i++) {
      s.createApp(1, String.format("an-app-with-a-long-name-%03d", i));
    }
    return s;
  }

  @AfterEach
  void close() {
    udp.finishAndReleaseAll();
  }

  private byte[] overUdp(byte[] query) {
    udp.writeInbound(new DatagramPacket(Unpooled.wrappedBuffer(query), SERVER, CLIENT));
    udp.runPendingTasks();
    udp.flushOutbound();
    DatagramPacket p = udp.readOutbound();
    assertNotNull(p, "no reply");
    try {
      return ByteBufUtil.getBytes(p.content());
    } finally {
      p.release();
    }
  }

  private byte[] overTcp(byte[] query) {
    List<byte[]> sent = new ArrayList<>();
    Replies replies =
        new Replies() {
          @Override
          public void send(DnsRequest to, byte[] wire) {
            sent.add(wire);
          }

          @Override
          public void sendNow(DnsRequest to, byte[] wire) {
            sent.add(wire);
          }
        };
    SimpleQuery simple = SimpleQuery.read(query);
    DnsRequest.Query q =
        simple != null
            ? new DnsRequest.Query(null, simple, query, CLIENT, SERVER, Transport.TCP)
            : new DnsRequest.Query(parse(query), query, CLIENT, SERVER, Transport.TCP);
    handler.answer(q, replies);
    assertEquals(1, sent.size());
    return sent.getFirst();
  }

  private static Message parse(byte[] wire) {
    try {
      return new Message(wire);
    } catch (java.io.IOException e) {
      throw new AssertionError("not a DNS message", e);
    }
  }

  private static Set<String> addresses(Message m) {
    Set<String> out = new HashSet<>();
    for (Record r : m.getSection(Section.ANSWER)) {
      out.add(((AAAARecord) r).getAddress().getHostAddress());
    }
    return out;
  }

  /** A well-formed message: dnsjava reads it and writes the very same bytes back. */
  private static Message wellFormed(byte[] wire) {
    Message m = parse(wire);
    assertArrayEquals(wire, m.toWire(), "re-encoded by dnsjava");
    return m;
  }

  @Test
  void udp_tenThousandWithoutEdns_tcAndRecordsThatFit512() {
    byte[] r = overUdp(Packets.query(1, "huge.internal.", Type.AAAA).toWire());
    assertTrue(r.length <= 512, "length " + r.length);
    Message m = wellFormed(r);
    assertTrue(m.getHeader().getFlag(Flags.TC));
    assertTrue(m.getHeader().getFlag(Flags.AA));
    assertEquals(1, m.getHeader().getID());
    int n = m.getSection(Section.ANSWER).size();
    assertTrue(n > 0 && n == addresses(m).size(), "distinct records, got " + n);
    assertTrue(r.length + 28 > 512, "as many as fit: one more would not, length " + r.length);
  }

  @Test
  void udp_tenThousandWithEdns_fitsTheAdvertisedSizeCappedByOurs() {
    int classic =
        parse(overUdp(Packets.query(1, "huge.internal.", Type.AAAA).toWire()))
            .getSection(Section.ANSWER)
            .size();
    byte[] small = overUdp(Packets.ednsQuery(2, "huge.internal.", Type.AAAA, 900).toWire());
    assertTrue(small.length <= 900 && small.length + 28 > 900, "length " + small.length);
    byte[] large = overUdp(Packets.ednsQuery(3, "huge.internal.", Type.AAAA, 4096).toWire());
    assertTrue(
        large.length <= DnsEdgeConfig.DEFAULT_MAX_UDP_PAYLOAD
            && large.length + 28 > DnsEdgeConfig.DEFAULT_MAX_UDP_PAYLOAD,
        "capped at our 1232, length " + large.length);
    Message m = wellFormed(large);
    assertTrue(m.getHeader().getFlag(Flags.TC));
    assertNotNull(m.getOPT(), "the OPT is kept in a truncated answer");
    assertEquals(DnsEdgeConfig.DEFAULT_MAX_UDP_PAYLOAD, m.getOPT().getPayloadSize());
    assertTrue(m.getSection(Section.ANSWER).size() > classic);
    assertTrue(
        wellFormed(small).getSection(Section.ANSWER).size() > classic
            && wellFormed(small).getSection(Section.ANSWER).size()
                < m.getSection(Section.ANSWER).size());
  }

  @Test
  void tcp_tenThousand_atLeast2000RecordsWithin65535AndNoTc() {
    for (Message query :
        List.of(
            Packets.query(4, "huge.internal.", Type.AAAA),
            Packets.ednsQuery(5, "HUGE.internal.", Type.AAAA, 1232))) {
      byte[] r = overTcp(query.toWire());
      assertTrue(r.length <= 65_535, "length " + r.length);
      Message m = wellFormed(r);
      assertFalse(m.getHeader().getFlag(Flags.TC), "no TC over TCP: nothing larger to retry on");
      int n = m.getSection(Section.ANSWER).size();
      assertTrue(n >= 2_000, "records " + n);
      assertEquals(n, addresses(m).size());
      assertEquals(query.getQuestion().getName().toString(), m.getQuestion().getName().toString());
    }
  }

  @Test
  void rotation_successiveUdpAnswersShowNewInstancesUntilTheWholeSetIsSeen() {
    Set<String> seen = new HashSet<>();
    Set<String> first =
        addresses(parse(overUdp(Packets.query(1, "huge.internal.", Type.AAAA).toWire())));
    int perAnswer = first.size();
    seen.addAll(first);
    Set<String> second =
        addresses(parse(overUdp(Packets.query(2, "huge.internal.", Type.AAAA).toWire())));
    assertEquals(perAnswer, second.size());
    seen.addAll(second);
    assertEquals(2 * perAnswer, seen.size(), "the second answer shows other instances");
    int queries = 2;
    while (seen.size() < HUGE && queries < 2 * HUGE / perAnswer) {
      seen.addAll(
          addresses(parse(overUdp(Packets.query(queries, "huge.internal.", Type.AAAA).toWire()))));
      queries++;
    }
    assertEquals(HUGE, seen.size(), "every instance after " + queries + " queries");
    assertTrue(queries <= HUGE / perAnswer + 2, "in about n/k queries, took " + queries);
  }

  @Test
  void addressNames_globalRegionAndGroup_truncatedWithRecordsOverUdp_andManyOverTcp() {
    for (String name :
        List.of("global.huge.internal.", "iad.huge.internal.", "web.process.huge.internal.")) {
      Message u = wellFormed(overUdp(Packets.query(6, name, Type.AAAA).toWire()));
      assertTrue(u.getHeader().getFlag(Flags.TC), name);
      assertFalse(u.getSection(Section.ANSWER).isEmpty(), name);
      Message t = wellFormed(overTcp(Packets.query(7, name, Type.AAAA).toWire()));
      assertFalse(t.getHeader().getFlag(Flags.TC), name);
      assertTrue(t.getSection(Section.ANSWER).size() >= 2_000, name);
    }
  }

  @Test
  void txt_vmsAndInstances_oneRecordCutAtAnEntryWithTcOverUdp_andWhatFitsOverTcp() {
    for (String name :
        List.of("vms.huge.internal.", "_instances.internal.", "all._instances.internal.")) {
      String separator = name.equals("vms.huge.internal.") ? "," : ";";
      String entry =
          separator.equals(",")
              ? "h[0-9]+ [a-z]+ [a-z]+"
              : "instance=[a-z0-9]+,app=[a-z0-9-]+,ip=fdaa:[0-9a-f:]+,region=[a-z]+,health=[a-z]+";
      byte[] u = overUdp(Packets.query(8, name, Type.TXT).toWire());
      assertTrue(u.length <= 512, name);
      Message m = wellFormed(u);
      assertTrue(m.getHeader().getFlag(Flags.TC), name);
      String cut = joined(m);
      byte[] t = overTcp(Packets.query(9, name, Type.TXT).toWire());
      assertTrue(t.length <= 65_535 && t.length > 60_000, name + " length " + t.length);
      Message tcp = wellFormed(t);
      assertFalse(tcp.getHeader().getFlag(Flags.TC), name);
      // a client's view: the record's strings concatenated, then split into entries
      String whole = joined(tcp);
      assertTrue(whole.startsWith(cut + separator), name + ": UDP carries a prefix: " + cut);
      String[] entries = whole.split(separator);
      assertTrue(entries.length > (separator.equals(",") ? 3_000 : 500), name + entries.length);
      for (String e : entries) {
        assertTrue(e.matches(entry), name + ": " + e);
      }
    }
  }

  /** The one TXT record of {@code m}'s answer, its strings concatenated. */
  private static String joined(Message m) {
    List<Record> answer = m.getSection(Section.ANSWER);
    assertEquals(1, answer.size());
    return String.join("", ((TXTRecord) answer.getFirst()).getStrings());
  }

  @Test
  void txt_appsListTooLongForUdp_isCutAtACommaWithTc_andWholeOverTcp() {
    {
      String whole =
          String.join(
              "",
              ((TXTRecord)
                      wellFormed(overTcp(Packets.query(10, "_apps.internal.", Type.TXT).toWire()))
                          .getSection(Section.ANSWER)
                          .getFirst())
                  .getStrings());
      assertTrue(whole.length() > 3_000 && whole.contains("huge,"), whole);
      byte[] u = overUdp(Packets.query(11, "_apps.internal.", Type.TXT).toWire());
      assertTrue(u.length <= 512);
      Message m = wellFormed(u);
      assertTrue(m.getHeader().getFlag(Flags.TC));
      assertEquals(1, m.getSection(Section.ANSWER).size());
      String cut =
          String.join("", ((TXTRecord) m.getSection(Section.ANSWER).getFirst()).getStrings());
      assertTrue(whole.startsWith(cut + ","), "a prefix of whole names: " + cut);
      assertTrue(cut.length() > 300, "as much as fits: " + cut.length());
    }
  }

  @Test
  void generalPath_queryTheFastPathDoesNotTake_getsTheRecordsThatFit() throws Exception {
    // two additional records: not the simple shape, so the decoder's full parse and the handler's
    // general path answer it
    Message q = Packets.ednsQuery(12, "huge.internal.", Type.AAAA, 4096);
    q.addRecord(
        Record.fromString(
            org.xbill.DNS.Name.root, Type.TXT, org.xbill.DNS.DClass.IN, 0, "\"x\"", null),
        Section.ADDITIONAL);
    byte[] wire = q.toWire();
    assertEquals(null, SimpleQuery.read(wire));
    for (byte[] r : List.of(overUdp(wire), overTcp(wire))) {
      Message m = wellFormed(r);
      assertFalse(m.getSection(Section.ANSWER).isEmpty());
      assertEquals(12, m.getHeader().getID());
    }
    Message u = parse(overUdp(wire));
    assertTrue(u.getHeader().getFlag(Flags.TC));
    assertTrue(overUdp(wire).length <= DnsEdgeConfig.DEFAULT_MAX_UDP_PAYLOAD);
  }

  @Test
  void nearest_aboveTheCapIsAnsweredAsTheCap_inOrder() {
    Message top1000 =
        wellFormed(
            overTcp(Packets.query(13, "top1000.nearest.of.huge.internal.", Type.AAAA).toWire()));
    assertEquals(InternalZone.MAX_TOP, top1000.getSection(Section.ANSWER).size());
    Message top64 =
        wellFormed(
            overTcp(Packets.query(14, "top64.nearest.of.huge.internal.", Type.AAAA).toWire()));
    List<String> a = new ArrayList<>();
    List<String> b = new ArrayList<>();
    top1000.getSection(Section.ANSWER).forEach(r -> a.add(r.rdataToString()));
    top64.getSection(Section.ANSWER).forEach(r -> b.add(r.rdataToString()));
    assertEquals(b, a);
    // over UDP: TC with the nearest ones first (order is the meaning, no rotation)
    Message u =
        wellFormed(
            overUdp(Packets.query(15, "top64.nearest.of.huge.internal.", Type.AAAA).toWire()));
    assertTrue(u.getHeader().getFlag(Flags.TC));
    List<String> c = new ArrayList<>();
    u.getSection(Section.ANSWER).forEach(r -> c.add(r.rdataToString()));
    assertEquals(b.subList(0, c.size()), c);
  }
}
