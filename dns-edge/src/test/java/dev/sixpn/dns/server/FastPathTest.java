package dev.sixpn.dns.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.sixpn.dns.testing.FakeState;
import dev.sixpn.dns.testing.Packets;
import dev.sixpn.dns.wire.SimpleQuery;
import dev.sixpn.dns.zone.Caller;
import dev.sixpn.dns.zone.InternalZone;
import dev.sixpn.dns.zone.ZoneAnswer;
import dev.sixpn.dns.zone.ZoneCache;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

/** The hand-stamped answers of the hot path are byte-for-byte dnsjava's encoding. */
class FastPathTest {

  private final FakeState state = FakeState.fixture();
  private final ZoneCache cache = new ZoneCache(new InternalZone(state), state, 1000);
  private final Caller caller = new Caller(1, "ord");

  FastPathTest() {
    for (int i = 0; i < 500; i++) {
      state.start(1, "big", String.format("big%03d", i), "app", "iad");
    }
  }

  private static ZoneAnswer rotated(ZoneAnswer a, int start) {
    List<Record> out = new ArrayList<>();
    int n = a.answers().size();
    for (int i = 0; i < n; i++) {
      out.add(a.answers().get((start + i) % n));
    }
    return new ZoneAnswer(a.rcode(), out, a.authority(), a.rotate());
  }

  private void assertIdentical(String name, int type, boolean edns, boolean rd, boolean cd)
      throws Exception {
    Message query =
        edns ? Packets.ednsQuery(0x4242, name, type, 4096) : Packets.query(0x4242, name, type);
    if (!rd) {
      query.getHeader().unsetFlag(Flags.RD);
    }
    if (cd) {
      query.getHeader().setFlag(Flags.CD);
    }
    byte[] wire = query.toWire();
    SimpleQuery s = SimpleQuery.read(wire);
    assertNotNull(s, name);
    ZoneAnswer base = cache.lookup(s.name(), type, caller).base();
    EncodedAnswer template = ResponseEncoder.template(s, base, 1232);
    assertNotNull(template, name);
    int n = Math.max(1, base.rotate() ? base.answers().size() : 1);
    for (int r = 0; r < n; r++) {
      byte[] slow =
          ResponseEncoder.zoneResponse(new Message(wire), rotated(base, r), 1232).toWire();
      assertArrayEquals(
          slow, template.render(wire, s, r), name + " " + Type.string(type) + " rotation " + r);
      io.netty.buffer.ByteBuf direct = io.netty.buffer.Unpooled.directBuffer(template.length());
      template.renderInto(direct, wire, s, r);
      assertArrayEquals(
          slow, io.netty.buffer.ByteBufUtil.getBytes(direct), "direct buffer rendering of " + name);
      direct.release();
    }
  }

  @Test
  void render_matchesDnsjavaForEveryAnswerShape() throws Exception {
    String[][] cases = {
      {"fearsome-bagel-43.internal.", "AAAA"},
      {"FearSome-BAGEL-43.InTeRnAl.", "AAAA"},
      {"iad.fearsome-bagel-43.internal.", "AAAA"},
      {"top3.nearest.of.fearsome-bagel-43.internal.", "AAAA"},
      {"c3iad.vm.Fearsome-bagel-43.internal.", "AAAA"},
      {"vms.fearsome-bagel-43.internal.", "TXT"},
      {"REGIONS.fearsome-bagel-43.internal.", "TXT"},
      {"_apps.internal.", "TXT"},
      {"_instances.internal.", "TXT"},
      {"all._instances.internal.", "TXT"},
      {"nope.internal.", "AAAA"},
      {"Nope.Internal.", "TXT"},
      {"fearsome-bagel-43.internal.", "A"},
      {"internal.", "SOA"},
      {"INTERNAL.", "NS"},
      {"vm.fearsome-bagel-43.internal.", "AAAA"},
      {"big.internal.", "AAAA"},
      {"fearsome-bagel-43.internal.", "ANY"},
    };
    for (String[] c : cases) {
      for (boolean edns : new boolean[] {false, true}) {
        assertIdentical(c[0], Type.value(c[1]), edns, true, false);
        assertIdentical(c[0], Type.value(c[1]), edns, false, true);
      }
    }
    String ptr = state.get("b2iad").address().reverseName();
    assertIdentical(ptr, Type.PTR, true, true, false);
    assertIdentical(ptr.toUpperCase(), Type.PTR, false, true, false);
    assertIdentical(state.get("s1fra").address().reverseName(), Type.PTR, true, true, false);
  }

