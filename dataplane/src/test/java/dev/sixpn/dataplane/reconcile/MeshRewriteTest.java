package dev.sixpn.dataplane.reconcile;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sixpn.address.SixpnAddress;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The mesh rewrite keeps every L4 checksum valid: the pseudo-header (RFC 8200 §8.1) sums source and
 * destination as 16-bit words, and fdaa:N:N:H:H:I:I:R → fdab:H:H:N:N:I:I:R-1 permutes words and
 * adds +1 and −1, so the one's-complement sum of each address, hence the checksum, is the same.
 * This checks it on real TCP/UDP/ICMPv6 checksums over random packets, and that the Java rewrite is
 * the same byte transformation as sixpn.bpf.c's to_mesh/from_mesh_form.
 */
class MeshRewriteTest {

  @Test
  void checksumOfRandomPacketsIsUnchangedByTheRewrite() {
    Random rnd = new Random(42);
    for (int n = 0; n < 20_000; n++) {
      SixpnAddress src = random(rnd);
      SixpnAddress dst = random(rnd);
      byte[] payload = new byte[rnd.nextInt(1, 1400)];
      rnd.nextBytes(payload);
      int nextHeader = new int[] {6, 17, 58}[rnd.nextInt(3)];
      int before = checksum(src.toBytes(), dst.toBytes(), nextHeader, payload);
      int after = checksum(src.toMeshForm(), dst.toMeshForm(), nextHeader, payload);
      assertEquals(before, after, () -> "checksum changed for " + src + " -> " + dst);
    }
  }

  @Test
  void edgeWordsKeepTheSum() {
    for (long v : new long[] {0, 1, 0xffff, 0x10000, 0xfffe_ffffL, 0xffff_ffffL}) {
      for (int role = 1; role <= 0xffff; role += 0x3333) {
        SixpnAddress a = new SixpnAddress(v, 0xffff_ffffL - v, v, role);
        assertEquals(onesSum(a.toBytes()), onesSum(a.toMeshForm()), a::toString);
      }
    }
  }

  @Test
  void rewriteMatchesTheProgramsWordShuffle() {
    SixpnAddress a = new SixpnAddress(0x0001_0002L, 0x0003_0004L, 0x0005_0006L, 2);
    // to_mesh in sixpn.bpf.c: w0=fdab, w1,w2 = host, w3,w4 = network, w5,w6 kept, w7 = role-1
    int[] words = {0xfdab, 0x0003, 0x0004, 0x0001, 0x0002, 0x0005, 0x0006, 0x0001};
    byte[] expected = new byte[16];
    for (int i = 0; i < 8; i++) {
      expected[2 * i] = (byte) (words[i] >>> 8);
      expected[2 * i + 1] = (byte) words[i];
    }
    assertArrayEquals(expected, a.toMeshForm());
    assertEquals(a, SixpnAddress.fromMeshForm(expected));
  }

  static SixpnAddress random(Random rnd) {
    return new SixpnAddress(
        rnd.nextLong(0x1_0000_0000L),
        rnd.nextLong(0x1_0000_0000L),
        rnd.nextLong(0x1_0000_0000L),
        rnd.nextInt(1, 0x10000));
  }

  /** One's-complement sum of 16-bit words, folded (RFC 1071). */
  static int onesSum(byte[] b) {
    long sum = 0;
    for (int i = 0; i + 1 < b.length; i += 2) {
      sum += ((b[i] & 0xff) << 8) | (b[i + 1] & 0xff);
    }
    if (b.length % 2 == 1) {
      sum += (b[b.length - 1] & 0xff) << 8;
    }
    while ((sum >>> 16) != 0) {
      sum = (sum & 0xffff) + (sum >>> 16);
    }
    return (int) sum;
  }

  /** The L4 checksum over the IPv6 pseudo-header and the payload. */
  static int checksum(byte[] src, byte[] dst, int nextHeader, byte[] payload) {
    byte[] pseudo = new byte[40 + payload.length];
    System.arraycopy(src, 0, pseudo, 0, 16);
    System.arraycopy(dst, 0, pseudo, 16, 16);
    int len = payload.length;
    pseudo[32] = (byte) (len >>> 24);
    pseudo[33] = (byte) (len >>> 16);
    pseudo[34] = (byte) (len >>> 8);
    pseudo[35] = (byte) len;
    pseudo[39] = (byte) nextHeader;
    System.arraycopy(payload, 0, pseudo, 40, len);
    return ~onesSum(pseudo) & 0xffff;
  }
}
