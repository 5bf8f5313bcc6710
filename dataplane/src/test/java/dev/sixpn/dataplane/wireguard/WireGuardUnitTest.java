package dev.sixpn.dataplane.wireguard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sixpn.dataplane.link.Exec;
import dev.sixpn.dataplane.link.Prefixes;
import dev.sixpn.dataplane.testing.Privileges;
import dev.sixpn.events.Endpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WireGuardUnitTest {

  @TempDir Path dir;

  @Test
  void keyFileIsCreatedOnceWithMode600() throws Exception {
    Path file = dir.resolve("wg/private.key");
    HostKeys first = HostKeys.loadOrCreate(file);
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    HostKeys second = HostKeys.loadOrCreate(file);
    assertEquals(first, second, "generated once, then read");
  }

  @Test
  void privateKeysAreClampedLikeWgGenkey() {
    byte[] raw = HostKeys.loadOrCreate(dir.resolve("c")).privateKey().bytes();
    assertEquals(0, raw[0] & 7);
    assertEquals(64, raw[31] & 0xc0);
    WgKey unclamped = WgKey.ofBytes(filled(0xff));
    assertEquals(
        HostKeys.publicOf(unclamped),
        HostKeys.publicOf(HostKeys.clamp(unclamped)),
        "X25519 clamps anyway");
  }

  @Test
  void aWidenedKeyFileIsRefusedWithTheFix() throws Exception {
    Path file = dir.resolve("private.key");
    HostKeys.loadOrCreate(file);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> HostKeys.loadOrCreate(file));
    assertTrue(e.getMessage().contains("chmod 600"), e.getMessage());
  }

  @Test
  void publicKeyMatchesWgPubkey() {
    assertPublicKeyIsWgs(HostKeys.loadOrCreate(dir.resolve("k")));
  }

  @Test
  void generatedPeerKeys_areWgKeys() {
    HostKeys a = HostKeys.generate();
    assertPublicKeyIsWgs(a);
    assertEquals(a.privateKey(), HostKeys.clamp(a.privateKey()), "clamped as wg genkey does");
    assertTrue(!a.privateKey().equals(HostKeys.generate().privateKey()), "a new pair each time");
  }

  private static void assertPublicKeyIsWgs(HostKeys keys) {
    Privileges.requireTools("wg");
    ProcessBuilder pb = new ProcessBuilder("wg", "pubkey");
    try {
      Process p = pb.start();
      p.getOutputStream().write((keys.privateKey().base64() + "\n").getBytes());
      p.getOutputStream().close();
      String out = new String(p.getInputStream().readAllBytes()).strip();
      p.waitFor();
      assertEquals(out, keys.publicKey().base64());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    assertTrue(Exec.run(List.of("true")).ok());
  }

  @Test
  void uapiRequestsAndGetParsing() {
    WgKey peer = WgKey.ofBytes(filled(0x11));
    PeerConfig cfg =
        new PeerConfig(peer, Endpoint.parse("[2001:db8::1]:51820"), List.of("fdab:0:2::/48"), 5);
    String set = Uapi.upsertPeerRequest(cfg);
    assertTrue(set.startsWith("set=1\npublic_key=" + "11".repeat(32) + "\n"), set);
    assertTrue(set.contains("endpoint=[2001:db8:0:0:0:0:0:1]:51820\n"), set);
    assertTrue(set.contains("replace_allowed_ips=true\nallowed_ip=fdab:0:2:0:0:0:0:0/48\n"), set);
    assertTrue(set.endsWith("\n\n"));

    String get =
        "private_key="
            + "22".repeat(32)
            + "\nlisten_port=51820\n"
            + "public_key="
            + "11".repeat(32)
            + "\nprotocol_version=1\nendpoint=[2001:db8::1]:51820\n"
            + "last_handshake_time_sec=1764633600\nlast_handshake_time_nsec=5\ntx_bytes=92\n"
            + "rx_bytes=148\n"
            + "persistent_keepalive_interval=5\nallowed_ip=fdab:0:2::/48\n"
            + "public_key="
            + "33".repeat(32)
            + "\nallowed_ip=fdab:0:3::/48\nallowed_ip=fdab:0:4::/48\n"
            + "errno=0\n\n";
    DeviceState s = Uapi.parseGet(get);
    assertEquals(WgKey.ofBytes(filled(0x22)), s.privateKey().orElseThrow());
    assertEquals(51820, s.listenPort());
    assertEquals(cfg, s.peers().get(peer));
    assertEquals(
        List.of(Prefixes.canonical("fdab:0:3::/48"), Prefixes.canonical("fdab:0:4::/48")),
        s.peers().get(WgKey.ofBytes(filled(0x33))).allowedIps());
    assertEquals(new PeerStats(1764633600, 148, 92), s.stats().get(peer));
    assertEquals(new PeerStats(0, 0, 0), s.stats().get(WgKey.ofBytes(filled(0x33))));
    assertEquals(0, Uapi.errno(get));
    assertEquals(-22, Uapi.errno("errno=-22\n\n"));
  }

  @Test
  void keysValidateTheirLength() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> WgKey.ofBytes(new byte[31]));
    assertTrue(e.getMessage().contains("32 bytes"));
    assertEquals("11".repeat(32), WgKey.ofBytes(filled(0x11)).hex());
  }

  @Test
  void parseGet_tenThousandPeers_eachWithItsEndpointAllowedIpsAndCounters() {
    StringBuilder sb =
        new StringBuilder("private_key=" + "11".repeat(32) + "\nlisten_port=51820\n");
    for (int p = 0; p < 10_000; p++) {
      sb.append("public_key=").append(String.format("%064x", p + 1)).append('\n');
      sb.append("endpoint=10.0.").append(p >> 8).append('.').append(p & 255).append(":51820\n");
      sb.append("persistent_keepalive_interval=25\n");
      sb.append("rx_bytes=").append(p).append("\ntx_bytes=7\n");
      sb.append("allowed_ip=fdab:0:").append(Integer.toHexString(p + 1)).append("::/48\n");
    }
    String response = sb.append("errno=0\n\n").toString();
    byte[] bytes = response.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    assertTrue(Uapi.complete(bytes, bytes.length));
    assertTrue(!Uapi.complete(bytes, bytes.length - 1), "an unfinished response is not complete");
    assertEquals(0, Uapi.errno(response));
    DeviceState s = Uapi.parseGet(response);
    assertEquals(10_000, s.peers().size());
    WgKey last = WgKey.ofHex(String.format("%064x", 10_000));
    assertEquals(
        new PeerConfig(last, Endpoint.parse("10.0.39.15:51820"), List.of("fdab:0:2710::/48"), 25),
        s.peers().get(last));
    assertEquals(9_999, s.stats().get(last).rxBytes());
  }

  @Test
  void complete_bodyLinesThatMentionErrno_areNotTheEnd() {
    byte[] b = "public_key=ab\nerrno=0\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    assertTrue(!Uapi.complete(b, b.length));
    assertEquals(-22, Uapi.errno("errno=-22\n\n"));
  }

  static byte[] filled(int v) {
    byte[] b = new byte[32];
    java.util.Arrays.fill(b, (byte) v);
    return b;
  }
}
