package dev.sixpn.dataplane.bpf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sixpn.address.SixpnAddress;
import dev.sixpn.dataplane.maps.ConfigMap;
import dev.sixpn.dataplane.maps.DropEventsRing;
import dev.sixpn.dataplane.maps.DropRateMap;
import dev.sixpn.dataplane.maps.DropReason;
import dev.sixpn.dataplane.maps.DropsMap;
import dev.sixpn.dataplane.maps.HostConfig;
import dev.sixpn.dataplane.maps.LinkInfo;
import dev.sixpn.dataplane.maps.LinkMap;
import dev.sixpn.dataplane.maps.LocalInstance;
import dev.sixpn.dataplane.maps.LocalsMap;
import dev.sixpn.dataplane.testing.Privileges;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * from_instance, the real compiled program, run by the kernel on crafted packets
 * (BPF_PROG_TEST_RUN): every verdict and drop reason, and the rewrite's output bytes with the UDP
 * checksum still valid over the rewritten addresses. The test skb arrives on lo (ifindex 1), so the
 * "instance link" is ifindex 1.
 */
class ProgramVerdictTest {

  static final int TC_ACT_OK = 0;
  static final int TC_ACT_UNSPEC = -1;
  static final int TC_ACT_SHOT = 2;
  static final long HOST = 0x0a0b_0c0dL;
  static final long NET = 0x1234_5678L;
  static final SixpnAddress SELF = SixpnAddress.ofInstance(NET, HOST, 1);
  static final SixpnAddress NEIGHBOUR = SixpnAddress.ofInstance(NET, HOST, 2);
  static final SixpnAddress REMOTE = SixpnAddress.ofInstance(NET, 0x0e0f_1011L, 3);

  static final Path PINS =
      Path.of("/sys/fs/bpf", "sixpn-test-verdicts-" + ProcessHandle.current().pid());
  static ProgramLoader.Pins pins;
  static int prog;
  static ConfigMap config;
  static LinkMap links;
  static LocalsMap locals;
  static DropsMap drops;

  @BeforeAll
  static void load() {
    Privileges.requireKernelAndTools("bpftool");
    pins = ProgramLoader.ensureLoaded(PINS);
    prog = Bpf.objGet(pins.program(ProgramLoader.FROM_INSTANCE).toString());
    config = new ConfigMap(pins.map(ConfigMap.NAME).toString(), MapOp.Observer.NONE);
    links = new LinkMap(pins.map(LinkMap.NAME).toString(), MapOp.Observer.NONE);
    locals = new LocalsMap(pins.map(LocalsMap.NAME).toString(), MapOp.Observer.NONE);
    drops = new DropsMap(pins.map(DropsMap.NAME).toString(), MapOp.Observer.NONE);
  }

  @AfterAll
  static void unload() {
    if (pins != null) {
      Bpf.close(prog);
      config.close();
      links.close();
      locals.close();
      drops.close();
    }
    ProgramLoader.unpin(PINS);
  }

  @BeforeEach
  void state() {
    config.set(new HostConfig(HOST, 0));
    links.put(1, new LinkInfo(SELF, 0));
    locals.put(SELF, new LocalInstance(1, 0));
    locals.put(NEIGHBOUR, new LocalInstance(2, 0));
  }

  /** Runs the program and returns its verdict, checking which drop counter (if any) moved. */
  static Bpf.TestRun run(byte[] packet, DropReason expectedDrop) {
    long[] before = Arrays.stream(DropReason.values()).mapToLong(drops::count).toArray();
    Bpf.TestRun r = Bpf.testRun(prog, packet);
    for (DropReason reason : DropReason.values()) {
      long delta = drops.count(reason) - before[reason.ordinal()];
      assertEquals(reason == expectedDrop ? 1 : 0, delta, "drop counter " + reason);
    }
    assertEquals(expectedDrop == null ? TC_ACT_OK : TC_ACT_SHOT, r.retval(), "verdict");
    return r;
  }

  @Test
  void neighbourDiscoveryPassesEvenFromAnUnknownSource() throws Exception {
    for (int type = 133; type <= 136; type++) {
      run(icmp(addr("fe80::1234"), addr("ff02::1:ff00:1"), type), null);
    }
    run(icmp(addr("fe80::1234"), addr("fe80::1"), 135), null); // unicast NUD to the gateway
    run(icmp(addr("fe80::1234"), addr("ff02::16"), 143), DropReason.MULTICAST); // MLD is not ND
    run(icmp(addr("fe80::1234"), addr("fe80::1"), 128), DropReason.LINK_LOCAL);
  }

  @Test
  void neighbourDiscoveryTypesToRoutableAddressesGetNoFreePass() throws Exception {
    SixpnAddress otherNetwork = SixpnAddress.ofInstance(NET + 1, HOST, 2);
    run(icmp(SELF.toBytes(), otherNetwork.toBytes(), 135), DropReason.CROSS_NETWORK);
    run(icmp(addr("fe80::1234"), otherNetwork.toBytes(), 136), DropReason.LINK_LOCAL);
    run(icmp(SELF.toBytes(), addr("2001:db8::1"), 134), DropReason.NOT_6PN_DEST);
  }

