package dev.sixpn.dns.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sixpn.dns.metrics.DnsMetrics;
import dev.sixpn.dns.testing.FakeState;
import dev.sixpn.dns.testing.Packets;
import dev.sixpn.dns.wire.DatagramDnsQueryDecoder;
import dev.sixpn.dns.wire.DatagramDnsResponseEncoder;
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
import java.util.OptionalLong;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** The whole UDP pipeline (fast path, codecs, handler) without sockets, under hostile input. */
class PipelineTest {

  private static final InetSocketAddress CLIENT = new InetSocketAddress("::1", 5300);
  private static final InetSocketAddress SERVER = new InetSocketAddress("::1", 53);

  private final FakeState state = FakeState.fixture();
  private final QueryAnswerer handler =
      TestAnswerers.of(
          new CallerResolver(state, state, OptionalLong.of(1)),
          new ZoneCache(new InternalZone(state), state, 1000),
          new DnsMetrics(new PrometheusRegistry()),
          1232);
  private final EmbeddedChannel ch =
      new EmbeddedChannel(
          new UdpFastPath(handler),
          new DatagramDnsQueryDecoder(WireErrors.IGNORE),
          new DatagramDnsResponseEncoder(),
          new QueryHandler(handler));

  private Message exchange(byte[] query) throws Exception {
    ch.writeInbound(new DatagramPacket(Unpooled.wrappedBuffer(query), SERVER, CLIENT));
    ch.runPendingTasks();
    ch.flushOutbound();
    DatagramPacket p = ch.readOutbound();
    if (p == null) {
      return null;
    }
    try {
      assertEquals(CLIENT, p.recipient());
      return new Message(ByteBufUtil.getBytes(p.content()));
    } finally {
      p.release();
    }
  }

  @Test
  void hostileInputThenGoodQuery_channelSurvivesAndAnswers() throws Exception {
    Random random = new Random(99);
    int answered = 0;
    for (int i = 0; i < 20_000; i++) {
      byte[] junk = new byte[random.nextInt(300)];
      random.nextBytes(junk);
      if (junk.length > 5 && i % 2 == 0) {
        junk[2] &= 0x07;
        junk[4] = 0;
        junk[5] = 1;
      }
      Message m = exchange(junk);
      if (m != null) {
        answered++;
        assertTrue(
            m.getRcode() == Rcode.FORMERR
                || m.getRcode() == Rcode.NOTIMP
                || m.getRcode() == Rcode.NOERROR
                || m.getRcode() == Rcode.NXDOMAIN
                || m.getRcode() == Rcode.REFUSED,
            "rcode " + m.getRcode());
      }
      while (ch.readOutbound() != null) {
        // at most one answer per datagram; drain defensively
      }
    }
    assertTrue(ch.isActive());
    assertTrue(answered > 0);
    for (byte[] hostile :
        new byte[][] {
          Packets.pointerLoop(1),
          Packets.pointerPingPong(2),
          Packets.oversizedLabel(3),
          Packets.nameTooLong(4)
        }) {
      assertEquals(Rcode.FORMERR, exchange(hostile).getRcode());
    }
    Message good =
        exchange(Packets.query(77, "IAD.fearsome-bagel-43.internal.", Type.AAAA).toWire());
    assertNotNull(good);
    assertEquals(77, good.getHeader().getID());
    assertEquals(2, good.getSection(Section.ANSWER).size());
    assertEquals("IAD.fearsome-bagel-43.internal.", good.getQuestion().getName().toString());
  }

  /** The reply the pipeline sends for {@code query} from {@code from}, as bytes. */
  private static byte[] reply(EmbeddedChannel channel, byte[] query, InetSocketAddress from) {
    channel.writeInbound(new DatagramPacket(Unpooled.wrappedBuffer(query), SERVER, from));
    channel.runPendingTasks();
    channel.flushOutbound();
    DatagramPacket p = channel.readOutbound();
    assertNotNull(p, "no reply");
    try {
      assertEquals(from, p.recipient());
      return ByteBufUtil.getBytes(p.content());
    } finally {
      p.release();
    }
  }

