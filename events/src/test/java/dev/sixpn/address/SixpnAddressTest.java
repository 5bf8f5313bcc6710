package dev.sixpn.address;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class SixpnAddressTest {

  @Provide
  Arbitrary<SixpnAddress> addresses() {
    Arbitrary<Long> u32 =
        Arbitraries.longs()
            .between(0, 0xffff_ffffL)
            .edgeCases(c -> c.includeOnly(0L, 1L, 0xffff_ffffL));
    Arbitrary<Integer> role = Arbitraries.integers().between(1, 0xffff);
    return Combinators.combine(u32, u32, u32, role).as(SixpnAddress::new);
  }

  @Property
  void parse_roundTripsToString(@ForAll("addresses") SixpnAddress a) {
    assertEquals(a, SixpnAddress.parse(a.toString()));
  }

  @Property
  void toString_isTheJdkCanonicalAddress(@ForAll("addresses") SixpnAddress a) throws Exception {
    assertEquals(InetAddress.getByAddress(a.toBytes()), InetAddress.ofLiteral(a.toString()));
    assertEquals(a, SixpnAddress.fromBytes(a.toInetAddress().getAddress()));
  }

  @Property
  void fromMeshForm_invertsToMeshForm(@ForAll("addresses") SixpnAddress a) {
    assertEquals(a, SixpnAddress.fromMeshForm(a.toMeshForm()));
  }

  @Property
  void toMeshForm_keepsOnesComplementSum(@ForAll("addresses") SixpnAddress a) {
    assertEquals(onesComplementSum(a.toBytes()), onesComplementSum(a.toMeshForm()));
  }

  @Property
  void fromReverseName_roundTripsReverseName(@ForAll("addresses") SixpnAddress a) {
    assertEquals(Optional.of(a), SixpnAddress.fromReverseName(a.reverseName()));
    assertEquals(Optional.of(a), SixpnAddress.fromReverseName(a.reverseName().toUpperCase()));
  }

  @Test
  void parse_readsNetworkHostInstanceAndRole() {
    SixpnAddress a = SixpnAddress.parse("fdaa:0:1:a01:a0a:dead:beef:2");
    assertEquals(1, a.network());
    assertEquals(0x0a010a0aL, a.host());
    assertEquals(0xdeadbeefL, a.instance());
    assertEquals(SixpnAddress.ROLE_INSTANCE, a.role());
  }

  @Test
  void toString_followsRfc5952() {
    assertEquals("fdaa:0:7:0:5:0:2a:2", SixpnAddress.ofInstance(7, 5, 42).toString());
    assertEquals("fdaa::3", SixpnAddress.RESOLVER.toString());
    assertEquals("fdaa:0:7::3", SixpnAddress.dnsOf(7).toString());
    assertEquals("fdaa:0:7::/48", SixpnAddress.networkPrefix(7));
    assertEquals("fdab:0:5::/48", SixpnAddress.meshPrefixOfHost(5));
  }

  @Test
  void toMeshForm_separatesSwappedNetworkAndHost() {
    // network 7 on host 5 vs network 5 on host 7: a plain swap inside fdaa::/16 would collide.
    byte[] mesh = SixpnAddress.ofInstance(7, 5, 1).toMeshForm();
    assertEquals("fdab:0:5:0:7:0:1:1", Ipv6Text.format(mesh));
    assertFalse(SixpnAddress.isSixpn(mesh));
  }

  @Test
  void reverseName_isNibbleReversed() {
    assertEquals(
        "3.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.a.a.d.f.ip6.arpa.",
        SixpnAddress.RESOLVER.reverseName());
  }

  @Test
  void fromReverseName_rejectsPartialAndForeignNames() {
    assertEquals(Optional.empty(), SixpnAddress.fromReverseName("a.a.d.f.ip6.arpa."));
    assertEquals(Optional.empty(), SixpnAddress.fromReverseName("example.com."));
    String foreign = SixpnAddress.RESOLVER.reverseName().replace("a.a.d.f", "8.b.d.0");
    assertEquals(Optional.empty(), SixpnAddress.fromReverseName(foreign));
    String badNibble = SixpnAddress.RESOLVER.reverseName().replaceFirst("^3", "g");
    assertEquals(Optional.empty(), SixpnAddress.fromReverseName(badNibble));
  }

  @Test
  void parse_rejectsNonSixpnAndNonIpv6() {
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> SixpnAddress.parse("2001:db8::1"))
            .getMessage()
            .contains("fdaa::/16"));
    assertThrows(IllegalArgumentException.class, () -> SixpnAddress.parse("10.0.0.1"));
    assertThrows(IllegalArgumentException.class, () -> SixpnAddress.parse("fdaa::zz"));
    assertThrows(
        IllegalArgumentException.class, () -> SixpnAddress.parse("fearsome-bagel-43.internal"));
    assertThrows(IllegalArgumentException.class, () -> SixpnAddress.parse(null));
  }

  @Test
  void constructor_rejectsOutOfRangeFieldsNamingThem() {
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> new SixpnAddress(1L << 32, 1, 1, 2))
            .getMessage()
            .startsWith("network"));
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> new SixpnAddress(1, -1, 1, 2))
            .getMessage()
            .startsWith("host"));
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> new SixpnAddress(1, 1, 1, 70000))
            .getMessage()
            .startsWith("role"));
  }

  @Test
  void toMeshForm_roleZeroIsRefused() {
    assertThrows(IllegalStateException.class, () -> new SixpnAddress(1, 1, 1, 0).toMeshForm());
  }

  @Test
  void fromBytes_readsNetworkOrder() {
    byte[] b = SixpnAddress.ofInstance(0x01020304L, 0x05060708L, 0x090a0b0cL).toBytes();
    assertArrayEquals(
        new byte[] {(byte) 0xfd, (byte) 0xaa, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0, 2}, b);
  }

  /** RFC 1071 one's-complement sum of 16-bit words, folded. */
  static int onesComplementSum(byte[] b) {
    long sum = 0;
    for (int i = 0; i < b.length; i += 2) {
      sum += ((b[i] & 0xff) << 8) | (b[i + 1] & 0xff);
    }
    while ((sum >> 16) != 0) {
      sum = (sum & 0xffff) + (sum >> 16);
    }
    return (int) sum;
  }
}