  @Test
  void simpleQuery_readsWhatDnsjavaReads() throws Exception {
    byte[] wire = Packets.ednsQuery(7, "Mixed.Case.internal.", Type.TXT, 1400).toWire();
    SimpleQuery s = SimpleQuery.read(wire);
    Message m = new Message(wire);
    assertEquals(m.getHeader().getID(), s.id());
    assertEquals(m.getQuestion().getName(), s.name()); // dnsjava names compare case-insensitively
    assertEquals("mixed.case.internal.", s.name().toString());
    assertEquals(dev.sixpn.dns.zone.ZoneCache.keyOf(m.getQuestion().getName()), s.nameKey());
    assertEquals(Type.TXT, s.qtype());
    assertEquals(1400, s.ednsPayload());
    assertEquals(0, s.ednsVersion());
  }

  @Test
  void simpleQuery_findsTheZoneOnLabelBoundariesOnly() {
    assertEquals(
        SimpleQuery.Zone.INTERNAL,
        SimpleQuery.read(Packets.query(1, "x.INTERNAL.", Type.A).toWire()).zone());
    assertEquals(
        SimpleQuery.Zone.INTERNAL,
        SimpleQuery.read(Packets.query(1, "internal.", Type.SOA).toWire()).zone());
    assertEquals(
        SimpleQuery.Zone.OTHER,
        SimpleQuery.read(Packets.query(1, "internal.example.", Type.A).toWire()).zone());
    assertEquals(
        SimpleQuery.Zone.OTHER,
        SimpleQuery.read(Packets.query(1, "xinternal.", Type.A).toWire()).zone());
    // one label "a\008internal": the suffix bytes are there but not on a label boundary
    byte[] label = "a\binternal".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    byte[] body = new byte[label.length + 6];
    body[0] = (byte) label.length;
    System.arraycopy(label, 0, body, 1, label.length);
    body[label.length + 3] = 28;
    body[label.length + 5] = 1;
    SimpleQuery odd = SimpleQuery.read(Packets.raw(1, 0x0100, 1, 0, 0, 0, body));
    assertEquals(SimpleQuery.Zone.OTHER, odd.zone());
    assertEquals(
        SimpleQuery.Zone.REVERSE,
        SimpleQuery.read(
                Packets.query(1, state.get("a1nrt").address().reverseName().toUpperCase(), Type.PTR)
                    .toWire())
            .zone());
    assertEquals(
        SimpleQuery.Zone.OTHER,
        SimpleQuery.read(Packets.query(1, "1.0.0.127.in-addr.arpa.", Type.PTR).toWire()).zone());
  }

  @Test
  void simpleQuery_leavesOddShapesToTheFullParser() {
    assertNull(SimpleQuery.read(Packets.pointerLoop(1)));
    assertNull(SimpleQuery.read(Packets.oversizedLabel(1)));
    assertNull(SimpleQuery.read(Packets.raw(1, 0x0100, 0, 0, 0, 0, new byte[0])));
    assertNull(SimpleQuery.read(new byte[12]));
    byte[] truncated = Packets.query(1, "a.internal.", Type.AAAA).toWire();
    assertNull(SimpleQuery.read(java.util.Arrays.copyOf(truncated, truncated.length - 1)));
    byte[] trailing = java.util.Arrays.copyOf(truncated, truncated.length + 3);
    assertNull(SimpleQuery.read(trailing));
    byte[] response = Packets.query(1, "a.internal.", Type.AAAA).toWire();
    response[2] |= (byte) 0x80;
    assertNull(SimpleQuery.read(response));
  }
}
