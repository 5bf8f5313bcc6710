package dev.sixpn.dns.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.sixpn.dns.testing.Packets;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

class CodecTest {

  private static final InetSocketAddress CLIENT = new InetSocketAddress("::1", 40000);

  @Test
  void datagramEncoder_sendsExactBytesToRecipient() {
    EmbeddedChannel ch = new EmbeddedChannel(new DatagramDnsResponseEncoder());
    byte[] wire = Packets.query(1, "a.internal.", Type.AAAA).toWire();
    ch.writeOutbound(new DnsResponse(wire, CLIENT));
    DatagramPacket p = ch.readOutbound();
    assertEquals(CLIENT, p.recipient());
    assertArrayEquals(wire, ByteBufUtil.getBytes(p.content()));
    p.release();
  }

  @Test
  void dnsResponse_rejectsImpossibleSizes() {
    assertThrows(IllegalArgumentException.class, () -> new DnsResponse(new byte[11], CLIENT));
    assertThrows(IllegalArgumentException.class, () -> new DnsResponse(new byte[65536], CLIENT));
  }

  private static EmbeddedChannel tcp() {
    EmbeddedChannel ch = new EmbeddedChannel();
    TcpDnsCodec.install(ch.pipeline(), WireErrors.IGNORE);
    return ch;
  }

  private static ByteBuf framed(byte[] wire) {
    ByteBuf b = Unpooled.buffer();
    b.writeShort(wire.length).writeBytes(wire);
    return b;
  }

  @Test
  void tcpDecoder_reassemblesFramesSplitAcrossReads() throws Exception {
    EmbeddedChannel ch = tcp();
    ByteBuf all = framed(Packets.query(21, "a.internal.", Type.AAAA).toWire());
    while (all.isReadable()) {
      ch.writeInbound(all.readRetainedSlice(Math.min(3, all.readableBytes())));
    }
    all.release();
    DnsRequest.Query q = assertInstanceOf(DnsRequest.Query.class, ch.readInbound());
    assertEquals(21, q.message().getHeader().getID());
    assertEquals(Transport.TCP, q.transport());
  }

  @Test
  void tcpDecoder_twoQueriesInOneReadGiveTwoRequests() throws Exception {
    EmbeddedChannel ch = tcp();
    ByteBuf both =
        Unpooled.wrappedBuffer(
            framed(Packets.query(1, "a.internal.", Type.AAAA).toWire()),
            framed(Packets.query(2, "b.internal.", Type.AAAA).toWire()));
    ch.writeInbound(both);
    assertEquals(1, ((DnsRequest.Query) ch.readInbound()).message().getHeader().getID());
    assertEquals(2, ((DnsRequest.Query) ch.readInbound()).message().getHeader().getID());
  }

  @Test
  void tcpDecoder_malformedFrameIsFormerrAndShortFrameDropped() throws Exception {
    EmbeddedChannel ch = tcp();
    ch.writeInbound(framed(Packets.pointerLoop(33)));
    DnsRequest.Unanswerable u = assertInstanceOf(DnsRequest.Unanswerable.class, ch.readInbound());
    assertEquals(Rcode.FORMERR, u.rcode());
    ch.writeInbound(framed(new byte[4]));
    assertNull(ch.readInbound());
    ch.writeInbound(framed(Packets.query(34, "a.internal.", Type.AAAA).toWire()));
    assertInstanceOf(DnsRequest.Query.class, ch.readInbound());
  }

  @Test
  void tcpEncoder_prefixesLength() {
    EmbeddedChannel ch = tcp();
    byte[] wire = Packets.query(1, "a.internal.", Type.AAAA).toWire();
    ch.writeOutbound(new DnsResponse(wire, CLIENT));
    ByteBuf out = ch.readOutbound();
    assertEquals(wire.length, out.readUnsignedShort());
    assertArrayEquals(wire, ByteBufUtil.getBytes(out));
    out.release();
  }
}