  /**
   * Templates kept by the fast path answer repeated questions exactly as the general path would:
   * case echoed, rotation continued, per caller view, and never after the state changed.
   */
  @Test
  void keptTemplates_sameBytesAsGeneralPath_perView_untilStateChanges() throws Exception {
    QueryAnswerer h =
        TestAnswerers.of(
            new CallerResolver(state, state, OptionalLong.empty()),
            new ZoneCache(new InternalZone(state), state, 1000),
            new DnsMetrics(new PrometheusRegistry()),
            1232);
    // the fast path alone, and the general path alone, as references
    EmbeddedChannel fast =
        new EmbeddedChannel(
            new UdpFastPath(h),
            new DatagramDnsQueryDecoder(WireErrors.IGNORE),
            new DatagramDnsResponseEncoder(),
            new QueryHandler(h));
    InetSocketAddress one =
        new InetSocketAddress(state.get("a1nrt").address().toInetAddress(), 5300);
    InetSocketAddress two =
        new InetSocketAddress(state.get("x9fra").address().toInetAddress(), 5300);
    String[] names = {
      "fearsome-bagel-43.internal.", "FearSome-Bagel-43.INTERNAL.", "fearsome-bagel-43.internal."
    };
    java.util.Set<String> firstRecords = new java.util.HashSet<>();
    for (int round = 0; round < 4; round++) {
      for (String name : names) {
        for (boolean edns : new boolean[] {false, true}) {
          Message q =
              edns
                  ? Packets.ednsQuery(100 + round, name, Type.AAAA, 1232)
                  : Packets.query(100 + round, name, Type.AAAA);
          Message m1 = new Message(reply(fast, q.toWire(), one));
          assertEquals(name, m1.getQuestion().getName().toString());
          assertEquals(100 + round, m1.getHeader().getID());
          assertEquals(4, m1.getSection(Section.ANSWER).size(), "network 1 sees its 4 started");
          assertEquals(edns, m1.getOPT() != null);
          firstRecords.add(m1.getSection(Section.ANSWER).getFirst().rdataToString());
          Message m2 = new Message(reply(fast, q.toWire(), two));
          assertEquals(1, m2.getSection(Section.ANSWER).size(), "network 2 sees only its own");
          assertEquals(
              state.get("x9fra").address().toInetAddress().getHostAddress(),
              java.net.InetAddress.getByName(
                      m2.getSection(Section.ANSWER).getFirst().rdataToString())
                  .getHostAddress());
        }
      }
    }
    assertEquals(4, firstRecords.size(), "answers rotate through every record");
    // every kept answer, byte for byte, is what the general path would send for the same
    // rotation: compare against a fresh handler whose cache is at the same rotation step
    byte[] wire = Packets.query(7, "IAD.fearsome-bagel-43.internal.", Type.AAAA).toWire();
    byte[] first = reply(fast, wire, one);
    byte[] second = reply(fast, wire, one);
    Message a = new Message(first);
    Message b = new Message(second);
    assertEquals(2, a.getSection(Section.ANSWER).size());
    assertEquals(
        a.getSection(Section.ANSWER).get(0).rdataToString(),
        b.getSection(Section.ANSWER).get(1).rdataToString(),
        "the second answer is the first rotated");
    byte[] slow =
        ResponseEncoder.zoneResponse(
                new Message(wire),
                new dev.sixpn.dns.zone.ZoneAnswer(
                    a.getRcode(),
                    a.getSection(Section.ANSWER).reversed(),
                    java.util.List.of(),
                    true),
                1232)
            .toWire();
    assertEquals(java.util.Arrays.toString(slow), java.util.Arrays.toString(second));
    // a started instance is in the very next answer (the change feed invalidates the kept one)
    state.start(1, "fearsome-bagel-43", "f6nrt", "web", "nrt");
    Message after =
        new Message(
            reply(fast, Packets.query(8, "fearsome-bagel-43.internal.", Type.AAAA).toWire(), one));
    assertEquals(5, after.getSection(Section.ANSWER).size());
    fast.finishAndReleaseAll();
  }

  @Test
  void forwardingOff_outsideNameIsRefused() throws Exception {
    assertEquals(
        Rcode.REFUSED, exchange(Packets.query(5, "www.example.", Type.A).toWire()).getRcode());
  }
}
