package dev.sixpn.dns.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sixpn.dns.testing.Packets;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

class DatagramDnsQueryDecoderTest {

  private static final InetSocketAddress CLIENT = new InetSocketAddress("::1", 40000);
  private static final InetSocketAddress SERVER = new InetSocketAddress("::1", 53);

  private final List<MalformedDnsException.Reason> errors = new ArrayList<>();
  private final EmbeddedChannel ch =
      new EmbeddedChannel(new DatagramDnsQueryDecoder((r, answered, d) -> errors.add(r)));

  private Object decode(byte[] wire) {
    ByteBuf buf = Unpooled.wrappedBuffer(wire);
    ch.writeInbound(new DatagramPacket(buf, SERVER, CLIENT));
    if (wire.length > 0) { // Netty's shared empty buffer cannot be released
      assertEquals(0, buf.refCnt(), "datagram released");
    }
    return ch.readInbound();
  }

  private DnsRequest.Unanswerable unanswerable(byte[] wire) {
    return assertInstanceOf(DnsRequest.Unanswerable.class, decode(wire));
  }

  @Test
  void decode_validQueryBecomesQuery() throws Exception {
    DnsRequest.Query q =
        assertInstanceOf(
            DnsRequest.Query.class, decode(Packets.query(77, "a.internal.", Type.AAAA).toWire()));
    assertEquals(77, q.message().getHeader().getID());
    assertEquals(CLIENT, q.sender());
    assertEquals(SERVER, q.recipient());
    assertEquals(Transport.UDP, q.transport());
  }

  @Test
  void decode_shorterThanHeaderIsDropped() {
    assertNull(decode(new byte[11]));
    assertNull(decode(new byte[0]));
    assertEquals(
        List.of(
            MalformedDnsException.Reason.SHORT_HEADER, MalformedDnsException.Reason.SHORT_HEADER),
        errors);
  }

  @Test
  void decode_responseIsDroppedSilently() {
    byte[] wire = Packets.query(5, "a.internal.", Type.AAAA).toWire();
    wire[2] |= (byte) 0x80;
    assertNull(decode(wire));
    assertTrue(errors.isEmpty());
  }

  @Test
  void decode_questionCountZeroOrTwoIsFormerrWithId() {
    DnsRequest.Unanswerable zero =
        unanswerable(Packets.raw(0x1234, 0x0100, 0, 0, 0, 0, new byte[0]));
    assertEquals(Rcode.FORMERR, zero.rcode());
    assertEquals(0x1234, zero.id());
    byte[] q = Packets.question("a.internal");
    byte[] two = new byte[q.length * 2];
    System.arraycopy(q, 0, two, 0, q.length);
    System.arraycopy(q, 0, two, q.length, q.length);
    DnsRequest.Unanswerable twice = unanswerable(Packets.raw(0xbeef, 0x0100, 2, 0, 0, 0, two));
    assertEquals(Rcode.FORMERR, twice.rcode());
    assertEquals(0xbeef, twice.id());
    assertEquals(
        List.of(
            MalformedDnsException.Reason.QUESTION_COUNT,
            MalformedDnsException.Reason.QUESTION_COUNT),
        errors);
  }

  @Test
  void decode_compressionPointerLoopsAreFormerr() {
    assertEquals(Rcode.FORMERR, unanswerable(Packets.pointerLoop(9)).rcode());
    assertEquals(Rcode.FORMERR, unanswerable(Packets.pointerPingPong(10)).rcode());
  }

  @Test
  void decode_oversizedLabelAndNameAreFormerr() {
    assertEquals(Rcode.FORMERR, unanswerable(Packets.oversizedLabel(11)).rcode());
    assertEquals(Rcode.FORMERR, unanswerable(Packets.nameTooLong(12)).rcode());
  }

  @Test
  void decode_truncatedQuestionIsFormerr() {
    byte[] full = Packets.query(13, "abc.internal.", Type.AAAA).toWire();
    for (int len = 12; len < full.length; len++) {
      byte[] cut = java.util.Arrays.copyOf(full, len);
      DnsRequest.Unanswerable u = unanswerable(cut);
      assertEquals(Rcode.FORMERR, u.rcode(), "cut at " + len);
      assertEquals(13, u.id());
    }
  }

  @Test
  void decode_twoOptRecordsAreFormerr() {
    org.xbill.DNS.Message m = Packets.ednsQuery(14, "a.internal.", Type.AAAA, 1232);
    m.addRecord(new org.xbill.DNS.OPTRecord(4096, 0, 0), org.xbill.DNS.Section.ADDITIONAL);
    assertEquals(Rcode.FORMERR, unanswerable(m.toWire()).rcode());
  }

  @Test
  void decode_optWithBadOptionLengthIsFormerr() {
    byte[] wire = Packets.ednsQuery(16, "a.internal.", Type.AAAA, 1232).toWire();
    byte[] bad = java.util.Arrays.copyOf(wire, wire.length + 5);
    bad[bad.length - 7] = 0; // rdlength 5: one option header (code 10, length 9) that overruns
    bad[bad.length - 6] = 5;
    bad[bad.length - 5] = 0;
    bad[bad.length - 4] = 10;
    bad[bad.length - 3] = 0;
    bad[bad.length - 2] = 9;
    assertEquals(null, SimpleQuery.read(bad));
    DnsRequest.Unanswerable u = unanswerable(bad);
    assertEquals(Rcode.FORMERR, u.rcode());
    assertEquals(16, u.id());
  }

  @Test
  void decode_otherOpcodeIsNotimp() {
    byte[] wire = Packets.query(15, "a.internal.", Type.SOA).toWire();
    wire[2] = (byte) ((wire[2] & 0x87) | (4 << 3)); // NOTIFY
    DnsRequest.Unanswerable u = unanswerable(wire);
    assertEquals(Rcode.NOTIMP, u.rcode());
    assertEquals(15, u.id());
  }

  @Test
  void decode_randomBytesNeverThrowAndAreReleased() {
    Random random = new Random(42);
    for (int i = 0; i < 20_000; i++) {
      byte[] wire = new byte[random.nextInt(600)];
      random.nextBytes(wire);
      if (wire.length > 2 && random.nextBoolean()) {
        wire[2] &= 0x07; // mostly QUERY opcode, not a response, to reach the parser
        if (wire.length > 5) {
          wire[4] = 0;
          wire[5] = 1;
        }
      }
      Object out = decode(wire);
      if (out instanceof DnsRequest.Unanswerable u) {
        assertTrue(u.rcode() == Rcode.FORMERR || u.rcode() == Rcode.NOTIMP);
      }
    }
    assertTrue(ch.isActive());
  }
}