  @Test
  void sameHostSameNetworkPassesUnchanged() {
    byte[] p = udp(SELF.toBytes(), NEIGHBOUR.toBytes());
    assertArrayEquals(p, run(p, null).packet());
  }

  @Test
  void remoteDestinationIsRewrittenToMeshFormWithTheChecksumStillValid() {
    byte[] p = udp(SELF.toBytes(), REMOTE.toBytes());
    byte[] out = run(p, null).packet();
    assertArrayEquals(SELF.toMeshForm(), Arrays.copyOfRange(out, 22, 38));
    assertArrayEquals(REMOTE.toMeshForm(), Arrays.copyOfRange(out, 38, 54));
    assertArrayEquals(
        Arrays.copyOfRange(p, 54, p.length),
        Arrays.copyOfRange(out, 54, out.length),
        "L4 bytes untouched");
    assertEquals(0xffff, udpSum(out), "UDP checksum verifies over the mesh-form pseudo-header");
    assertEquals(0xffff, udpSum(p));
  }

  @Test
  void resolverPassesAndHostNeedsTheFlag() throws Exception {
    run(udp(SELF.toBytes(), SixpnAddress.RESOLVER.toBytes()), null);
    run(udp(SELF.toBytes(), SixpnAddress.dnsOf(NET).toBytes()), null);
    byte[] toHost = udp(SELF.toBytes(), new SixpnAddress(0, HOST, 0, 1).toBytes());
    run(toHost, DropReason.HOST_NOT_ALLOWED);
    links.put(1, new LinkInfo(SELF, LinkInfo.ALLOW_HOST));
    run(toHost, null);
    run(
        udp(SELF.toBytes(), new SixpnAddress(0, HOST + 1, 0, 1).toBytes()),
        DropReason.HOST_NOT_ALLOWED);
  }

  @Test
  void everyDropReasonOfFromInstance() throws Exception {
    run(udp(NEIGHBOUR.toBytes(), SELF.toBytes()), DropReason.SPOOFED_SOURCE);
    run(
        udp(SELF.toBytes(), SixpnAddress.ofInstance(NET + 1, HOST, 2).toBytes()),
        DropReason.CROSS_NETWORK);
    run(
        udp(SELF.toBytes(), SixpnAddress.ofInstance(NET + 1, 0x0e0f_1011L, 2).toBytes()),
        DropReason.CROSS_NETWORK);
    run(
        udp(SELF.toBytes(), SixpnAddress.ofInstance(NET, HOST, 9).toBytes()),
        DropReason.UNKNOWN_LOCAL_DEST);
    run(udp(SELF.toBytes(), addr("2001:db8::1")), DropReason.NOT_6PN_DEST);
    run(
        udp(SELF.toBytes(), new SixpnAddress(NET, 0x0e0f_1011L, 3, 0).toBytes()),
        DropReason.NO_MESH_FORM);
    byte[] ipv4 = udp(SELF.toBytes(), NEIGHBOUR.toBytes());
    ipv4[12] = 0x08;
    ipv4[13] = 0x00;
    run(ipv4, DropReason.NOT_IPV6);
    links.delete(1);
    run(udp(SELF.toBytes(), NEIGHBOUR.toBytes()), DropReason.UNKNOWN_LINK);
    config.set(new HostConfig(0, 0));
    run(udp(SELF.toBytes(), NEIGHBOUR.toBytes()), DropReason.NOT_CONFIGURED);
  }

  @Test
  void fromUnderlayDropsOnly6pnAndMeshDestinations() throws Exception {
    int underlay = Bpf.objGet(pins.program(ProgramLoader.FROM_UNDERLAY).toString());
    try {
      long before = drops.count(DropReason.UNDERLAY_6PN);
      assertEquals(
          TC_ACT_SHOT, Bpf.testRun(underlay, udp(addr("2001:db8::9"), SELF.toBytes())).retval());
      assertEquals(
          TC_ACT_SHOT,
          Bpf.testRun(underlay, udp(addr("2001:db8::9"), REMOTE.toMeshForm())).retval());
      assertEquals(
          TC_ACT_UNSPEC,
          Bpf.testRun(underlay, udp(addr("2001:db8::9"), addr("2001:db8::1"))).retval(),
          "not ours: the next program decides (TCX_NEXT)");
      byte[] ipv4 = udp(SELF.toBytes(), NEIGHBOUR.toBytes());
      ipv4[12] = 0x08;
      ipv4[13] = 0x00;
      assertEquals(
          TC_ACT_UNSPEC, Bpf.testRun(underlay, ipv4).retval(), "IPv4 (WireGuard's UDP) passes");
      assertEquals(2, drops.count(DropReason.UNDERLAY_6PN) - before);
    } finally {
      Bpf.close(underlay);
    }
  }

  // --- packets -------------------------------------------------------------------------------

