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
  private final QueryHandler handler =
      new QueryHandler(
          new CallerResolver(state, state, OptionalLong.of(1)),
          new ZoneCache(new InternalZone(state), state, 1000),
          null,
          new DnsMetrics(new PrometheusRegistry()),
          1232);
  private final EmbeddedChannel ch =
      new EmbeddedChannel(
          new UdpFastPath(handler),
          new DatagramDnsQueryDecoder(WireErrors.IGNORE),
          new DatagramDnsResponseEncoder(),
          handler);

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

  @Test
  void forwardingOff_outsideNameIsRefused() throws Exception {
    assertEquals(
        Rcode.REFUSED, exchange(Packets.query(5, "www.example.", Type.A).toWire()).getRcode());
  }
}
