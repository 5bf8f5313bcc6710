package dev.sixpn.dns.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sixpn.dns.testing.Packets;
import java.net.InetAddress;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

class DnsWireTest {

  @Test
  void headerOnlyResponse_echoesIdOpcodeAndRd() throws Exception {
    int queryFlags = (4 << 11) | 0x0100; // opcode 4, RD
    Message m = new Message(DnsWire.headerOnlyResponse(0xabcd, queryFlags, Rcode.NOTIMP));
    assertEquals(0xabcd, m.getHeader().getID());
    assertEquals(4, m.getHeader().getOpcode());
    assertTrue(m.getHeader().getFlag(Flags.QR));
    assertTrue(m.getHeader().getFlag(Flags.RD));
    assertEquals(Rcode.NOTIMP, m.getRcode());
    assertEquals(0, m.getHeader().getCount(Section.QUESTION));
  }

  @Test
  void headerOnlyResponse_rejectsExtendedRcode() {
    assertThrows(IllegalArgumentException.class, () -> DnsWire.headerOnlyResponse(1, 0, 16));
  }

  @Test
  void udpLimit_is512WithoutOptAndClampedWithIt() {
    assertEquals(512, DnsWire.udpLimit(Packets.query(1, "a.internal.", Type.AAAA), 1232));
    assertEquals(
        1232, DnsWire.udpLimit(Packets.ednsQuery(1, "a.internal.", Type.AAAA, 4096), 1232));
    assertEquals(
        1000, DnsWire.udpLimit(Packets.ednsQuery(1, "a.internal.", Type.AAAA, 1000), 1232));
    assertEquals(512, DnsWire.udpLimit(Packets.ednsQuery(1, "a.internal.", Type.AAAA, 100), 1232));
  }

  private static Message bigResponse(int records, boolean opt) {
    Message r = new Message(7);
    r.getHeader().setFlag(Flags.QR);
    r.getHeader().setFlag(Flags.AA);
    Name n = Name.fromConstantString("big.internal.");
    r.addRecord(org.xbill.DNS.Record.newRecord(n, Type.AAAA, DClass.IN), Section.QUESTION);
    for (int i = 0; i < records; i++) {
      byte[] a = InetAddress.ofLiteral("fdaa::2").getAddress();
      a[13] = (byte) (i >> 8);
      a[14] = (byte) i;
      try {
        r.addRecord(new AAAARecord(n, DClass.IN, 5, InetAddress.getByAddress(a)), Section.ANSWER);
      } catch (java.net.UnknownHostException e) {
        throw new AssertionError(e);
      }
    }
    if (opt) {
      r.addRecord(new OPTRecord(1232, 0, 0), Section.ADDITIONAL);
    }
    return r;
  }

  @Test
  void encode_fittingResponseIsUnchanged() {
    Message r = bigResponse(3, false);
    assertArrayEquals(r.toWire(), DnsWire.encode(r, 512));
  }

  @Test
  void encode_tooLargeSetsTcAndKeepsQuestionAndOpt() throws Exception {
    Message r = bigResponse(500, true);
    byte[] wire = DnsWire.encode(r, 1232);
    assertTrue(wire.length <= 1232);
    Message t = new Message(wire);
    assertTrue(t.getHeader().getFlag(Flags.TC));
    assertTrue(t.getHeader().getFlag(Flags.AA));
    assertEquals(7, t.getHeader().getID());
    assertEquals(Name.fromConstantString("big.internal."), t.getQuestion().getName());
    assertEquals(0, t.getSection(Section.ANSWER).size());
    assertNotNull(t.getOPT());
    byte[] full = DnsWire.encode(r, 65535);
    Message f = new Message(full);
    assertFalse(f.getHeader().getFlag(Flags.TC));
    assertEquals(500, f.getSection(Section.ANSWER).size());
  }

  @Test
  void parseQuery_shortHeaderHasNoId() {
    MalformedDnsException e =
        assertThrows(MalformedDnsException.class, () -> DnsWire.parseQuery(new byte[5]));
    assertFalse(e.headerReadable());
    assertEquals(MalformedDnsException.Reason.SHORT_HEADER, e.reason());
    assertEquals(null, DnsWire.formErr(e));
  }

  @Test
  void parseQuery_pointerLoopNamesTheProblem() {
    MalformedDnsException e =
        assertThrows(MalformedDnsException.class, () -> DnsWire.parseQuery(Packets.pointerLoop(3)));
    assertEquals(MalformedDnsException.Reason.BAD_NAME_OR_RECORD, e.reason());
    assertEquals(3, e.id());
    assertTrue(e.getMessage().startsWith("unparseable query"), e.getMessage());
  }
}