  @Test
  void dropEvents_oneDropThenAFlood_recordedThenRateBoundedWithTheRestCounted() throws Exception {
    SixpnAddress otherNetwork = SixpnAddress.ofInstance(NET + 1, HOST, 2);
    byte[] p = udp(SELF.toBytes(), otherNetwork.toBytes());
    try (DropEventsRing ring = new DropEventsRing(pins.map(DropEventsRing.NAME).toString());
        DropRateMap rate =
            new DropRateMap(pins.map(DropRateMap.NAME).toString(), MapOp.Observer.NONE)) {
      // A burst's worth of credit first: the bucket refills at one event per millisecond.
      Thread.sleep(100);
      java.util.List<DropEventsRing.DropEvent> events = new java.util.ArrayList<>();
      run(p, DropReason.CROSS_NETWORK);
      ring.poll(java.time.Duration.ofSeconds(1), events::add);
      assertEquals(1, events.size(), "one drop, one event");
      DropEventsRing.DropEvent e = events.getFirst();
      assertEquals(DropReason.CROSS_NETWORK, e.reason().orElseThrow());
      assertEquals(1, e.ifindex(), "test runs arrive on lo");
      assertEquals(SELF, SixpnAddress.fromBytes(e.source().orElseThrow().getAddress()));
      assertEquals(
          otherNetwork, SixpnAddress.fromBytes(e.destination().orElseThrow().getAddress()));
      assertEquals(17, e.nextHeader(), "UDP");
      assertEquals(p.length, e.length());

      events.clear();
      long suppressedBefore = rate.suppressed();
      int flood = 200_000;
      long t0 = System.nanoTime();
      Bpf.TestRun r = Bpf.testRun(prog, p, flood);
      double seconds = (System.nanoTime() - t0) / 1e9;
      assertEquals(TC_ACT_SHOT, r.retval());
      while (ring.poll(java.time.Duration.ZERO, events::add) > 0) {
        // drain
      }
      long suppressed = rate.suppressed() - suppressedBefore;
      // At most the burst plus 1,000 a second per CPU; a test run may move between CPUs while it
      // repeats (it reschedules when asked to), so every CPU's bucket counts.
      int cpus = DropsMap.possibleCpus();
      assertTrue(
          events.size() <= cpus * (64 + 1000 * seconds) + 1,
          events.size()
              + " events for "
              + flood
              + " drops in "
              + seconds
              + " s on "
              + cpus
              + " CPUs");
      assertEquals(flood, events.size() + suppressed, "every drop is an event or counted");
      // Each event reports what its CPU held back before it; the tail after the last is pending.
      long reported = events.stream().mapToLong(DropEventsRing.DropEvent::suppressedBefore).sum();
      assertTrue(reported <= suppressed && reported > 0, reported + " of " + suppressed);
      System.out.printf(
          "drop flood: %d drops in %.0f ms -> %d events, %d suppressed (%d ns per run)%n",
          flood, seconds * 1000, events.size(), suppressed, r.nanosPerRun());
    }
  }

  static byte[] addr(String text) throws Exception {
    return InetAddress.getByName(text).getAddress();
  }

  static byte[] udp(byte[] src, byte[] dst) {
    byte[] payload = "sixpn-verdict-test".getBytes();
    ByteBuffer b = ByteBuffer.allocate(14 + 40 + 8 + payload.length);
    b.put(new byte[] {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, (byte) 0x86, (byte) 0xdd});
    b.putInt(0x6000_0000)
        .putShort((short) (8 + payload.length))
        .put((byte) 17)
        .put((byte) 64)
        .put(src)
        .put(dst);
    b.putShort((short) 40000)
        .putShort((short) 53)
        .putShort((short) (8 + payload.length))
        .putShort((short) 0)
        .put(payload);
    byte[] p = b.array();
    int sum = ~onesSum(pseudoAndL4(p)) & 0xffff;
    p[60] = (byte) (sum >>> 8);
    p[61] = (byte) sum;
    return p;
  }

  static byte[] icmp(byte[] src, byte[] dst, int type) {
    ByteBuffer b = ByteBuffer.allocate(14 + 40 + 24);
    b.put(new byte[] {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, (byte) 0x86, (byte) 0xdd});
    b.putInt(0x6000_0000).putShort((short) 24).put((byte) 58).put((byte) 255).put(src).put(dst);
    b.put((byte) type).put((byte) 0).putShort((short) 0).put(new byte[20]);
    return b.array();
  }

  /**
   * The one's-complement sum over the UDP pseudo-header and datagram; 0xffff when the checksum is
   * right.
   */
  static int udpSum(byte[] p) {
    return onesSum(pseudoAndL4(p));
  }

  static byte[] pseudoAndL4(byte[] p) {
    int l4 = p.length - 54;
    ByteBuffer b = ByteBuffer.allocate(40 + l4);
    b.put(p, 22, 32).putInt(l4).putInt(17).put(p, 54, l4);
    return b.array();
  }

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
}
