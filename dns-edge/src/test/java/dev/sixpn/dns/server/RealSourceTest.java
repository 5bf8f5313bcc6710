package dev.sixpn.dns.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sixpn.address.SixpnAddress;
import dev.sixpn.dns.testing.Dig;
import dev.sixpn.dns.testing.FakeState;
import dev.sixpn.dns.testing.Requires;
import dev.sixpn.state.Instance;
import dev.sixpn.state.InstanceStatus;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Scoping by the real source address: 6PN addresses of two networks (and an unknown instance and a
 * host address) are added to {@code lo}, dig sends from each with {@code -b}, and the server —
 * WITHOUT the development loopback option — answers each network its own view. Needs root (to add
 * addresses); removes them afterwards.
 */
class RealSourceTest {

  // networks chosen not to collide with other modules' tests on this machine
  static final long NET_A = 0x7e57;
  static final long NET_B = 0x7e58;
  static final SixpnAddress SRC_A = SixpnAddress.ofInstance(NET_A, 0x51, 1);
  static final SixpnAddress SRC_B = SixpnAddress.ofInstance(NET_B, 0x51, 1);
  static final SixpnAddress UNKNOWN_A = SixpnAddress.ofInstance(NET_A, 0x51, 99);
  static final SixpnAddress HOST = new SixpnAddress(0, 0x51, 0, SixpnAddress.ROLE_INSTANCE);
  static final List<SixpnAddress> ON_LO = List.of(SRC_A, SRC_B, UNKNOWN_A, HOST);

  static final List<SixpnAddress> added = new ArrayList<>();
  static FakeState state;
  static DnsEdgeServer server;
  static int port;

  @BeforeAll
  static void setUp() throws Exception {
    Dig.requireDig();
    Requires.that(isRoot(), "adding 6PN source addresses to lo needs root");
    state =
        new FakeState()
            .withRegion("nrt", 35.76, 140.38)
            .withRegion("ams", 52.31, 4.76)
            .withRegion("iad", 38.94, -77.46);
    state.put(instance("src-a", NET_A, "alpha", "nrt", SRC_A));
    state.put(instance("a2ams", NET_A, "alpha", "ams", SixpnAddress.ofInstance(NET_A, 0x52, 2)));
    state.put(instance("a3iad", NET_A, "alpha", "iad", SixpnAddress.ofInstance(NET_A, 0x53, 3)));
    state.put(instance("src-b", NET_B, "beta", "iad", SRC_B));
    state.put(instance("b2iad", NET_B, "alpha", "iad", SixpnAddress.ofInstance(NET_B, 0x53, 2)));
    for (SixpnAddress a : ON_LO) {
      ip("addr", "add", a + "/128", "dev", "lo", "nodad");
      added.add(a);
    }
    server =
        new DnsEdgeServer(
            DnsEdgeServerTest.testConfig(OptionalLong.empty(), List.of()),
            state,
            state,
            new PrometheusRegistry());
    server.start();
    port = server.udpAddresses().getFirst().getPort();
  }

  @AfterAll
  static void tearDown() throws Exception {
    if (server != null) {
      server.close();
    }
    for (SixpnAddress a : added) {
      ip("addr", "del", a + "/128", "dev", "lo");
    }
  }

  static Instance instance(String id, long net, String app, String region, SixpnAddress address) {
    return new Instance(
        id, net, app, "app", address.host(), region, address, InstanceStatus.STARTED, Map.of());
  }

  static boolean isRoot() throws IOException, InterruptedException {
    Process p = new ProcessBuilder("id", "-u").start();
    p.waitFor(5, TimeUnit.SECONDS);
    return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
        .strip()
        .equals("0");
  }

  static void ip(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("ip", "-6"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException(
          "failed: "
              + cmd
              + ": "
              + new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  static String digFrom(SixpnAddress source, String... args) throws Exception {
    List<String> all = new ArrayList<>(List.of("-b", source.toString()));
    all.addAll(List.of(args));
    return Dig.run("::1", port, all.toArray(String[]::new));
  }

  static List<String> shortFrom(SixpnAddress source, String type, String name) throws Exception {
    return Dig.lines(digFrom(source, type, name, "+short"));
  }

  @Test
  void twoNetworks_seeTheirOwnAppOfTheSameName() throws Exception {
    assertEquals(
        Set.of(SRC_A.toString(), "fdaa:0:7e57:0:52:0:2:2", "fdaa:0:7e57:0:53:0:3:2"),
        Set.copyOf(shortFrom(SRC_A, "aaaa", "alpha.internal")));
    assertEquals(List.of("fdaa:0:7e58:0:53:0:2:2"), shortFrom(SRC_B, "aaaa", "alpha.internal"));
  }

  @Test
  void otherNetworksApp_isNxdomain() throws Exception {
    assertTrue(digFrom(SRC_A, "aaaa", "beta.internal").contains("status: NXDOMAIN"));
    assertTrue(digFrom(SRC_B, "txt", "_apps.internal", "+short").contains("\"alpha,beta\""));
    assertEquals(List.of("\"alpha\""), shortFrom(SRC_A, "txt", "_apps.internal"));
  }

  @Test
  void nearest_isFromTheCallingInstancesRegion() throws Exception {
    // src-a is in nrt: itself first, then ams (9,300 km) before iad (10,900 km)
    assertEquals(
        List.of(SRC_A.toString(), "fdaa:0:7e57:0:52:0:2:2"),
        shortFrom(SRC_A, "aaaa", "top2.nearest.of.alpha.internal"));
  }

  @Test
  void ptr_onlyForOwnNetwork() throws Exception {
    assertEquals(
        List.of("src-b.vm.beta.internal."),
        Dig.lines(digFrom(SRC_B, "-x", SRC_B.toString(), "+short")));
    assertTrue(digFrom(SRC_A, "-x", SRC_B.toString()).contains("status: NXDOMAIN"));
  }

  @Test
  void unknownInstanceSource_isRefused() throws Exception {
    String out = digFrom(UNKNOWN_A, "aaaa", "alpha.internal");
    assertTrue(out.contains("status: REFUSED"), out);
  }

  @Test
  void loopbackSource_isRefusedWithoutDevOption() throws Exception {
    String out = Dig.run("::1", port, "aaaa", "alpha.internal");
    assertTrue(out.contains("status: REFUSED"), out);
  }

  @Test
  void hostSource_isAllowedButSeesNoNetworksNames() throws Exception {
    String out = digFrom(HOST, "aaaa", "alpha.internal");
    assertTrue(out.contains("status: NXDOMAIN"), out);
    assertEquals(List.of("internal."), shortFrom(HOST, "ns", "internal"));
  }
}
